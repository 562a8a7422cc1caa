import { noticeMetadata, type RolloutNotice } from '@nodekeeper/core/rollout';
import { type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifier, noticeFinderFrom, notifyPortFrom } from '../index.ts';

const NOW = '2026-11-24T03:12:00.000Z';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** Notices carry their key as Slack message metadata, and a replay finds them by it (bot mode). */
describe('notices posted with metadata, against the sandbox Slack sink', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ now: NOW });
  });
  afterAll(async () => {
    await sb.close();
  });

  const bot = (channel = 'C0OPS') =>
    createNotifier({
      botToken: 'xoxb-0000-test',
      channel,
      apiBaseUrl: sb.slackApiUrl,
      allowInsecureLocalUrls: true,
      logger: quiet,
    });
  const since = '2026-11-24T03:00:00.000Z';

  describe('when a notice was posted at the top level', () => {
    it('finds it by its key with conversations.history, and nothing by another key', async () => {
      const notifier = bot();
      const posted = await notifier.post(
        { text: 'halted', blocks: [] },
        { metadata: noticeMetadata('halted/al2023/1') },
      );
      const finder = noticeFinderFrom(notifier);
      expect(await finder?.find('halted/al2023/1', { threadTs: null, channel: null, since })).toEqual({
        kind: 'found',
        ts: posted.ok ? posted.ts : '',
      });
      expect(await finder?.find('halted/al2023/2', { threadTs: null, channel: null, since })).toEqual({
        kind: 'not-found',
      });
    });
  });

  describe('when a rollout notice was posted in a run thread', () => {
    it('finds it with conversations.replies; the port posted it with its key', async () => {
      const notifier = bot();
      const parent = await notifier.post({ text: 'run', blocks: [] });
      const threadTs = parent.ok ? (parent.ts ?? '') : '';
      const request = {
        accountId: null,
        region: 'us-east-1',
        cluster: 'prod-a',
        nodegroup: 'gpu',
        strategy: 'release-version' as const,
        current: { releaseVersion: '1.33.4-20261001', imageId: null },
        target: { releaseVersion: '1.33.5-20261110', imageId: null },
        launchTemplate: null,
        wave: null,
        attempt: 1,
      };
      const notice: RolloutNotice = {
        event: 'failed',
        request,
        updateId: 'u-1',
        reason: null,
        message: 'failed',
        errors: [],
        threadTs,
        startedAt: null,
        finishedAt: NOW,
        status: 'Failed',
        noticeKey: 'rk/failed',
      };
      const sent = await notifyPortFrom(notifier)(notice);
      expect(sent.ok).toBe(true);
      const found = await noticeFinderFrom(notifier)?.find('rk/failed', {
        threadTs,
        channel: 'C0OPS',
        since,
      });
      expect(found).toEqual({ kind: 'found', ts: sent.ok ? sent.ts : '' });
      expect(sb.slackPosts().at(-1)?.body).toMatchObject({
        thread_ts: threadTs,
        metadata: noticeMetadata('rk/failed'),
      });
    });
  });

  describe('when the channel is configured by name', () => {
    it('reports the look-up unavailable (conversations.* need the channel ID)', async () => {
      const finder = noticeFinderFrom(bot('#ops'));
      expect(await finder?.find('k', { threadTs: null, channel: null, since })).toEqual({
        kind: 'unavailable',
        error: 'channel_not_found',
      });
    });
  });

  describe('when Slack is a webhook', () => {
    it('has no finder: a webhook can neither attach metadata nor read the channel', () => {
      const webhook = createNotifier({
        webhookUrl: sb.slackWebhookUrl,
        allowInsecureLocalUrls: true,
        logger: quiet,
      });
      expect(noticeFinderFrom(webhook)).toBeUndefined();
      expect(noticeFinderFrom(null)).toBeUndefined();
    });
  });
});

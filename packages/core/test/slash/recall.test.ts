import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { parseSlashCommand } from '../../src/messages/slash-command.ts';
import {
  type RecordedRecall,
  runSlashCommand,
  type SlashPorts,
  type SlashRecallPort,
} from '../../src/slash/program.ts';
import type { SlashRequest } from '../../src/slash/types.ts';

const NOW = new Date('2026-11-25T10:00:00Z');
const ALLOWED = 'U0ALLOWED1';
const config = parseConfig({
  regions: ['us-east-1'],
  clusters: ['prod-*'],
  slack: { allowedUserIds: [ALLOWED] },
});

const request = (text: string, userId = ALLOWED): SlashRequest => ({
  command: '/nodekeeper',
  text,
  userId,
  userName: null,
  teamId: 'T1',
  channelId: 'C1',
  responseUrl: 'https://hooks.slack.com/commands/T1/1/abc',
});

/** A recall store in memory with the adapter's answers (recorded once; lifted once). */
function memoryRecalls() {
  const active = new Map<string, RecordedRecall>();
  const key = (t: { release: string; family: string | null }) => `${t.family ?? '*'}#${t.release}`;
  const port: SlashRecallPort = {
    async recall(recall) {
      const found = active.get(key(recall));
      if (found) return { kind: 'exists', recall: found };
      active.set(key(recall), recall);
      return { kind: 'recorded', recall };
    },
    async unrecall(target) {
      const found = active.get(key(target));
      if (!found) return { kind: 'not-recalled' };
      active.delete(key(target));
      return { kind: 'lifted', recall: found };
    },
  };
  return { port, active };
}

function ports(recalls?: SlashRecallPort): SlashPorts {
  return {
    invoker: { invoke: async () => ({ kind: 'accepted', lambdaRequestId: null }) },
    pause: { set: async () => ({ kind: 'set' }), read: async () => ({ paused: false, reason: null }) },
    approvals: { record: async () => ({ kind: 'recorded' }) },
    ...(recalls ? { recalls } : {}),
    plan: async () => ({ generatedAt: NOW.toISOString(), items: [] }),
    history: async () => [],
  };
}

const context = { now: NOW, selfFunctionName: 'self', patchFunctionName: null, newRequestId: () => 'r-1' };

describe('parseSlashCommand', () => {
  describe('when recall is typed', () => {
    it('takes the release, the line and the words after them as the reason', () => {
      expect(parseSlashCommand('recall 1.33.5-20261110 --family al2023 GPU nodes fail to join')).toEqual({
        kind: 'recall',
        release: '1.33.5-20261110',
        family: 'al2023',
        reason: 'GPU nodes fail to join',
      });
      expect(parseSlashCommand('unrecall 20261110')).toEqual({ kind: 'unrecall', release: '20261110' });
      expect(parseSlashCommand('unrecall 20261110 fixed in 20261124')).toEqual({
        kind: 'unrecall',
        release: '20261110',
        reason: 'fixed in 20261124',
      });
    });

    it('asks for a reason, a release, and a value for --family', () => {
      expect(parseSlashCommand('recall 20261110')).toMatchObject({
        kind: 'usage',
        error: '`recall` needs a reason after the release: say why',
      });
      expect(parseSlashCommand('recall')).toMatchObject({
        kind: 'usage',
        error: expect.stringContaining('needs a release'),
      });
      expect(parseSlashCommand('recall 20261110 --family')).toMatchObject({
        kind: 'usage',
        error: '`--family` needs a value',
      });
      expect(parseSlashCommand(`recall 20261110 ${'x'.repeat(201)}`)).toMatchObject({ kind: 'usage' });
    });
  });
});

describe('runSlashCommand', () => {
  describe('when an allowed user recalls a release', () => {
    it('records it as them, normalised like the CLI, and answers in the channel', async () => {
      const store = memoryRecalls();
      const done = await runSlashCommand(
        request('recall 1.33.5-20261110 --family al2023 GPU nodes fail to join'),
        config,
        ports(store.port),
        context,
      );
      const recall = {
        release: '20261110',
        family: 'al2023',
        reason: 'GPU nodes fail to join',
        by: `slack:${ALLOWED}`,
        at: NOW.toISOString(),
      };
      expect(done.outcome).toEqual({ kind: 'recalled', result: 'recorded', recall });
      expect(done.reply.responseType).toBe('in_channel');
      expect(done.reply.text).toContain(
        `<@${ALLOWED}> recalled \`20261110\` (line \`al2023\`): GPU nodes fail to join.`,
      );
      expect(done.reply.text).toContain('`nodekeeper unrecall 20261110 --family al2023`');

      const again = await runSlashCommand(
        request('recall 20261110 --family al2023 twice'),
        config,
        ports(store.port),
        context,
      );
      expect(again.outcome).toMatchObject({ kind: 'recalled', result: 'exists' });
      expect(again.reply.text).toContain('was already recalled by');
    });
  });

  describe('when an allowed user lifts a recall', () => {
    it('lifts it in the channel, and says so when nothing is recalled', async () => {
      const store = memoryRecalls();
      await runSlashCommand(request('recall ami-0bad1234 broken image'), config, ports(store.port), context);
      const lifted = await runSlashCommand(
        request('unrecall ami-0bad1234 fixed'),
        config,
        ports(store.port),
        context,
      );
      expect(lifted.outcome).toEqual({
        kind: 'unrecalled',
        result: 'lifted',
        target: { release: 'ami-0bad1234', family: null },
      });
      expect(lifted.reply).toMatchObject({ responseType: 'in_channel' });
      expect(lifted.reply.text).toContain('lifted the recall of `ami-0bad1234`');
      const none = await runSlashCommand(
        request('unrecall ami-0bad1234'),
        config,
        ports(store.port),
        context,
      );
      expect(none.outcome).toMatchObject({ kind: 'unrecalled', result: 'not-recalled' });
      expect(none.reply).toMatchObject({ responseType: 'ephemeral' });
    });
  });

  describe('when the request cannot be carried out', () => {
    it('refuses users off the allowlist, unreadable releases and a line beside an AMI ID, writing nothing', async () => {
      const store = memoryRecalls();
      const cases: Array<[SlashRequest, string]> = [
        [request('recall 20261110 reason', 'U0OTHER01'), 'not-allowed'],
        [request('unrecall 20261110', 'U0OTHER01'), 'not-allowed'],
        [request('recall next-tuesday reason'), 'unknown-release'],
        [request('recall ami-0bad1234 --family al2023 reason'), 'unknown-release'],
      ];
      for (const [req, reason] of cases) {
        const done = await runSlashCommand(req, config, ports(store.port), context);
        expect(done.outcome, req.text).toMatchObject({ kind: 'refused', reason });
        expect(done.reply.responseType).toBe('ephemeral');
      }
      expect(store.active.size).toBe(0);
    });

    it('says the recall was not recorded when the store fails or is absent', async () => {
      const failing: SlashRecallPort = {
        recall: async () => {
          throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
        },
        unrecall: async () => {
          throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
        },
      };
      const done = await runSlashCommand(request('recall 20261110 reason'), config, ports(failing), context);
      expect(done.outcome).toMatchObject({ kind: 'recall-failed', error: 'ThrottlingException' });
      expect(done.reply.text).toContain('Nothing was recalled');
      const lift = await runSlashCommand(request('unrecall 20261110'), config, ports(failing), context);
      expect(lift.outcome).toMatchObject({ kind: 'unrecall-failed', error: 'ThrottlingException' });
      const absent = await runSlashCommand(request('recall 20261110 reason'), config, ports(), context);
      expect(absent.outcome).toMatchObject({ kind: 'recall-failed', error: 'not-configured' });
    });
  });
});

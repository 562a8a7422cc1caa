import {
  buildPatchCompletedMessage,
  buildPatchRefusedMessage,
  buildPatchRequestedMessage,
  buildPlanSummaryMessage,
  type SlackMessage,
} from '@nodekeeper/core/messages';
import { type RolloutNotice, type RolloutRecord, rolloutSlackMessage } from '@nodekeeper/core/rollout';
import { buildHistoryMessage, buildStatusMessage } from '@nodekeeper/core/slash';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  expectValidSlackMessage,
  outsideCode,
  planItem,
  texts,
} from '../../packages/core/test/messages/support.ts';
import { fuzzEdge, nastyString } from './support/fuzz.ts';

const edge = fuzzEdge('slack-message-builders');
afterAll(() => edge.write());

/** Untrusted text: names from AWS, EKS error messages, user text, with injections mixed in. */
const hostile = fc.oneof(
  nastyString(120),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          '<!channel>',
          '<!here>',
          '<@U0123ABCD>',
          '<http://evil.example|click>',
          '*INJECTED*',
          '`',
          '&',
        ),
        fc.string({ maxLength: 10 }),
      ),
      { maxLength: 8 },
    )
    .map((parts) => parts.join('')),
);

/** No live mention, channel link or foreign link; `*` from input never formats outside code. */
function expectNoInjection(message: SlackMessage): void {
  expectValidSlackMessage(message);
  for (const t of texts(message).mrkdwn) {
    expect(t).not.toMatch(/<[!@#]/);
    expect(t).not.toMatch(/<http:\/\/evil/);
    expect(outsideCode(t)).not.toContain('*INJECTED*');
  }
}

const event = fc.constantFrom('started', 'succeeded', 'failed', 'not-started') as fc.Arbitrary<
  RolloutNotice['event']
>;

const notice = fc
  .record({
    event,
    cluster: hostile,
    nodegroup: hostile,
    wave: fc.option(hostile, { nil: null }),
    message: hostile,
    reason: fc.option(hostile, { nil: null }),
    errors: fc.array(
      fc.record({
        errorCode: hostile,
        errorMessage: hostile,
        resourceIds: fc.array(hostile, { maxLength: 3 }),
      }),
      { maxLength: 4 },
    ),
    status: fc.option(hostile, { nil: null }),
    target: hostile,
  })
  .map(
    (n): RolloutNotice => ({
      event: n.event,
      request: {
        accountId: '111122223333',
        region: 'us-east-1',
        cluster: n.cluster,
        nodegroup: n.nodegroup,
        strategy: 'release-version',
        current: { releaseVersion: '1.33.4-20261001', imageId: null },
        target: { releaseVersion: n.target, imageId: null },
        launchTemplate: null,
        wave: n.wave,
        attempt: 1,
      },
      updateId: 'upd-1',
      reason: n.reason,
      message: n.message,
      errors: n.errors,
      threadTs: null,
      startedAt: '2026-11-24T03:00:00.000Z',
      finishedAt: '2026-11-24T03:30:00.000Z',
      status: n.status,
    }),
  );

function record(cluster: string, nodegroup: string, message: string, errorMessage: string): RolloutRecord {
  return {
    key: 'k'.repeat(64),
    accountId: null,
    region: 'us-east-1',
    cluster,
    nodegroup,
    strategy: 'release-version',
    wave: null,
    from: { releaseVersion: '1.33.4-20261001', imageId: null },
    to: { releaseVersion: '1.33.5-20261110', imageId: null },
    attempt: 1,
    updateId: 'upd-1',
    launchTemplateVersion: null,
    outcome: 'failed',
    reason: null,
    message,
    errors: [{ errorCode: 'PodEvictionFailure', errorMessage, resourceIds: [] }],
    createdAt: '2026-11-24T03:00:00.000Z',
    startedAt: '2026-11-24T03:00:00.000Z',
    finishedAt: '2026-11-24T03:30:00.000Z',
    slackThreadTs: null,
  };
}

function check<A extends unknown[]>(build: (...args: A) => SlackMessage) {
  return edge.count((...args: A) => expectNoInjection(build(...args)));
}

describe('Slack message builders', () => {
  describe('when cluster, node group, error and message text are hostile', () => {
    it('escapes them in every rollout message (started, succeeded, failed, not started)', () => {
      edge.property();
      fc.assert(fc.property(notice, check(rolloutSlackMessage)), edge.params());
    });

    it('escapes them in the plan summary', () => {
      edge.property();
      fc.assert(
        fc.property(
          fc.array(fc.record({ cluster: hostile, nodegroup: hostile, message: hostile, wave: hostile }), {
            minLength: 1,
            maxLength: 6,
          }),
          check((items: Array<{ cluster: string; nodegroup: string; message: string; wave: string }>) =>
            buildPlanSummaryMessage({
              generatedAt: '2026-11-24T03:00:00.000Z',
              items: items.map((i, n) =>
                planItem({ ...i, ...(n % 2 ? { decision: 'skip', reason: 'error' } : {}) }),
              ),
            }),
          ),
        ),
        edge.params(),
      );
    });

    it('escapes them in history and status replies', () => {
      edge.property();
      fc.assert(
        fc.property(
          hostile,
          hostile,
          hostile,
          hostile,
          check((c: string, n: string, m: string, e: string) => {
            const r = record(c, n, m, e);
            const history = buildHistoryMessage([r], c);
            expectNoInjection(history);
            return buildStatusMessage({ paused: true, reason: m }, [{ ...r, outcome: 'started' }]);
          }),
        ),
        edge.params(),
      );
    });

    it('escapes them in patch messages (requested, completed, refused)', () => {
      edge.property();
      fc.assert(
        fc.property(
          hostile,
          fc.option(hostile, { nil: null }),
          hostile,
          hostile,
          check((cluster: string, nodegroup: string | null, status: string, detail: string) => {
            const target = { accountId: null, region: 'us-east-1', cluster, nodegroup };
            expectNoInjection(
              buildPatchRequestedMessage({
                ...target,
                commandId: 'cmd-1',
                operation: 'Install',
                reboot: false,
                instanceCount: 3,
                maxConcurrency: '10%',
                maxErrors: '1',
                requestedBy: detail,
              }),
            );
            expectNoInjection(
              buildPatchRefusedMessage({
                ...target,
                reason: 'unsupported-platform',
                platform: status,
                message: detail,
              }),
            );
            return buildPatchCompletedMessage({
              ...target,
              commandId: 'cmd-1',
              operation: 'Install',
              reboot: false,
              status,
              counts: { targeted: 3, succeeded: 1, failed: 2 },
              failedInstances: [{ instanceId: 'i-0123456789abcdef0', status, statusDetails: detail }],
              pendingRebootInstances: [],
            });
          }),
        ),
        edge.params(),
      );
    });
  });
});

/**
 * A rollout's notify step in a process of its own, for the exactly-once test: it claims the
 * notice, posts it to the sandbox's Slack sink (bot mode, with its metadata key), then announces
 * `POSTED` on stdout and waits before marking it sent, so the test can SIGKILL it exactly between
 * the post and the mark. Reads `{endpoint, table, owner, channel, request}` (JSON) from argv.
 */
import { createClients, createLedger, createRunLedger } from '@nodekeeper/aws';
import type { RolloutDeps, RolloutRequest } from '@nodekeeper/core/rollout';
import { createNotifier, noticeFinderFrom, notifyPortFrom, runThreadDeps } from '@nodekeeper/slack';
// The notify step itself (core's rollout entry exports the program, not its steps).
import { notifyStep, rolloutNotice } from '../../../packages/core/src/rollout/steps.ts';

const input = JSON.parse(process.argv[2] ?? '{}') as {
  endpoint: string;
  table: string;
  owner: string;
  channel: string;
  request: RolloutRequest;
};
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const clients = createClients({
  region: 'us-east-1',
  endpoint: input.endpoint,
  credentials: { accessKeyId: 'AKIDCHILD', secretAccessKey: 'child' },
});
const notifier = createNotifier({
  botToken: 'xoxb-0000-notice-child',
  channel: input.channel,
  apiBaseUrl: `${input.endpoint}/slack/api/`,
  allowInsecureLocalUrls: true,
  logger: quiet,
});
const ledger = createLedger(clients.dynamodb, { tableName: input.table });
const runs = runThreadDeps(notifier, createRunLedger(clients.dynamodb, { tableName: input.table }));
const deps = {
  ledger: {
    ...ledger,
    // The post is in Slack now; the mark would record it. The test kills this process here.
    markNotificationSent: async () => {
      process.stdout.write('POSTED\n');
      await new Promise(() => undefined);
    },
  },
  notify: notifyPortFrom(notifier),
  notices: noticeFinderFrom(notifier),
  ...(runs ? { runs } : {}),
  now: () => new Date(),
} as unknown as RolloutDeps;
const notice = rolloutNotice(input.request, 'failed', {
  updateId: 'upd-gpu-1',
  message: `${input.request.cluster}/${input.request.nodegroup}: rollout failed (update upd-gpu-1): PodEvictionFailure`,
  errors: [{ errorCode: 'PodEvictionFailure', errorMessage: 'Reached max retries', resourceIds: [] }],
  status: 'Failed',
  finishedAt: new Date().toISOString(),
});
await notifyStep(notice, input.owner, deps);
// Not reached: markNotificationSent never returns.
process.stdout.write('FINISHED\n');

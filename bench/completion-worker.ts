/**
 * Benchmark 2's worker, a process of its own because the durable runner's time skipping fakes
 * timers and Date process-wide. Runs the real rollout workflow (functions/lib/workflow.ts) with the
 * durable SDK's local runner (skipTime), against a sandbox in a separate process. Simulated time:
 * the runner skips the waits but does not move Date by their length reliably, so the sandbox clock
 * is pinned before every poll to start + the durable waits scheduled so far (PollSchedule: poll k
 * follows k−1 waits). Prints one JSON line.
 *
 * argv[2]: JSON `{ durations: number[] }`, one node group (and one rollout) per update duration.
 */
import { createClients, createLedgerTable } from '@nodekeeper/aws';
import {
  PollSchedule,
  type RolloutDeps,
  type RolloutRequest,
  rolloutKey,
  waitedSeconds,
} from '@nodekeeper/core/rollout';
import { buildRolloutDeps } from '../functions/lib/deps.ts';
import { readSettings } from '../functions/lib/settings.ts';
import { createRolloutWorkflow } from '../functions/lib/workflow.ts';
import { generateFleet } from '../test/fixtures/large-fleet.ts';
import { LocalDurableTestRunner, withDurableExecutionForTesting } from '../test/support/durable-testing.ts';
import { startSandboxProcess } from './sandbox-process.ts';

const { durations } = JSON.parse(process.argv[2] ?? '{}') as { durations: number[] };
const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const region = 'us-east-1';

// One cluster, AL2023 x86_64 groups (slot 0 of each cluster); each cluster's update takes its own time.
const fleet = generateFleet({ clusters: durations.length, nodegroupsPerCluster: 1 });
fleet.clusters.forEach((c, i) => {
  for (const n of c.nodegroups) n.update = { durationSeconds: durations[i], outcome: 'Successful' };
});
const sb = await startSandboxProcess(fleet);
await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });

try {
  const table = 'bench-ledger';
  const home = createClients({ region, endpoint: sb.endpoint, credentials });
  await createLedgerTable(home.dynamodb, table);
  const settings = {
    ...readSettings({ NODEKEEPER_LEDGER_TABLE: table }),
    slack: { webhookUrl: null, botToken: null, channel: null, signingSecret: null },
  };
  const real = buildRolloutDeps(settings, { homeRegion: region, endpoint: sb.endpoint, credentials });
  const t0 = Date.parse('2026-11-24T03:00:00.000Z');
  let polls = 0;
  let lastPollAt = 0;
  let lastPollProcessMs = 0;
  const aws = new Proxy(real.aws, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (prop === 'describeUpdate') {
          polls += 1;
          lastPollAt = t0 + waitedSeconds(polls, PollSchedule) * 1000;
          lastPollProcessMs = Date.now();
          await sb.setClock(new Date(lastPollAt).toISOString());
        } else {
          await sb.setClock(new Date(t0).toISOString());
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const deps: RolloutDeps = { ...real, aws, now: () => new Date() };
  const handlerFunction = withDurableExecutionForTesting(createRolloutWorkflow(() => deps));

  const rollouts = [];
  for (const [i, duration] of durations.entries()) {
    const c = fleet.clusters[i];
    const n = c?.nodegroups[0];
    if (!c || !n) throw new Error('fleet has no node group');
    const request: RolloutRequest = {
      accountId: fleet.accountId,
      region,
      cluster: c.name,
      nodegroup: String(n.name),
      strategy: 'release-version',
      current: { releaseVersion: String(n.releaseVersion), imageId: null },
      target: { releaseVersion: '1.33.5-20261110', imageId: null },
      launchTemplate: null,
      wave: null,
      attempt: 1,
    };
    polls = 0;
    await sb.resetCalls();
    const runner = new LocalDurableTestRunner({ handlerFunction });
    const execution = await runner.run({ payload: { request } });
    const record = await deps.ledger.get(rolloutKey(request));
    const operations = execution.getOperations().map((op) => {
      const data = op.getOperationData();
      return { type: String(data?.Type ?? 'UNKNOWN'), name: data?.Name ?? null };
    });
    const dynamodb: Record<string, number> = {};
    for (const call of await sb.calls()) {
      if (call.service === 'dynamodb') dynamodb[call.operation] = (dynamodb[call.operation] ?? 0) + 1;
    }
    const byType: Record<string, number> = {};
    for (const op of operations) byType[op.type] = (byType[op.type] ?? 0) + 1;
    rollouts.push({
      updateSeconds: duration,
      status: execution.getStatus(),
      outcome: record?.outcome ?? null,
      terminalAt: new Date(t0 + duration * 1000).toISOString(),
      observedAt: new Date(lastPollAt).toISOString(),
      // Time from the poll that saw the terminal state to the ledger write (same invocation).
      recordDelayMs: record?.finishedAt
        ? Math.max(0, Date.parse(record.finishedAt) - lastPollProcessMs)
        : null,
      polls,
      lastIntervalSeconds:
        polls > 1 ? waitedSeconds(polls, PollSchedule) - waitedSeconds(polls - 1, PollSchedule) : 0,
      invocations: execution.getInvocations().map((inv) => ({
        start: inv.startTimestamp?.toISOString() ?? null,
        end: inv.endTimestamp?.toISOString() ?? null,
      })),
      operations: operations.length,
      operationsByType: byType,
      dynamodbCalls: dynamodb,
    });
  }
  process.stdout.write(`${JSON.stringify({ rollouts })}\n`);
  home.destroy();
} finally {
  await LocalDurableTestRunner.teardownTestEnvironment();
  await sb.close();
}

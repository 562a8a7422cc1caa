/**
 * Process death and redelivery: a durable replay after a crash at every step boundary, the
 * process killed right after the start step and run again, and the same scheduled event delivered
 * twice at once. The invariants of the fault matrix are checked after each.
 */
import {
  DEFAULT_STAGE,
  type LedgerPort,
  type RolloutDeps,
  type RolloutPort,
  type RolloutRequest,
  runRollout,
} from '@nodekeeper/core/rollout';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRolloutWorkflow } from '../../functions/lib/workflow.ts';
import { captureOutput } from '../helpers/canary.ts';
import { LocalDurableTestRunner, withDurableExecutionForTesting } from '../support/durable-testing.ts';
import { setupLocalDurableEnvironment, teardownLocalDurableEnvironment } from '../support/local-starter.ts';
import { faultSummary } from './support/summary.ts';
import {
  checkInvariants,
  createWorld,
  rolloutFleet,
  type ScanRun,
  scheduledRun,
  type World,
} from './support/world.ts';

const poll = { initialSeconds: 1, maxSeconds: 1, backoffRate: 1, maxTotalSeconds: 60 };
const replay = faultSummary('durable-replay');
const killed = faultSummary('killed-and-restarted');
const duplicate = faultSummary('duplicate-scheduled-event');

beforeAll(() => setupLocalDurableEnvironment({ skipTime: true }));
afterAll(async () => {
  await teardownLocalDurableEnvironment();
  replay.write();
  killed.write();
  duplicate.write();
});

/** Where a crash happens: right after this port method's side effect, before the step checkpoints. */
const CrashPoints = [
  'ledger.get',
  'aws.describeNodegroup',
  'aws.findLaunchTemplateVersion',
  'aws.createLaunchTemplateVersion',
  'aws.updateNodegroupVersion',
  'ledger.create',
  'ledger.claimNotification',
  'notify',
  'ledger.markNotificationSent',
  'aws.describeUpdate',
  'ledger.recordOutcome',
] as const;
type CrashPoint = (typeof CrashPoints)[number];

class SimulatedCrash extends Error {
  constructor(point: string) {
    super(`simulated crash after ${point}`);
    this.name = 'SimulatedCrash';
  }
}

/** Deps that crash once, after the first call of `point` has had its effect. */
function crashingDeps(deps: RolloutDeps, point: CrashPoint): { deps: RolloutDeps; crashed: () => number } {
  let crashes = 0;
  const once =
    <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await fn(...args);
      if (name === point && crashes === 0) {
        crashes += 1;
        throw new SimulatedCrash(point);
      }
      return result;
    };
  const aws = deps.aws;
  const ledger = deps.ledger;
  const wrappedAws: RolloutPort = {
    describeNodegroup: once('aws.describeNodegroup', aws.describeNodegroup.bind(aws)),
    findLaunchTemplateVersion: once('aws.findLaunchTemplateVersion', aws.findLaunchTemplateVersion.bind(aws)),
    createLaunchTemplateVersion: once(
      'aws.createLaunchTemplateVersion',
      aws.createLaunchTemplateVersion.bind(aws),
    ),
    updateNodegroupVersion: once('aws.updateNodegroupVersion', aws.updateNodegroupVersion.bind(aws)),
    describeUpdate: once('aws.describeUpdate', aws.describeUpdate.bind(aws)),
    listUpdates: aws.listUpdates.bind(aws),
  };
  const wrappedLedger: LedgerPort = {
    ...ledger,
    get: once('ledger.get', ledger.get.bind(ledger)),
    create: once('ledger.create', ledger.create.bind(ledger)),
    recordOutcome: once('ledger.recordOutcome', ledger.recordOutcome.bind(ledger)),
    claimNotification: once('ledger.claimNotification', ledger.claimNotification.bind(ledger)),
    markNotificationSent: once('ledger.markNotificationSent', ledger.markNotificationSent.bind(ledger)),
  };
  return {
    deps: { ...deps, aws: wrappedAws, ledger: wrappedLedger, notify: once('notify', deps.notify) },
    crashed: () => crashes,
  };
}

function allEmpty(checks: Record<string, string[]>) {
  return Object.fromEntries(Object.keys(checks).map((k) => [k, []]));
}

describe('durable replay after a crash at each step boundary', () => {
  for (const point of CrashPoints) {
    describe(`when the process dies right after ${point}`, () => {
      it('replays to the same end with nothing done twice', async () => {
        const out = captureOutput();
        let world: World | undefined;
        try {
          world = await createWorld({ fleet: rolloutFleet(0) });
          const w = world;
          // Each node group once, sequentially, through the durable runner with a crash injected.
          const requests = new Map<string, RolloutRequest>();
          const executions: ScanRun['executions'] = [];
          let crashes = 0;
          const base = await planOnly(w);
          for (const [name, request] of base) {
            requests.set(name, request);
            const crashing = crashingDeps(w.deps(), point);
            const runner = new LocalDurableTestRunner({
              handlerFunction: withDurableExecutionForTesting(createRolloutWorkflow(() => crashing.deps)),
            });
            const execution = await runner.run({ payload: { request, poll } });
            crashes += crashing.crashed();
            executions.push({
              executionName: name,
              outcome:
                execution.getStatus() === 'SUCCEEDED'
                  ? ((execution.getResult() as { outcome?: string } | undefined)?.outcome ?? null)
                  : null,
              error: execution.getStatus() === 'SUCCEEDED' ? null : JSON.stringify(execution.getError()),
            });
          }
          const report = await checkInvariants(w, { requests, executions }, out.lines());
          replay.add({ fault: point, faultsInjected: crashes, checks: report.checks });
          out.restore();
          expect(crashes, 'the crash point was reached').toBeGreaterThan(0);
          expect(report.checks).toEqual(allEmpty(report.checks));
          expect(
            Object.fromEntries([...requests.values()].map((r, i) => [r.nodegroup, executions[i]?.outcome])),
          ).toEqual({
            general: 'succeeded',
            custom: 'succeeded',
            gpu: 'failed',
          });
        } finally {
          out.restore();
          await world?.close();
        }
      });
    });
  }
});

/** The scan's requests without starting anything. */
async function planOnly(world: World): Promise<Map<string, RolloutRequest>> {
  const { createClients, inspectFleet } = await import('@nodekeeper/aws');
  const { plan, policyFromConfig } = await import('@nodekeeper/core/plan');
  const { rolloutRequestFromPlanItem, executionName } = await import('@nodekeeper/core/rollout');
  const { config, credentials, region } = await import('./support/world.ts');
  const clients = createClients({ region, endpoint: world.sb.endpoint, credentials });
  try {
    const inspected = await inspectFleet({
      clients,
      accountId: null,
      region,
      clusterPatterns: config.clusters,
    });
    const planned = plan(
      inspected.fleet,
      inspected.catalog,
      policyFromConfig(config),
      new Date('2026-11-24T03:00:00Z'),
    );
    const out = new Map<string, RolloutRequest>();
    for (const item of planned.items) {
      const ng = inspected.fleet.nodegroups.find((n) => n.nodegroup === item.nodegroup);
      const request = rolloutRequestFromPlanItem(
        item,
        ng?.launchTemplate ? { id: ng.launchTemplate.id, version: ng.launchTemplate.version } : null,
      );
      if (request) out.set(executionName(request, DEFAULT_STAGE), request);
    }
    return out;
  } finally {
    clients.destroy();
  }
}

describe('the process killed right after the start step, then run again', () => {
  for (const updateSeconds of [0, 30]) {
    const when = updateSeconds === 0 ? 'the update has already finished' : 'the update is still running';
    describe(`when ${when} at the restart`, () => {
      it('starts no second update or launch template version', async () => {
        const out = captureOutput();
        let world: World | undefined;
        try {
          world = await createWorld({ fleet: rolloutFleet(updateSeconds) });
          const w = world;
          const requests = await planOnly(w);
          // Run 1: dies right after the start step (its ledger write never returns).
          const first = w.deps();
          const dying: RolloutDeps = {
            ...first,
            ledger: { ...first.ledger, create: () => new Promise(() => undefined) },
          };
          for (const request of requests.values()) {
            void runRollout(request, dying, {
              owner: 'cli:first',
              wait: false,
              sleep: async () => undefined,
            });
          }
          await waitForUpdates(w, requests.size);
          // Run 2: a new process, the same requests (same rollout keys and idempotency tokens).
          const again = w.deps();
          const executions: ScanRun['executions'] = [];
          for (const [name, request] of requests) {
            const summary = await runRollout(request, again, {
              owner: 'cli:second',
              wait: true,
              schedule: poll,
              sleep: (s) => new Promise((resolve) => setTimeout(resolve, s * 1000)),
            });
            executions.push({ executionName: name, outcome: summary.outcome, error: null });
          }
          const report = await checkInvariants(w, { requests, executions }, out.lines());
          killed.add({
            fault: `killed after start (${updateSeconds === 0 ? 'update finished' : 'update running'})`,
            faultsInjected: 1,
            checks: report.checks,
          });
          out.restore();
          // The restarted run finds the update its predecessor started (by its parameters) and
          // follows it: the ledger names it and records its outcome.
          expect(report.checks).toEqual(allEmpty(report.checks));
          // gpu's update fails with PodEvictionFailure in the demo fleet; the others succeed.
          const outcomes = Object.fromEntries(
            executions.map((e) => [requests.get(e.executionName)?.nodegroup, e.outcome]),
          );
          expect(outcomes).toEqual({ general: 'succeeded', custom: 'succeeded', gpu: 'failed' });
        } finally {
          out.restore();
          await world?.close();
        }
      });
    });
  }
});

async function waitForUpdates(world: World, n: number): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    const calls = await world.sb.calls();
    const started = calls.filter((c) => c.operation === 'UpdateNodegroupVersion' && c.status === 200).length;
    if (started >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the first run never started its updates');
}

describe('the same scheduled event delivered twice at once', () => {
  it('rolls each node group once and reports each outcome once', async () => {
    const out = captureOutput();
    let world: World | undefined;
    try {
      world = await createWorld();
      const run = await scheduledRun(world, { eventId: 'evt-twice', concurrent: 2 });
      const report = await checkInvariants(world, run, out.lines());
      duplicate.add({ fault: 'concurrent duplicate delivery', faultsInjected: 1, checks: report.checks });
      const posts = await world.sb.slackPosts();
      out.restore();
      expect(report.checks).toEqual(allEmpty(report.checks));
      const summaries = posts.filter((p) => String((p.body as { text?: unknown }).text).includes('plan'));
      expect(summaries.length).toBeLessThanOrEqual(1);
    } finally {
      out.restore();
      await world?.close();
    }
  });
});

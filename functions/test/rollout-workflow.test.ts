import { createLedger, createLedgerTable } from '@nodekeeper/aws';
import {
  isRetryable,
  type LedgerPort,
  type PausePort,
  type RolloutDeps,
  type RolloutRecord,
  type RolloutRequest,
  rolloutKey,
} from '@nodekeeper/core/rollout';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LocalDurableTestRunner,
  withDurableExecutionForTesting as withDurableExecution,
} from '../../test/support/durable-testing.ts';
import { createRolloutWorkflow, pollScheduleFromConfig } from '../lib/workflow.ts';
import { fakeAws, recordingNotify, releaseRequest, templateRequest } from './fakes.ts';
import { startDynaliteProcess } from './support.ts';

let dynamo: Awaited<ReturnType<typeof startDynaliteProcess>>;
let tables = 0;
const NOW = new Date('2026-11-24T03:00:00.000Z');
const notPaused: PausePort = { read: async () => ({ paused: false, reason: null }) };

beforeAll(async () => {
  dynamo = await startDynaliteProcess();
  await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
});

afterAll(async () => {
  await LocalDurableTestRunner.teardownTestEnvironment();
  dynamo.stop();
});

async function freshLedger(): Promise<LedgerPort> {
  tables += 1;
  const name = `wf-ledger-${tables}`;
  await createLedgerTable(dynamo.client, name);
  return createLedger(dynamo.client, { tableName: name });
}

async function run(request: RolloutRequest, deps: RolloutDeps) {
  const runner = new LocalDurableTestRunner({
    handlerFunction: withDurableExecution(createRolloutWorkflow(() => deps)),
  });
  const execution = await runner.run({ payload: { request } });
  return { execution, runner };
}

async function setup(
  aws: ReturnType<typeof fakeAws>,
  notifyOptions: Parameters<typeof recordingNotify>[0] = {},
) {
  const slack = recordingNotify(notifyOptions);
  const ledger = await freshLedger();
  const deps: RolloutDeps = {
    aws: aws.port,
    ledger,
    pause: notPaused,
    recalls: { list: async () => [] },
    notify: slack.notify,
    now: () => NOW,
  };
  return { slack, ledger, deps };
}

describe('rollout workflow', () => {
  describe('when the update succeeds after a few polls', () => {
    it('records succeeded and notifies started and succeeded once each', async () => {
      const aws = fakeAws({ statuses: ['InProgress', 'InProgress', 'Successful'] });
      const { slack, ledger, deps } = await setup(aws);
      const { execution } = await run(releaseRequest(), deps);
      expect(execution.getStatus()).toBe('SUCCEEDED');
      expect(execution.getResult()).toMatchObject({ outcome: 'succeeded', updateId: 'upd-1', errors: [] });
      expect(aws.count('UpdateNodegroupVersion')).toBe(1);
      expect(aws.count('DescribeUpdate')).toBe(3);
      // Each wait ends the invocation; later invocations replay the earlier steps without running them.
      expect(execution.getInvocations().length).toBeGreaterThan(1);
      // Once in the guard, once in the start step (the group's own Kubernetes version); never replayed.
      expect(aws.count('DescribeNodegroup')).toBe(2);
      expect(aws.sent[0]).toMatchObject({ kind: 'release-version', version: '1.33' });
      expect(slack.events()).toEqual(['started', 'succeeded']);
      expect(slack.notices[1]?.threadTs).toBe(slack.notices[0] && '1732262400.000101');
      expect(await ledger.get(rolloutKey(releaseRequest()))).toMatchObject({
        outcome: 'succeeded',
        updateId: 'upd-1',
      });
    });
  });

  describe('when the update fails with PodEvictionFailure', () => {
    it('records failed and the failure notice names the code and resources', async () => {
      const errors = [
        {
          errorCode: 'PodEvictionFailure',
          errorMessage: 'Reached max retries',
          resourceIds: ['ip-192-168-2-44'],
        },
      ];
      const aws = fakeAws({ statuses: ['InProgress', 'Failed'], errors });
      const { slack, ledger, deps } = await setup(aws);
      const { execution } = await run(releaseRequest(), deps);
      expect(execution.getResult()).toMatchObject({ outcome: 'failed', errors });
      expect(await ledger.get(rolloutKey(releaseRequest()))).toMatchObject({ outcome: 'failed', errors });
      const failed = slack.notices.find((n) => n.event === 'failed');
      expect(failed?.message).toContain('PodEvictionFailure');
      expect(failed?.message).toContain('ip-192-168-2-44');
      expect(failed?.errors).toEqual(errors);
    });
  });

  describe('when the wave opts in to force and the update fails with PodEvictionFailure', () => {
    const errors = [
      {
        errorCode: 'PodEvictionFailure',
        errorMessage: 'Reached max retries',
        resourceIds: ['ip-192-168-2-44'],
      },
    ];

    it('retries once with force as the next attempt, reusing the launch template version', async () => {
      const aws = fakeAws({
        statuses: ['InProgress', 'Failed'],
        errors,
        forcedStatuses: ['InProgress', 'Successful'],
        // After the failed update the node group still runs the old AMI from the old version.
        nodegroup: {
          kind: 'found',
          nodegroup: {
            status: 'ACTIVE',
            version: '1.33',
            releaseVersion: 'ami-0123456789abcdef0',
            launchTemplate: { id: 'lt-01', name: 'custom', version: '4' },
          },
        },
      });
      const { slack, ledger, deps } = await setup(aws);
      const request = templateRequest({ forceOnPodEvictionFailure: true });
      const { execution } = await run(request, deps);
      expect(execution.getResult()).toMatchObject({ outcome: 'succeeded' });
      expect(aws.sent.map((s) => s.force)).toEqual([false, true]);
      expect(aws.createdVersions()).toBe(1);
      expect(await ledger.get(rolloutKey(request))).toMatchObject({ outcome: 'failed', errors });
      const retry = { ...request, attempt: 2, force: true };
      expect(await ledger.get(rolloutKey(retry))).toMatchObject({ outcome: 'succeeded', attempt: 2 });
      expect(slack.events()).toEqual(['started', 'failed', 'started', 'succeeded']);
      expect(slack.notices[2]?.message).toContain('retried with force after PodEvictionFailure');
    });

    it('does not force twice when the forced retry fails too', async () => {
      const aws = fakeAws({ statuses: ['InProgress', 'Failed'], errors });
      const { deps } = await setup(aws);
      const { execution } = await run(releaseRequest({ forceOnPodEvictionFailure: true }), deps);
      expect(execution.getResult()).toMatchObject({ outcome: 'failed' });
      expect(aws.sent.map((s) => s.force)).toEqual([false, true]);
    });

    it('never forces without the opt-in', async () => {
      const aws = fakeAws({ statuses: ['InProgress', 'Failed'], errors });
      const { deps } = await setup(aws);
      await run(releaseRequest(), deps);
      expect(aws.sent.map((s) => s.force)).toEqual([false]);
    });
  });

  describe('when the guard finds the node group UPDATING', () => {
    it('starts nothing and records not-started with the reason', async () => {
      const aws = fakeAws({
        nodegroup: {
          kind: 'found',
          nodegroup: {
            status: 'UPDATING',
            version: '1.33',
            releaseVersion: '1.33.4-20261001',
            launchTemplate: null,
          },
        },
      });
      const { slack, ledger, deps } = await setup(aws);
      const { execution } = await run(releaseRequest(), deps);
      expect(execution.getResult()).toMatchObject({ outcome: 'not-started', reason: 'update-in-progress' });
      expect(aws.count('UpdateNodegroupVersion')).toBe(0);
      expect(slack.events()).toEqual(['not-started']);
      expect(await ledger.get(rolloutKey(releaseRequest()))).toMatchObject({
        outcome: 'not-started',
        reason: 'update-in-progress',
      });
    });
  });

  describe('when rollouts are paused', () => {
    it('records not-started with paused', async () => {
      const aws = fakeAws({});
      const { deps } = await setup(aws);
      const paused: RolloutDeps = {
        ...deps,
        pause: { read: async () => ({ paused: true, reason: 'incident' }) },
      };
      const { execution } = await run(releaseRequest(), paused);
      expect(execution.getResult()).toMatchObject({ outcome: 'not-started', reason: 'paused' });
      expect(aws.count('UpdateNodegroupVersion')).toBe(0);
    });
  });

  describe('when EKS already runs an update to the same target', () => {
    it('adopts that update and follows it to the end', async () => {
      const aws = fakeAws({
        runningUpdateId: 'upd-same',
        runningRelease: '1.33.5-20261110',
        statuses: ['InProgress', 'Successful'],
      });
      const { ledger, deps } = await setup(aws);
      const { execution } = await run(releaseRequest(), deps);
      expect(execution.getResult()).toMatchObject({ outcome: 'succeeded', updateId: 'upd-same' });
      expect(aws.startedUpdates()).toBe(0);
      expect(await ledger.get(rolloutKey(releaseRequest()))).toMatchObject({
        updateId: 'upd-same',
        outcome: 'succeeded',
      });
    });
  });

  describe("when EKS runs someone else's update to another target", () => {
    it('never records it as ours: not-started (update-in-progress), tried again later', async () => {
      const aws = fakeAws({
        runningUpdateId: 'upd-theirs',
        runningRelease: '1.33.5-OTHER',
        statuses: ['InProgress', 'Successful'],
      });
      const { slack, ledger, deps } = await setup(aws);
      const { execution } = await run(releaseRequest(), deps);
      expect(execution.getResult()).toMatchObject({ outcome: 'not-started', reason: 'update-in-progress' });
      const record = await ledger.get(rolloutKey(releaseRequest()));
      expect(record).toMatchObject({ outcome: 'not-started', reason: 'update-in-progress', updateId: null });
      expect(record?.message).toContain('upd-theirs');
      expect(isRetryable(record as RolloutRecord)).toBe(true);
      expect(slack.events()).toEqual(['not-started']);
    });
  });

  describe('when the wait limit (rollout.maxWaitHours) runs out while EKS still updates', () => {
    it('records and reports still-running, not failed, and does not force a retry', async () => {
      const aws = fakeAws({ statuses: ['InProgress'] });
      const { slack, ledger, deps } = await setup(aws);
      const runner = new LocalDurableTestRunner({
        handlerFunction: withDurableExecution(
          createRolloutWorkflow(
            () => deps,
            () =>
              pollScheduleFromConfig(
                JSON.stringify({ regions: ['us-east-1'], rollout: { maxWaitHours: 0.5 } }),
              ),
          ),
        ),
      });
      const execution = await runner.run({
        payload: { request: releaseRequest({ forceOnPodEvictionFailure: true }) },
      });
      expect(execution.getResult()).toMatchObject({
        outcome: 'still-running',
        updateId: 'upd-1',
        errors: [],
      });
      const record = await ledger.get(rolloutKey(releaseRequest()));
      expect(record).toMatchObject({ outcome: 'still-running', updateId: 'upd-1' });
      expect(record?.message).toMatch(/still running in EKS after 30 min/);
      expect(slack.events()).toEqual(['started', 'still-running']);
      expect(aws.startedUpdates()).toBe(1);
      // 60 s, 120 s, 240 s, then 300 s polls within 30 minutes: the limit was used, not the default 24 h.
      expect(aws.count('DescribeUpdate')).toBeLessThan(12);
    });
  });

  describe('when the process crashes inside the start step after AWS acted', () => {
    it('replays without a second launch template version or update', async () => {
      const request = templateRequest();
      const aws = fakeAws({
        nodegroup: {
          kind: 'found',
          nodegroup: {
            status: 'ACTIVE',
            version: '1.33',
            releaseVersion: 'ami-0123456789abcdef0',
            launchTemplate: { id: 'lt-01', name: 'custom', version: '4' },
          },
        },
      });
      let crashed = false;
      const crashing = {
        ...aws.port,
        async updateNodegroupVersion(...args: Parameters<typeof aws.port.updateNodegroupVersion>) {
          const result = await aws.port.updateNodegroupVersion(...args);
          if (!crashed) {
            crashed = true;
            throw new Error('simulated crash after UpdateNodegroupVersion');
          }
          return result;
        },
      };
      const { slack, ledger, deps } = await setup(aws);
      const { execution } = await run(request, { ...deps, aws: crashing });
      expect(crashed).toBe(true);
      expect(execution.getResult()).toMatchObject({ outcome: 'succeeded', launchTemplateVersion: '5' });
      expect(aws.count('UpdateNodegroupVersion')).toBe(2);
      expect(aws.createdVersions()).toBe(1);
      expect(aws.startedUpdates()).toBe(1);
      expect(slack.events()).toEqual(['started', 'succeeded']);
      expect(await ledger.get(rolloutKey(request))).toMatchObject({
        outcome: 'succeeded',
        launchTemplateVersion: '5',
      });
    });
  });

  describe('when the process crashes between start and record-started', () => {
    it('does not run the start step again', async () => {
      const aws = fakeAws({});
      const { ledger, deps } = await setup(aws);
      let crashes = 0;
      const flaky: LedgerPort = {
        ...ledger,
        async create(record) {
          if (crashes === 0) {
            crashes += 1;
            throw new Error('simulated crash before the ledger write');
          }
          return ledger.create(record);
        },
      };
      const { execution } = await run(releaseRequest(), { ...deps, ledger: flaky });
      expect(crashes).toBe(1);
      expect(execution.getResult()).toMatchObject({ outcome: 'succeeded' });
      expect(aws.count('UpdateNodegroupVersion')).toBe(1);
    });
  });

  describe('when Slack fails', () => {
    for (const fail of ['error', 'throw'] as const) {
      it(`still succeeds and records the rollout (${fail})`, async () => {
        const aws = fakeAws({});
        const { ledger, deps } = await setup(aws, { fail });
        const { execution } = await run(releaseRequest(), deps);
        expect(execution.getStatus()).toBe('SUCCEEDED');
        expect(await ledger.get(rolloutKey(releaseRequest()))).toMatchObject({ outcome: 'succeeded' });
      });
    }
  });

  describe('when the same rollout runs again after it finished', () => {
    it('changes nothing and notifies nothing', async () => {
      const aws = fakeAws({});
      const { slack, deps } = await setup(aws);
      await run(releaseRequest(), deps);
      const before = aws.calls.length;
      const { execution } = await run(releaseRequest(), deps);
      expect(execution.getResult()).toMatchObject({ outcome: 'succeeded' });
      expect(aws.calls.length).toBe(before);
      expect(slack.events()).toEqual(['started', 'succeeded']);
    });
  });

  describe('when the request is a rollback (nodekeeper rollback)', () => {
    it('runs it as any rollout, under its own key, and records and notifies it as a rollback', async () => {
      const aws = fakeAws({
        statuses: ['Successful'],
        nodegroup: {
          kind: 'found',
          nodegroup: {
            status: 'ACTIVE',
            version: '1.33',
            releaseVersion: 'ami-0123456789abcdef0',
            launchTemplate: { id: 'lt-01', name: 'custom', version: '4' },
          },
        },
      });
      const { slack, ledger, deps } = await setup(aws);
      const rollback = templateRequest({
        kind: 'rollback',
        // Back from the image the fake node group runs to the one it ran before.
        target: { releaseVersion: null, imageId: 'ami-0fedcba9876543210' },
      });
      const { execution } = await run(rollback, deps);
      expect(execution.getStatus()).toBe('SUCCEEDED');
      expect(execution.getResult()).toMatchObject({ outcome: 'succeeded' });
      expect(aws.count('UpdateNodegroupVersion')).toBe(1);
      expect(await ledger.get(rolloutKey(rollback))).toMatchObject({
        kind: 'rollback',
        outcome: 'succeeded',
      });
      expect(await ledger.get(rolloutKey({ ...rollback, kind: undefined }))).toBeNull();
      expect(slack.notices.map((n) => [n.event, n.request.kind])).toEqual([
        ['started', 'rollback'],
        ['succeeded', 'rollback'],
      ]);
    });

    it('fails an unknown kind without touching AWS', async () => {
      const aws = fakeAws({});
      const { deps } = await setup(aws);
      const { execution } = await run(
        { ...templateRequest(), kind: 'downgrade' } as unknown as RolloutRequest,
        deps,
      );
      expect(execution.getStatus()).toBe('FAILED');
      expect(aws.calls).toEqual([]);
    });
  });

  describe('when the input is invalid', () => {
    it('fails the execution without touching AWS', async () => {
      const aws = fakeAws({});
      const { deps } = await setup(aws);
      const { execution } = await run({ ...releaseRequest(), region: 'nowhere' }, deps);
      expect(execution.getStatus()).toBe('FAILED');
      expect(aws.calls).toEqual([]);
    });
  });
});

import { describe, expect, it } from 'vitest';
import { rolloutKey } from '../../src/rollout/key.ts';
import { createLocalRunner } from '../../src/rollout/local-runner.ts';
import { type RolloutRunner, runRolloutProgram } from '../../src/rollout/program.ts';
import { runRollout } from '../../src/rollout/run.ts';
import type {
  LedgerPort,
  RolloutDeps,
  RolloutNotice,
  RolloutRecord,
  UpdateFacts,
} from '../../src/rollout/types.ts';
import { NOW, nodegroupState, releaseRequest, scriptedPort } from './builders.ts';

function memoryLedger() {
  const records = new Map<string, RolloutRecord>();
  const ledger: LedgerPort = {
    get: async (key) => records.get(key) ?? null,
    create: async (record) => {
      const found = records.get(record.key);
      if (found) return { kind: 'exists', record: found };
      records.set(record.key, record);
      return { kind: 'recorded' };
    },
    recordOutcome: async (key, outcome) => {
      const found = records.get(key);
      if (found === undefined) throw new Error(`no record ${key}`);
      if (found.outcome !== 'started') return { kind: 'exists', record: found };
      records.set(key, { ...found, ...outcome });
      return { kind: 'recorded' };
    },
    claimNotification: async () => ({ kind: 'claimed' }),
    markNotificationSent: async () => undefined,
    listHistory: async () => [...records.values()],
  };
  return { ledger, records };
}

function world(port: RolloutDeps['aws'], ledger: LedgerPort = memoryLedger().ledger) {
  const notices: RolloutNotice[] = [];
  const deps: RolloutDeps = {
    aws: port,
    ledger,
    pause: { read: async () => ({ paused: false, reason: null }) },
    recalls: { list: async () => [] },
    notify: async (n) => {
      notices.push(n);
      return { ok: true, ts: '1.0' };
    },
    now: () => NOW,
  };
  return { deps, notices };
}

function update(status: UpdateFacts['status'], errors: UpdateFacts['errors'] = []): UpdateFacts {
  return {
    id: 'upd-1',
    status,
    type: 'VersionUpdate',
    params: [{ type: 'ReleaseVersion', value: '1.33.5-20261110' }],
    createdAt: NOW.toISOString(),
    errors,
  };
}

const schedule = { initialSeconds: 1, maxSeconds: 1, backoffRate: 1, maxTotalSeconds: 30 };

/** The local runner, recording each step's name and every sleep. */
function recordingRunner() {
  const names: string[] = [];
  const slept: number[] = [];
  const local = createLocalRunner(async (s) => void slept.push(s));
  const runner: RolloutRunner = {
    step: (name, fn, options) => {
      names.push(name);
      return local.step(name, fn, options);
    },
    waitForCondition: (name, check, options) => {
      names.push(name);
      return local.waitForCondition(name, check, options);
    },
  };
  return { runner, names, slept };
}

describe('runRolloutProgram', () => {
  describe('when the update succeeds', () => {
    it('runs the steps under the names durable executions in flight replay', async () => {
      const { port } = scriptedPort({ updates: [update('Successful')] });
      const { runner, names } = recordingRunner();
      const summary = await runRolloutProgram(runner, releaseRequest(), world(port).deps, {
        schedule,
        newOwner: () => 'test',
      });
      expect(summary.outcome).toBe('succeeded');
      expect(names).toEqual([
        'guard',
        'start',
        'record-started',
        'notify-started',
        'await-update',
        'record-outcome',
        'notify-succeeded',
      ]);
    });
  });

  describe('when the guard fails after its retries', () => {
    it('records and reports GuardFailed after retrying on the workflow’s schedule', async () => {
      const { port } = scriptedPort({});
      port.describeNodegroup = async () => {
        throw new Error('EKS unreachable');
      };
      const { deps, notices } = world(port);
      const { runner, names, slept } = recordingRunner();
      const summary = await runRolloutProgram(runner, releaseRequest(), deps, {
        schedule,
        newOwner: () => 'test',
      });
      expect(slept).toEqual([5, 10, 20]);
      expect(names).toEqual(['guard', 'guard-failed-owner', 'record-rejected', 'notify-failed']);
      expect(summary).toMatchObject({ outcome: 'failed', errors: [{ errorCode: 'GuardFailed' }] });
      expect(notices.map((n) => [n.event, n.status])).toEqual([['failed', 'GuardFailed']]);
    });
  });
});

describe('runRolloutProgram version upgrades', () => {
  describe('when EKS refuses the next minor (a group two minors behind its cluster)', () => {
    it('records the rollout failed with EKS’s error code and message, and reports StartFailed', async () => {
      // AWS documents no answer for an intermediate minor; whatever EKS says passes through verbatim.
      const refusal = 'Requested Kubernetes version 1.32 is not supported for this node group';
      const { port, calls } = scriptedPort({
        nodegroup: nodegroupState({ version: '1.31', releaseVersion: '1.31.9-20261001' }),
        update: { kind: 'rejected', errorCode: 'InvalidParameterException', message: refusal },
      });
      const { ledger, records } = memoryLedger();
      const { deps, notices } = world(port, ledger);
      const request = releaseRequest({
        current: { releaseVersion: '1.31.9-20261001', imageId: null },
        target: { releaseVersion: '1.32.9-20261110', imageId: 'ami-0new' },
        targetVersion: '1.32',
      });
      const summary = await runRolloutProgram(
        createLocalRunner(async () => undefined),
        request,
        deps,
        {
          schedule,
          newOwner: () => 'test',
        },
      );
      expect(calls.find((c) => c.op === 'updateNodegroupVersion')?.input).toMatchObject({
        version: '1.32',
        releaseVersion: '1.32.9-20261110',
      });
      expect(summary).toMatchObject({ outcome: 'failed' });
      const record = records.get(rolloutKey(request));
      expect(record).toMatchObject({
        outcome: 'failed',
        updateId: null,
        errors: [{ errorCode: 'InvalidParameterException', errorMessage: refusal }],
      });
      expect(record?.message).toContain(`InvalidParameterException: ${refusal}`);
      expect(notices.map((n) => [n.event, n.status])).toEqual([['failed', 'StartFailed']]);
    });
  });
});

describe('runRollout (the CLI’s local runner)', () => {
  describe('when UpdateNodegroupVersion never answers', () => {
    it('records and reports StartFailed instead of throwing', async () => {
      const { port, ops } = scriptedPort({ updateThrows: new Error('socket hang up') });
      const { ledger, records } = memoryLedger();
      const { deps, notices } = world(port, ledger);
      const summary = await runRollout(releaseRequest(), deps, {
        owner: 'cli:test',
        wait: true,
        schedule,
        sleep: async () => undefined,
      });
      expect(ops().filter((o) => o === 'updateNodegroupVersion')).toHaveLength(4);
      expect(summary).toMatchObject({ outcome: 'failed', errors: [{ errorCode: 'StartFailed' }] });
      expect(records.get(rolloutKey(releaseRequest()))).toMatchObject({ outcome: 'failed', updateId: null });
      expect(notices.map((n) => [n.event, n.status])).toEqual([['failed', 'StartFailed']]);
    });
  });

  describe('when a few polls fail', () => {
    it('keeps following the update and records its outcome', async () => {
      const { port } = scriptedPort({
        updates: [
          update('Failed', [{ errorCode: 'PodEvictionFailure', errorMessage: 'x', resourceIds: [] }]),
        ],
      });
      const describeUpdate = port.describeUpdate;
      let failures = 2;
      port.describeUpdate = async (ref, id) => {
        if (failures-- > 0) throw new Error('throttled');
        return describeUpdate(ref, id);
      };
      const { deps } = world(port);
      const seen: string[] = [];
      const summary = await runRollout(releaseRequest(), deps, {
        owner: 'cli:test',
        wait: true,
        schedule,
        sleep: async () => undefined,
        onProgress: (p) => seen.push(p.kind),
      });
      expect(seen.filter((k) => k === 'poll-failed')).toHaveLength(2);
      expect(summary).toMatchObject({ outcome: 'failed', errors: [{ errorCode: 'PodEvictionFailure' }] });
    });
  });

  describe('when the ledger refuses the outcome', () => {
    it('still reports the outcome, then throws; the record stays started for a rerun', async () => {
      const { port } = scriptedPort({ updates: [update('Successful')] });
      const { ledger, records } = memoryLedger();
      const { deps, notices } = world(port, {
        ...ledger,
        recordOutcome: async () => {
          throw new Error('ProvisionedThroughputExceededException');
        },
      });
      await expect(
        runRollout(releaseRequest(), deps, {
          owner: 'cli:test',
          wait: true,
          schedule,
          sleep: async () => undefined,
        }),
      ).rejects.toThrow('ProvisionedThroughputExceededException');
      expect(notices.map((n) => n.event)).toEqual(['started', 'succeeded']);
      expect(records.get(rolloutKey(releaseRequest()))).toMatchObject({
        outcome: 'started',
        updateId: 'upd-1',
      });
    });
  });

  describe('when the plan held other node groups back for the budget', () => {
    const asking = () => {
      const asked: Array<{ id: string; runId: string | null; time: string }> = [];
      return {
        asked,
        port: {
          request: async (input: { id: string; runId: string | null; time: string }) => {
            asked.push(input);
            return { kind: 'requested' as const };
          },
        },
      };
    };

    it('asks for a continuation scan once, in a last step, after the outcome is recorded and told', async () => {
      const { port } = scriptedPort({ updates: [update('Successful')] });
      const { runner, names } = recordingRunner();
      const continuation = asking();
      const request = { ...releaseRequest(), continuation: true, runId: 'scan-run-1' };
      const summary = await runRolloutProgram(
        runner,
        request,
        { ...world(port).deps, continuation: continuation.port },
        { schedule, newOwner: () => 'test' },
      );
      expect(summary.outcome).toBe('succeeded');
      expect(names.slice(-3)).toEqual(['record-outcome', 'notify-succeeded', 'continue']);
      expect(continuation.asked).toEqual([
        { id: `continuation:${rolloutKey(request)}`, runId: 'scan-run-1', time: NOW.toISOString() },
      ]);
    });

    it('asks for none when the request does not say so', async () => {
      const { port } = scriptedPort({ updates: [update('Successful')] });
      const { runner, names } = recordingRunner();
      const continuation = asking();
      await runRolloutProgram(
        runner,
        releaseRequest(),
        { ...world(port).deps, continuation: continuation.port },
        { schedule, newOwner: () => 'test' },
      );
      expect(names).not.toContain('continue');
      expect(continuation.asked).toEqual([]);
    });

    it('reports a failed request and still returns the outcome', async () => {
      const { port } = scriptedPort({ updates: [update('Successful')] });
      const { runner } = recordingRunner();
      const seen: unknown[] = [];
      const summary = await runRolloutProgram(
        runner,
        { ...releaseRequest(), continuation: true },
        {
          ...world(port).deps,
          continuation: { request: async () => ({ kind: 'failed', error: 'AccessDeniedException' }) },
        },
        {
          schedule,
          newOwner: () => 'test',
          observe: (o) => o.kind === 'continuation' && seen.push(o.result),
        },
      );
      expect(summary.outcome).toBe('succeeded');
      expect(seen).toEqual([{ kind: 'failed', error: 'AccessDeniedException' }]);
    });
  });
});

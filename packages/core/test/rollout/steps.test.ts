import { describe, expect, it } from 'vitest';
import { rolloutKey } from '../../src/rollout/key.ts';
import { runRollout } from '../../src/rollout/run.ts';
import { guardStep } from '../../src/rollout/steps.ts';
import type {
  LedgerPort,
  RolloutDeps,
  RolloutNotice,
  RolloutRecord,
  UpdateFacts,
} from '../../src/rollout/types.ts';
import { NOW, nodegroupState, releaseRequest, scriptedPort, templateRequest } from './builders.ts';

/** An in-memory ledger with the port's conditional semantics (enough for the guard and the runner). */
function memoryLedger(initial: RolloutRecord[] = []) {
  const records = new Map(initial.map((r) => [r.key, r]));
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

function deps(port: RolloutDeps['aws'], ledger: LedgerPort, paused = false): RolloutDeps {
  return {
    aws: port,
    ledger,
    pause: { read: async () => ({ paused, reason: paused ? 'freeze' : null }) },
    recalls: { list: async () => [] },
    notify: async () => ({ ok: true, ts: '1.0' }),
    now: () => NOW,
  };
}

function update(id: string, status: UpdateFacts['status'], release: string): UpdateFacts {
  return {
    id,
    status,
    type: 'VersionUpdate',
    params: [{ type: 'ReleaseVersion', value: release }],
    createdAt: NOW.toISOString(),
    errors: [],
  };
}

describe('guardStep when the ledger knows nothing of the rollout', () => {
  it('reclaims its own update when the node group is UPDATING (a run died after starting it)', async () => {
    const { port, ops } = scriptedPort({
      nodegroup: nodegroupState({ status: 'UPDATING' }),
      updates: [update('upd-ours', 'InProgress', '1.33.5-20261110')],
    });
    const decision = await guardStep(releaseRequest(), deps(port, memoryLedger().ledger));
    expect(decision).toEqual({ kind: 'reclaim', updateId: 'upd-ours', launchTemplateVersion: null });
    expect(ops()).not.toContain('updateNodegroupVersion');
  });

  it('reclaims it even while rollouts are paused: following is not starting', async () => {
    const { port } = scriptedPort({
      nodegroup: nodegroupState({ status: 'UPDATING' }),
      updates: [update('upd-ours', 'InProgress', '1.33.5-20261110')],
    });
    const decision = await guardStep(releaseRequest(), deps(port, memoryLedger().ledger, true));
    expect(decision.kind).toBe('reclaim');
  });

  it('reclaims its finished update when the node group is already on target', async () => {
    const { port } = scriptedPort({
      nodegroup: nodegroupState({ releaseVersion: '1.33.5-20261110' }),
      updates: [update('upd-done', 'Successful', '1.33.5-20261110')],
    });
    const decision = await guardStep(releaseRequest(), deps(port, memoryLedger().ledger));
    expect(decision).toEqual({ kind: 'reclaim', updateId: 'upd-done', launchTemplateVersion: null });
  });

  it("does not start when someone else's update runs", async () => {
    const { port } = scriptedPort({
      nodegroup: nodegroupState({ status: 'UPDATING' }),
      updates: [update('upd-theirs', 'InProgress', '1.33.4-20261020')],
    });
    const decision = await guardStep(releaseRequest(), deps(port, memoryLedger().ledger));
    expect(decision).toMatchObject({ kind: 'not-started', reason: 'update-in-progress' });
  });

  it('says already-on-target when no update of its own exists', async () => {
    const { port } = scriptedPort({ nodegroup: nodegroupState({ releaseVersion: '1.33.5-20261110' }) });
    const decision = await guardStep(releaseRequest(), deps(port, memoryLedger().ledger));
    expect(decision).toMatchObject({ kind: 'not-started', reason: 'already-on-target' });
  });

  it('a launch-template rollout whose version was never created reclaims nothing', async () => {
    const { port } = scriptedPort({
      nodegroup: nodegroupState({
        status: 'UPDATING',
        launchTemplate: { id: 'lt-01', name: null, version: '4' },
      }),
      existingVersion: null,
    });
    const decision = await guardStep(templateRequest(), deps(port, memoryLedger().ledger));
    expect(decision).toMatchObject({ kind: 'not-started', reason: 'update-in-progress' });
  });
});

describe('runRollout after a predecessor died between the start and its record', () => {
  it('records the reclaimed update as started, follows it and records the outcome', async () => {
    const { port, ops } = scriptedPort({
      nodegroup: nodegroupState({ status: 'UPDATING' }),
      updates: [update('upd-ours', 'Successful', '1.33.5-20261110')],
    });
    const { ledger, records } = memoryLedger();
    const summary = await runRollout(releaseRequest(), deps(port, ledger), {
      owner: 'test',
      wait: true,
      sleep: async () => undefined,
    });
    expect(summary).toMatchObject({ outcome: 'succeeded', updateId: 'upd-ours' });
    expect(records.get(rolloutKey(releaseRequest()))).toMatchObject({
      outcome: 'succeeded',
      updateId: 'upd-ours',
    });
    expect(ops()).not.toContain('updateNodegroupVersion');
  });
});

describe('runRollout when the wait limit runs out while EKS still updates', () => {
  it('records and reports still-running, not failed', async () => {
    const { port } = scriptedPort({ updates: [update('upd-1', 'InProgress', '1.33.5-20261110')] });
    const { ledger, records } = memoryLedger();
    const notices: RolloutNotice[] = [];
    const slept: number[] = [];
    const summary = await runRollout(
      releaseRequest(),
      {
        ...deps(port, ledger),
        notify: async (n) => {
          notices.push(n);
          return { ok: true, ts: '1.0' };
        },
      },
      {
        owner: 'test',
        wait: true,
        schedule: { initialSeconds: 60, maxSeconds: 60, backoffRate: 1, maxTotalSeconds: 180 },
        sleep: async (s) => void slept.push(s),
      },
    );
    expect(slept).toEqual([60, 60, 60]);
    expect(summary).toMatchObject({ outcome: 'still-running', updateId: 'upd-1', errors: [] });
    expect(summary.message).toContain('still running in EKS');
    expect(records.get(rolloutKey(releaseRequest()))).toMatchObject({ outcome: 'still-running' });
    expect(notices.map((n) => n.event)).toEqual(['started', 'still-running']);
    expect(notices[1]?.message).toMatch(/still running in EKS after 3 min/);
  });
});

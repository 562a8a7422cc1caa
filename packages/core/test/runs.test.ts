import { describe, expect, it } from 'vitest';
import {
  dropFromRun,
  markRunItem,
  newRun,
  openRunThread,
  type RunDeps,
  type RunLedgerPort,
  type RunRecord,
  runItemKey,
} from '../src/runs.ts';

const ref = (nodegroup: string) => ({ accountId: null, region: 'us-east-1', cluster: 'prod-a', nodegroup });

/** An in-memory run ledger with the port's semantics, plus a Slack that records what it was told. */
function world(options: { slackDown?: boolean } = {}) {
  const stored = new Map<string, RunRecord>();
  const runs: RunLedgerPort = {
    async openRun(run) {
      if (stored.has(run.runId)) return { kind: 'exists' };
      stored.set(run.runId, structuredClone(run));
      return { kind: 'created' };
    },
    getRun: async (id) => structuredClone(stored.get(id) ?? null),
    async setRunThread(id, thread) {
      const r = stored.get(id);
      if (r && r.thread === null) r.thread = thread;
    },
    async setRunItem(id, item) {
      const r = stored.get(id);
      if (!r) return null;
      r.items[runItemKey(item)] = item;
      r.version += 1;
      return structuredClone(r);
    },
    async dropRunItems(id, keys) {
      const r = stored.get(id);
      if (!r) return null;
      for (const k of keys) delete r.items[k];
      r.version += 1;
      return structuredClone(r);
    },
    async setRunControl(id, control) {
      const r = stored.get(id);
      if (!r) return null;
      if (!r.control || r.control.at <= control.at) r.control = control;
      r.version += 1;
      return structuredClone(r);
    },
  };
  const posted: string[] = [];
  const edits: string[] = [];
  const deps: RunDeps = {
    runs,
    slack: {
      async post(message) {
        if (options.slackDown) return { ok: false, error: 'no_service' };
        posted.push(message.text);
        return { ok: true, ts: `1.00010${posted.length}`, channel: 'C0SANDBOX' };
      },
      async update(_thread, message) {
        if (options.slackDown) return { ok: false, error: 'no_service' };
        edits.push(message.text);
        return { ok: true };
      },
    },
  };
  return { deps, stored, posted, edits };
}

const run = () => newRun('run-1', 'rollout', '2026-11-24T03:00:00.000Z', [ref('a'), ref('b'), ref('c')]);

describe('openRunThread', () => {
  it('posts the parent once per run ID and stores where it is', async () => {
    const w = world();
    expect(await openRunThread(run(), w.deps)).toEqual({
      kind: 'posted',
      thread: { channel: 'C0SANDBOX', ts: '1.000101' },
    });
    expect(await openRunThread(run(), w.deps)).toEqual({
      kind: 'exists',
      thread: { channel: 'C0SANDBOX', ts: '1.000101' },
    });
    expect(w.posted).toEqual(['Rollout of 3 node groups: 3 pending']);
  });

  it('waits for the parent another process is posting', async () => {
    const w = world();
    await w.deps.runs.openRun(run());
    let slept = 0;
    const waiting = openRunThread(run(), {
      ...w.deps,
      sleep: async () => {
        slept += 1;
        if (slept === 2) await w.deps.runs.setRunThread('run-1', { channel: 'C1', ts: '9.9' });
      },
    });
    expect(await waiting).toEqual({ kind: 'exists', thread: { channel: 'C1', ts: '9.9' } });
  });

  it('returns Slack and ledger failures instead of throwing', async () => {
    expect(await openRunThread(run(), world({ slackDown: true }).deps)).toEqual({
      kind: 'undeliverable',
      error: 'no_service',
    });
    const broken = world();
    broken.deps.runs.openRun = async () => {
      throw new Error('ledger down');
    };
    expect(await openRunThread(run(), broken.deps)).toEqual({ kind: 'undeliverable', error: 'ledger down' });
  });
});

describe('markRunItem', () => {
  it('edits the parent to "3 node groups: 1 succeeded, 1 failed, 1 not started" as items finish', async () => {
    const w = world();
    await openRunThread(run(), w.deps);
    await markRunItem('run-1', { ...ref('a'), state: 'in-progress' }, w.deps);
    await markRunItem('run-1', { ...ref('a'), state: 'succeeded' }, w.deps);
    await markRunItem('run-1', { ...ref('b'), state: 'failed' }, w.deps);
    await markRunItem('run-1', { ...ref('c'), state: 'not-started' }, w.deps);
    expect(w.edits).toEqual([
      'Rollout of 3 node groups: 1 in progress, 2 pending',
      'Rollout of 3 node groups: 1 succeeded, 2 pending',
      'Rollout of 3 node groups: 1 succeeded, 1 failed, 1 pending',
      'Rollout of 3 node groups: 1 succeeded, 1 failed, 1 not started',
    ]);
  });

  it('edits again when a newer change landed while it edited (out-of-order finishes)', async () => {
    const w = world();
    await openRunThread(run(), w.deps);
    const update = w.deps.slack.update;
    let first = true;
    w.deps.slack.update = async (thread, message) => {
      if (first) {
        first = false;
        // Another workflow finishes while this edit is in flight.
        await w.deps.runs.setRunItem('run-1', { ...ref('b'), state: 'succeeded' });
      }
      return update(thread, message);
    };
    await markRunItem('run-1', { ...ref('a'), state: 'succeeded' }, w.deps);
    expect(w.edits).toEqual([
      'Rollout of 3 node groups: 1 succeeded, 2 pending',
      'Rollout of 3 node groups: 2 succeeded, 1 pending',
    ]);
  });

  it('does nothing without a thread and never throws', async () => {
    const w = world();
    await w.deps.runs.openRun(run());
    expect(await markRunItem('run-1', { ...ref('a'), state: 'failed' }, w.deps)).toEqual({
      kind: 'no-thread',
    });
    expect(await markRunItem('no-run', { ...ref('a'), state: 'failed' }, w.deps)).toEqual({
      kind: 'no-thread',
    });
    const down = world({ slackDown: true });
    await down.deps.runs.openRun(run());
    await down.deps.runs.setRunThread('run-1', { channel: null, ts: '1.1' });
    expect(await markRunItem('run-1', { ...ref('a'), state: 'failed' }, down.deps)).toEqual({
      kind: 'undeliverable',
      error: 'no_service',
    });
    expect(w.edits).toEqual([]);
  });
});

describe('dropFromRun', () => {
  it('takes rollouts of another run out and edits the parent', async () => {
    const w = world();
    await openRunThread(run(), w.deps);
    await dropFromRun('run-1', [ref('c')], w.deps);
    expect(w.edits).toEqual(['Rollout of 2 node groups: 2 pending']);
    expect(Object.keys(w.stored.get('run-1')?.items ?? {})).toEqual([
      '-|us-east-1|prod-a|a',
      '-|us-east-1|prod-a|b',
    ]);
  });
});

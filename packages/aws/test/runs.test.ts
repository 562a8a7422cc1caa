import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { newRun } from '@nodekeeper/core/runs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedgerTable, createRunLedger } from '../index.ts';
import { startDynaliteClient } from './dynalite.ts';

const ref = (nodegroup: string) => ({
  accountId: '111122223333',
  region: 'us-east-1',
  cluster: 'prod-a',
  nodegroup,
});

describe('createRunLedger (dynalite)', () => {
  let stop: () => Promise<void>;
  let client: DynamoDBClient;
  beforeAll(async () => {
    ({ client, close: stop } = await startDynaliteClient());
    await createLedgerTable(client, 'runs');
  });
  afterAll(async () => {
    await stop();
  });

  it('creates a run once; a second open answers exists and changes nothing', async () => {
    const runs = createRunLedger(client, { tableName: 'runs' });
    const run = newRun('run-a', 'rollout', '2026-11-24T03:00:00.000Z', [ref('general'), ref('gpu')]);
    expect(await runs.openRun(run)).toEqual({ kind: 'created' });
    expect(await runs.openRun({ ...run, startedAt: '2026-11-25T00:00:00.000Z' })).toEqual({ kind: 'exists' });
    expect(await runs.getRun('run-a')).toEqual(run);
    expect(await runs.getRun('no-such-run')).toBeNull();
  });

  it('stores the thread once', async () => {
    const runs = createRunLedger(client, { tableName: 'runs' });
    await runs.openRun(newRun('run-b', 'patch', '2026-11-24T03:00:00.000Z', [ref('general')]));
    await runs.setRunThread('run-b', { channel: 'C0SANDBOX', ts: '1.000100' });
    await runs.setRunThread('run-b', { channel: 'C0OTHER', ts: '2.000200' });
    expect((await runs.getRun('run-b'))?.thread).toEqual({ channel: 'C0SANDBOX', ts: '1.000100' });
  });

  it('sets item states atomically, counts versions, and drops items', async () => {
    const runs = createRunLedger(client, { tableName: 'runs' });
    await runs.openRun(newRun('run-c', 'rollout', '2026-11-24T03:00:00.000Z', [ref('general'), ref('gpu')]));
    const states = ['in-progress', 'succeeded'] as const;
    const results = await Promise.all(
      [
        ...states.map((state) => ({ ...ref('general'), state })),
        { ...ref('gpu'), state: 'failed' as const },
      ].map((item) => runs.setRunItem('run-c', item)),
    );
    expect(results.map((r) => r?.version).sort()).toEqual([1, 2, 3]);
    const after = await runs.getRun('run-c');
    expect(after?.items['111122223333|us-east-1|prod-a|gpu']?.state).toBe('failed');
    const dropped = await runs.dropRunItems('run-c', ['111122223333|us-east-1|prod-a|gpu']);
    expect(Object.keys(dropped?.items ?? {})).toEqual(['111122223333|us-east-1|prod-a|general']);
    expect(dropped?.version).toBe(4);
    expect(await runs.setRunItem('no-such-run', { ...ref('x'), state: 'failed' })).toBeNull();
  });

  it('records who paused or resumed from the parent, newest wins, and counts it as a change', async () => {
    const runs = createRunLedger(client, { tableName: 'runs' });
    await runs.openRun(newRun('run-d', 'rollout', '2026-11-24T03:00:00.000Z', [ref('general')]));
    const paused = { paused: true, by: 'slack:U0ALLOWED1', at: '2026-11-24T03:12:00.000Z' };
    const resumed = { paused: false, by: 'slack:U0OTHER22', at: '2026-11-24T03:20:00.000Z' };
    expect(await runs.setRunControl('run-d', paused)).toMatchObject({ control: paused, version: 1 });
    expect(await runs.setRunControl('run-d', resumed)).toMatchObject({ control: resumed, version: 2 });
    // A click that arrives late (older) does not undo the newer one.
    expect((await runs.setRunControl('run-d', paused))?.control).toEqual(resumed);
    expect(await runs.setRunControl('no-such-run', paused)).toBeNull();
  });
});

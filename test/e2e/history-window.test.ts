import {
  createApprovalStore,
  createClients,
  createLedgerTable,
  createPlanPorts,
  createTargetClientCache,
} from '@nodekeeper/aws';
import { parseConfig } from '@nodekeeper/core/config';
import { type PlannedFleet, type PlanPorts, planFleet, plannedRolloutRequests } from '@nodekeeper/core/plan';
import type { RolloutRecord } from '@nodekeeper/core/rollout';
import { parseFleet, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetWithHistory, HISTORY_CONFIG } from '../fixtures/ledger-history.ts';
import { seedRolloutRecords } from '../helpers/ledger-seed.ts';

/**
 * History that stays complete: 1,000 node groups with 6 weeks of weekly rollouts and a release
 * half rolled (about 8,000 records in the ledger, in dynalite through the sandbox). The plan reads
 * its history window through the ledger's time index, and plans exactly what the full history
 * says, while the newest 1,000 records alone (the old clamp) would plan otherwise.
 */

const region = 'us-east-1';
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'sandbox' };
const TABLE = 'history-window';
const history = fleetWithHistory({ clusters: 100, nodegroupsPerCluster: 10, weeks: 6 });
const config = parseConfig(HISTORY_CONFIG);
const now = new Date(history.now);

let sb: Sandbox;
let planned: PlannedFleet;
let ports: PlanPorts;
const queries: Array<{ since?: string; limit: number }> = [];

beforeAll(async () => {
  sb = await startSandbox({ fleet: parseFleet(history.fleet), now: history.now, ledgerTables: [TABLE] });
  const home = createClients({ region, endpoint: sb.endpoint, credentials });
  await createLedgerTable(home.dynamodb, TABLE);
  await seedRolloutRecords(home.dynamodb, TABLE, history.records);
  const approvals = createApprovalStore(home.dynamodb, { tableName: TABLE });
  for (const a of history.approvals) await approvals.record(a);
  const aws = createPlanPorts({
    // The sandbox does not throttle here: no client-side pacing (1,000 node groups in seconds).
    targets: createTargetClientCache({
      homeRegion: region,
      roles: new Map(),
      endpoint: sb.endpoint,
      credentials,
      rateLimits: false,
    }),
    home,
    ledgerTable: TABLE,
    pauseParameter: '/nodekeeper/history-window/paused',
  });
  // Each target is inspected once; later plans of the same fleet replay its inspection.
  const inspected = new Map<string, ReturnType<PlanPorts['inspect']>>();
  ports = {
    ...aws,
    inspect: (target) => {
      const key = `${target.accountId}/${target.region}`;
      const known = inspected.get(key) ?? aws.inspect(target);
      inspected.set(key, known);
      return known;
    },
  };
  const ledger = aws.ledger;
  planned = await planFleet(
    {
      ...ports,
      ledger: {
        listHistory: (q) => {
          queries.push(q);
          return ledger.listHistory(q);
        },
      },
    },
    { config, now },
  );
}, 120_000);

afterAll(() => sb?.close());

/** The pipeline's plan when its ledger answers with `records` (the same fleet, approvals and time). */
async function planFrom(records: readonly RolloutRecord[]) {
  const p = await planFleet({ ...ports, ledger: { listHistory: async () => [...records] } }, { config, now });
  return {
    plan: p.plan,
    requests: plannedRolloutRequests(p, { runId: 'run-1', config }).map((r) => r.request),
  };
}

const newestFirst = (records: readonly RolloutRecord[]) =>
  [...records].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));

describe('the plan over a ledger of about 8,000 records', () => {
  it('reads its window through the time index: every record since its oldest target less 14 days', async () => {
    expect(history.records.length).toBeGreaterThan(7000);
    // The oldest target is a golden AMI created 2026-11-01.
    const since = '2026-10-18T00:00:00.000Z';
    // The last 28 days were read while the fleet was inspected, the rest of the window after it.
    const prefetched = '2026-10-27T03:00:00.000Z';
    const recent = history.records.filter((r) => r.createdAt >= prefetched).length;
    expect(queries).toEqual([
      { since: prefetched, limit: 100_001 },
      { since, until: prefetched, limit: 100_001 - recent },
    ]);
    expect(planned.history.basis).toMatchObject({ kind: 'target', createdAt: '2026-11-01T00:00:00.000Z' });
    const inWindow = history.records.filter((r) => r.createdAt >= since);
    expect(planned.records).toHaveLength(inWindow.length);
    expect(planned.ledger).toEqual({ kind: 'ok', records: inWindow.length, since });
    expect(planned.records.length).toBeLessThan(history.records.length);
  });

  it('plans exactly what the full history says: every item and every attempt number', async () => {
    const windowed = {
      plan: planned.plan,
      requests: plannedRolloutRequests(planned, { runId: 'run-1', config }).map((r) => r.request),
    };
    expect(windowed).toEqual(await planFrom(newestFirst(history.records)));
    // Not a trivial plan: the window's records decide many of its items.
    const reasons = new Map<string, number>();
    for (const i of planned.plan.items) {
      const k = i.reason ?? i.decision;
      reasons.set(k, (reasons.get(k) ?? 0) + 1);
    }
    expect(Object.fromEntries(reasons)).toMatchObject({
      halted: expect.any(Number),
      failed: 1,
      'update-in-progress': 10,
      'wave-gate': expect.any(Number),
      budget: expect.any(Number),
      roll: expect.any(Number),
      current: expect.any(Number),
    });
    expect(windowed.requests.filter((r) => r.attempt === 2)).toHaveLength(10);
  });

  it('would plan otherwise from the newest 1,000 records, as the old clamp read them', async () => {
    const clamped = await planFrom(newestFirst(history.records).slice(0, 1000));
    const full = await planFrom(newestFirst(history.records));
    const differ = full.plan.items.filter((item, i) => {
      const other = clamped.plan.items[i];
      return other?.decision !== item.decision || other.reason !== item.reason;
    });
    expect(differ.length).toBeGreaterThan(0);
  });
});

/**
 * Benchmark: history that stays complete. A fleet (`fleetWithHistory`) and a ledger of ~100,000
 * rollout records written as nodekeeper would have (weekly releases for most of the 400-day
 * retention, a release half rolled), in the sandbox's dynalite (own process). Measures the plan
 * pipeline's history read (one Query series on the time index: calls, items, wall time), the
 * scan's planning with that ledger and with an empty one (inspection with a fixed latency on every
 * EKS/EC2/SSM call, history, plan), the old read (a Scan of at most 50 pages, newest 5,000 kept)
 * for comparison, and whether the plan from the window equals the plan from the full history.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  createApprovalStore,
  createClients,
  createLedger,
  createLedgerTable,
  createPlanPorts,
  createTargetClientCache,
} from '@nodekeeper/aws';
import { parseConfig } from '@nodekeeper/core/config';
import { type PlannedFleet, type PlanPorts, planFleet, plannedRolloutRequests } from '@nodekeeper/core/plan';
import type { RolloutRecord } from '@nodekeeper/core/rollout';
import { fleetWithHistory, HISTORY_CONFIG } from '../test/fixtures/ledger-history.ts';
import { seedRolloutRecords } from '../test/helpers/ledger-seed.ts';
import { startSandboxProcess } from './sandbox-process.ts';

const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const logger = new Logger({ serviceName: 'bench', logLevel: 'SILENT' });
const REGION = 'us-east-1';
const LEDGER = 'history-bench';
const EMPTY = 'history-bench-empty';
/** What the old listHistory read: a table Scan of at most this many pages, then the newest 5,000. */
const OLD_PAGES = 50;
const OLD_LIMIT = 5000;

export interface HistoryBenchOptions {
  clusters: number;
  nodegroupsPerCluster: number;
  weeks: number;
  pausedShare: number;
  /** Latency on every EKS, EC2 and SSM call of the inspection (DynamoDB: dynalite's own). */
  latencyMs: number;
  /** Keep at most this many records, the newest (older ones expired, as TTL would have them). */
  maxRecords?: number;
}

/** One read of the ledger: DynamoDB calls, items returned (and examined, for a Scan), wall time. */
export interface LedgerRead {
  calls: number;
  items: number;
  scanned: number;
  wallMs: number;
}

export interface HistoryResults {
  nodegroups: number;
  ledgerRecords: number;
  /** The oldest record's age at the plan's time, in days. */
  ledgerSpanDays: number;
  seedMs: number;
  latencyMs: number;
  window: {
    since: string | null;
    basis: string;
    records: number;
    /** Both reads together. */
    read: LedgerRead;
    /** The recent days (read while the fleet is inspected), then the rest of the window (after). */
    reads: LedgerRead[];
  };
  /** The scan's planning (inspection, history, plan): with the 100,000-record ledger and with an empty one. */
  planWallMs: { full: number; empty: number };
  /** The whole ledger read through the index (what the window spares). */
  fullRead: LedgerRead;
  /** The old read: Scan of at most 50 pages, newest 5,000 kept. */
  oldRead: LedgerRead & { kept: number };
  equality: {
    items: number;
    /** Plan and rollout requests (attempt numbers) from the window equal those from the full history. */
    identical: boolean;
    differingItems: number;
    /** Items the old read would have planned otherwise. */
    oldDifferingItems: number;
    /** Items the newest 1,000 records alone (the clamp of `history`/`status`) would have planned otherwise. */
    newest1000DifferingItems: number;
  };
  decisions: Record<string, number>;
  peakRssMb: number;
}

type Counter = { calls: number; items: number; scanned: number };

/** Counts DynamoDB calls and items on a client (middleware), for the read being measured. */
function countCalls(client: DynamoDBClient): Counter {
  const counter: Counter = { calls: 0, items: 0, scanned: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const o = out.output as { Count?: number; ScannedCount?: number };
      counter.calls += 1;
      counter.items += o.Count ?? 0;
      counter.scanned += o.ScannedCount ?? o.Count ?? 0;
      return out;
    },
    { step: 'initialize', name: 'benchCountCalls' },
  );
  return counter;
}

async function measured<T>(counter: Counter, fn: () => Promise<T>): Promise<{ value: T; read: LedgerRead }> {
  const before = { ...counter };
  const t = performance.now();
  const value = await fn();
  return {
    value,
    read: {
      calls: counter.calls - before.calls,
      items: counter.items - before.items,
      scanned: counter.scanned - before.scanned,
      wallMs: Math.round(performance.now() - t),
    },
  };
}

const newestFirst = (records: readonly RolloutRecord[]) =>
  [...records].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));

/** The old listHistory without a cluster: Scan (filter type = rollout) of at most 50 pages, sorted, newest 5,000. */
async function oldListHistory(client: DynamoDBClient, table: string): Promise<RolloutRecord[]> {
  const doc = DynamoDBDocumentClient.from(client);
  const records: RolloutRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < OLD_PAGES; page += 1) {
    const out = await doc.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: '#type = :rollout',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':rollout': 'rollout' },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of out.Items ?? []) records.push(item as unknown as RolloutRecord);
    startKey = out.LastEvaluatedKey;
    if (!startKey) break;
  }
  return newestFirst(records).slice(0, OLD_LIMIT);
}

function differing(a: PlannedFleet['plan'], b: PlannedFleet['plan']): number {
  const key = (i: PlannedFleet['plan']['items'][number]) => `${i.cluster}/${i.nodegroup}`;
  const other = new Map(b.items.map((i) => [key(i), i]));
  return a.items.filter((i) => JSON.stringify(i) !== JSON.stringify(other.get(key(i)))).length;
}

export async function runHistoryBench(
  o: HistoryBenchOptions,
  log: (line: string) => void,
): Promise<HistoryResults> {
  const generated = fleetWithHistory({
    clusters: o.clusters,
    nodegroupsPerCluster: o.nodegroupsPerCluster,
    weeks: o.weeks,
    pausedShare: o.pausedShare,
  });
  const history = {
    ...generated,
    records: newestFirst(generated.records).slice(0, o.maxRecords ?? generated.records.length),
  };
  const config = parseConfig(HISTORY_CONFIG);
  const now = new Date(history.now);
  const nodegroups = o.clusters * o.nodegroupsPerCluster;
  log(`history: ${nodegroups} node groups, ${history.records.length} ledger records`);
  const sb = await startSandboxProcess(history.fleet);
  const home = createClients({ region: REGION, endpoint: sb.endpoint, credentials, rateLimits: false });
  const clients = [home];
  try {
    await sb.setClock(history.now);
    await createLedgerTable(home.dynamodb, LEDGER);
    await createLedgerTable(home.dynamodb, EMPTY);
    const seedStart = performance.now();
    await seedRolloutRecords(home.dynamodb, LEDGER, history.records);
    const seedMs = Math.round(performance.now() - seedStart);
    log(`history: seeded in ${seedMs} ms`);
    for (const table of [LEDGER, EMPTY]) {
      const approvals = createApprovalStore(home.dynamodb, { tableName: table });
      for (const a of history.approvals) await approvals.record(a);
    }
    // History reads go through a client of their own, so that only they are counted.
    const reader = createClients({ region: REGION, endpoint: sb.endpoint, credentials, rateLimits: false });
    clients.push(reader);
    const counter = countCalls(reader.dynamodb);
    const ledgerOf = (table: string) => createLedger(reader.dynamodb, { tableName: table });
    const portsFor = (table: string): PlanPorts => ({
      ...createPlanPorts({
        targets: createTargetClientCache({
          homeRegion: REGION,
          roles: new Map(),
          endpoint: sb.endpoint,
          credentials,
          rateLimits: false,
        }),
        home,
        ledgerTable: table,
        pauseParameter: '/nodekeeper/bench/paused',
        logger,
      }),
      ledger: ledgerOf(table),
    });

    // The scan's planning, as the scan runs it: inspection with latency, then the history window.
    await sb.setFaults(
      (['eks', 'ec2', 'ssm'] as const).map((service) => ({ service, latencyMs: o.latencyMs })),
    );
    const aws = portsFor(LEDGER);
    // The first plan inspects; later plans of the same fleet replay that inspection.
    let inspection: ReturnType<PlanPorts['inspect']> | null = null;
    const full: PlanPorts = {
      ...aws,
      inspect: (target, onCluster) => {
        inspection ??= aws.inspect(target, onCluster);
        return inspection;
      },
    };
    // The plan's reads: the recent days while it inspects, the rest of its window after.
    const windowReads: LedgerRead[] = [];
    const planStart = performance.now();
    const planned = await planFleet(
      {
        ...full,
        ledger: {
          listHistory: async (q) => {
            const r = await measured(counter, () => full.ledger.listHistory(q));
            windowReads.push(r.read);
            return r.value;
          },
        },
      },
      { config, now },
    );
    const fullPlanMs = Math.round(performance.now() - planStart);
    const windowRead: LedgerRead = {
      calls: windowReads.reduce((n, r) => n + r.calls, 0),
      items: windowReads.reduce((n, r) => n + r.items, 0),
      scanned: windowReads.reduce((n, r) => n + r.scanned, 0),
      wallMs: windowReads.reduce((n, r) => n + r.wallMs, 0),
    };
    const emptyStart = performance.now();
    await planFleet(portsFor(EMPTY), { config, now });
    const emptyPlanMs = Math.round(performance.now() - emptyStart);
    log(`history: planned in ${fullPlanMs} ms with the ledger, ${emptyPlanMs} ms without`);
    await sb.setFaults([]);

    // The whole ledger through the index, and the old Scan, for comparison.
    const all = await measured(counter, () => full.ledger.listHistory({ limit: 10_000_000 }));
    const old = await measured(counter, () => oldListHistory(reader.dynamodb, LEDGER));

    // The same fleet and facts, planned from other histories (the inspection replayed).
    const planFrom = async (records: readonly RolloutRecord[]) => {
      const p = await planFleet(
        { ...full, ledger: { listHistory: async () => [...records] } },
        { config, now },
      );
      return { p, requests: plannedRolloutRequests(p, { runId: 'bench', config }).map((r) => r.request) };
    };
    const fromFull = await planFrom(all.value);
    const fromWindow = await planFrom(planned.records);
    const fromOld = await planFrom(old.value);
    const fromNewest1000 = await planFrom(newestFirst(all.value).slice(0, 1000));
    const windowRequests = plannedRolloutRequests(planned, { runId: 'bench', config }).map((r) => r.request);
    const identical =
      JSON.stringify(planned.plan) === JSON.stringify(fromFull.p.plan) &&
      JSON.stringify(windowRequests) === JSON.stringify(fromFull.requests) &&
      JSON.stringify(fromWindow.p.plan) === JSON.stringify(fromFull.p.plan);
    const decisions: Record<string, number> = {};
    for (const i of planned.plan.items) {
      const k = i.reason ?? i.decision;
      decisions[k] = (decisions[k] ?? 0) + 1;
    }
    const oldest = history.records.reduce((m, r) => (r.createdAt < m ? r.createdAt : m), history.now);
    const b = planned.history.basis;
    const results: HistoryResults = {
      nodegroups,
      ledgerRecords: history.records.length,
      ledgerSpanDays: Math.round((now.getTime() - Date.parse(oldest)) / 86_400_000),
      seedMs,
      latencyMs: o.latencyMs,
      window: {
        since: planned.history.since,
        basis:
          b.kind === 'target'
            ? `the oldest candidate target, ${b.release} (${b.family}), created ${b.createdAt.slice(0, 10)}, less 14 days`
            : b.kind === 'target-undated'
              ? `a target without a creation date (${b.release})`
              : 'the last two days (live starts)',
        records: planned.records.length,
        read: windowRead,
        reads: windowReads,
      },
      planWallMs: { full: fullPlanMs, empty: emptyPlanMs },
      fullRead: all.read,
      oldRead: { ...old.read, kept: old.value.length },
      equality: {
        items: planned.plan.items.length,
        identical,
        differingItems: differing(planned.plan, fromFull.p.plan),
        oldDifferingItems: differing(fromOld.p.plan, fromFull.p.plan),
        newest1000DifferingItems: differing(fromNewest1000.p.plan, fromFull.p.plan),
      },
      decisions,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    log(
      `history: window ${results.window.records} records in ${windowRead.calls} calls (${windowRead.wallMs} ms); identical: ${identical}; old read plans ${results.equality.oldDifferingItems} items otherwise`,
    );
    return results;
  } finally {
    for (const c of clients) c.destroy();
    await sb.close();
  }
}

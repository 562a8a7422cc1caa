/**
 * The one plan pipeline: read the facts through ports, then plan with the pure planner. The scan,
 * the slash command's `plan` and the CLI's `plan`, `roll` and `report` all plan through it, so for
 * the same fleet, config, ledger and time they plan the same items.
 */
import type { AmiAgeRule } from './age-selection.ts';
import { type Config, type FleetTarget, fleetTargets } from './config.ts';
import { type HistoryWindow, historyWindow } from './history-window.ts';
import {
  type Inspection,
  launchTemplateLookup,
  launchTemplateUsersLookup,
  mergeInspections,
} from './inspection.ts';
import type { FollowRule } from './kubernetes-version.ts';
import { candidateTargets, plan } from './planner.ts';
import { policyFromConfig } from './policy.ts';
import { recordsByKey } from './rollout/attempt.ts';
import { DEFAULT_KEEP_LAUNCH_TEMPLATE_VERSIONS } from './rollout/retire.ts';
import { requestWithAttempt } from './rollout/scan.ts';
import type { LedgerPort, PausePort, RolloutRecord, RolloutRequest } from './rollout/types.ts';
import { failureForgiven } from './safety/approvals.ts';
import { rolloutFactsFromRecords } from './safety/facts.ts';
import { releaseIdentity, releaseLineOf } from './safety/release.ts';
import type { CatalogSnapshot, Fleet, InspectionError } from './types/fleet.ts';
import type { Plan, PlanItem } from './types/plan.ts';
import type { Approval, PauseState, Policy, Recall } from './types/policy.ts';

/**
 * The most ledger records one plan reads: its history window ({@link historyWindow}) holds every
 * record the plan depends on, and when the window holds more than this, the plan holds every roll
 * (`state-unreadable`) rather than plan on part of it. ~15 times the window of 1,000 node groups
 * rolling weekly; bounded so that the slash command (256 MB) never runs out of memory reading it.
 */
export const PLAN_HISTORY_MAX_RECORDS = 100_000;

/**
 * Days of ledger history read while the fleet is inspected, before the window is known: most
 * windows (a target at most a few weeks old, less the skew) lie inside it, so the read overlaps
 * the inspection; the rest of a longer window is read after it, and the part of these days before
 * a shorter window is dropped.
 */
export const HISTORY_PREFETCH_DAYS = 28;

/** How many (account, region) targets are inspected at once; each has its own clients and rate limits. */
export const TARGET_CONCURRENCY = 8;

/** Progress of one target's inspection, as its inspector reports it. */
export interface ClusterProgress {
  clustersDone: number;
  clustersTotal: number;
  nodegroupsDone: number;
}

/** Progress of the whole pipeline, for a shell to render (the CLI on stderr). */
export interface PlanProgress {
  /** `inspecting` when a target starts, `cluster` after each of its clusters, `inspected` when it ends. */
  phase: 'inspecting' | 'cluster' | 'inspected';
  target: FleetTarget;
  targetsDone: number;
  targetsTotal: number;
  /** Over every target started so far (totals grow as targets list their clusters). */
  clustersDone: number;
  clustersTotal: number;
  nodegroupsDone: number;
}

/**
 * One (account, region) to inspect, with what age selection needs: the plan's time and age rules,
 * so the inspection reads a target's older releases when its newest image is too young
 * (`releaseHistoryWanted`). Shells pass the target on to the inspector as they get it.
 */
export interface InspectionTarget extends FleetTarget {
  amiAge?: AmiAgeRequest;
  /**
   * Which node groups follow their cluster's Kubernetes version: the inspection reads the next
   * minor's parameters and image for those behind their cluster only. Absent: none follow.
   */
  follow?: FollowRule;
}

/** The plan's time (ISO 8601) and age rules, for an inspection. */
export interface AmiAgeRequest {
  now: string;
  rule: AmiAgeRule;
}

/** What the pipeline reads, each through a port the shell builds (AWS adapters in @nodekeeper/aws). */
export interface PlanPorts {
  /**
   * Inspects one (account, region), read-only. Failures inside become `error` items of the
   * result; a rejection fails the whole plan.
   */
  inspect(target: InspectionTarget, onCluster?: (p: ClusterProgress) => void): Promise<Inspection>;
  /** The pause flag, with who paused and when when the adapter knows. Throws when unreadable. */
  pause: PausePort;
  /** Rollout history. Throws when unreadable. */
  ledger: Pick<LedgerPort, 'listHistory'>;
  /** Operator approvals (same table as the ledger). Throws when unreadable. */
  approvals: { list(): Promise<Approval[]> };
  /** Active recalls (same table as the ledger). Throws when unreadable. */
  recalls: { list(): Promise<Recall[]> };
  /**
   * Whether a ledger, approvals or recalls read failed only because the ledger table does not exist: then
   * nodekeeper has recorded nothing there, and the plan runs without history (noted). Default: never.
   */
  isLedgerMissing?: (error: unknown) => boolean;
}

export interface PlanPipelineOptions {
  config: Config;
  /** The plan is as of this time (the planner reads no clock). */
  now: Date;
  /** Inspect only these regions; default: every target of the config. */
  regions?: readonly string[];
  /** CLI only (`--ignore-window`). */
  ignoreWindow?: boolean;
  /**
   * Also read the ledger records created since this time (the report's timeline). The plan reads
   * its own window anyway; more records never change it.
   */
  historySince?: Date;
  /** Targets inspected at once; default {@link TARGET_CONCURRENCY}. */
  targetConcurrency?: number;
  onProgress?: (progress: PlanProgress) => void;
}

/** Codes of {@link PlanFactsWarning}. */
export const PlanFactsWarningCode = {
  /** No ledger table: planned without history (nothing was ever recorded). Rollouts are not held. */
  ledgerMissing: 'ledger-missing',
  /** The ledger (history, approvals or recalls) could not be read: every item that would roll is held. */
  ledgerUnreadable: 'ledger-unreadable',
  /** The pause flag could not be read: every item that would roll is held. */
  pauseUnreadable: 'pause-unreadable',
} as const;
export type PlanFactsWarningCode = (typeof PlanFactsWarningCode)[keyof typeof PlanFactsWarningCode];

/** A fact the pipeline could not read, and what it did about it. */
export interface PlanFactsWarning {
  code: PlanFactsWarningCode;
  message: string;
}

/** What the ledger read gave: `records` records created since `since` (null: all), no table, or an error (rollouts then held). */
export type PlanLedgerState =
  | { kind: 'ok'; records: number; since: string | null }
  | { kind: 'missing'; message: string }
  | { kind: 'unreadable'; message: string };

export interface PlannedFleet {
  fleet: Fleet;
  catalog: CatalogSnapshot;
  policy: Policy;
  /**
   * The ledger records the plan saw, newest first: every record of its history window (attempt
   * numbering reads them: {@link plannedRolloutRequests}).
   */
  records: RolloutRecord[];
  /** Which records the plan read, and why those are all it depends on. */
  history: HistoryWindow;
  plan: Plan;
  /** Per-target inspection errors (also `error` items of the plan). */
  errors: InspectionError[];
  /** Facts that could not be read; `ledger-unreadable` and `pause-unreadable` held every roll. */
  warnings: PlanFactsWarning[];
  ledger: PlanLedgerState;
}

function nodegroupKey(x: { accountId: string | null; region: string; cluster: string; nodegroup: string }) {
  return JSON.stringify([x.accountId, x.region, x.cluster, x.nodegroup]);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * Inspects every (account, region) of the config a few at once (merged in target order), reads
 * the pause flag, the approvals, the recalls and the last {@link HISTORY_PREFETCH_DAYS} of the
 * ledger meanwhile, then the rest of the plan's history window ({@link historyWindow}: every record
 * a decision can depend on, at most {@link PLAN_HISTORY_MAX_RECORDS}), and plans as of `now`. Read-only. An unreadable pause flag or
 * ledger does not fail the plan: every item that would roll is held (`state-unreadable`) and a
 * warning says why, because waves, soak, budgets and the breaker depend on them. A missing ledger
 * table means no history.
 */
/**
 * The (account, region) targets a plan of `config` as of `now` inspects, each with the plan's age
 * and follow rules: what {@link planFleet} hands its `inspect` port, in its order. A fan-out that
 * inspects elsewhere (the durable fleet scan) inspects exactly these. Pure.
 */
export function inspectionTargets(
  config: Config,
  now: Date,
  regions?: readonly string[],
): InspectionTarget[] {
  const only = regions ? new Set(regions) : null;
  const { minAmiAgeDays, denyAmis, waves, followClusterVersion } = policyFromConfig(config);
  const amiAge: AmiAgeRequest = { now: now.toISOString(), rule: { minAmiAgeDays, denyAmis, waves } };
  const follow: FollowRule = { waves, followClusterVersion };
  return fleetTargets(config)
    .filter((t) => only === null || only.has(t.region))
    .map((t) => ({ ...t, amiAge, follow }));
}

/** One target's key: its account (`self` for the deployment's own) and region. Pure. */
export function inspectionTargetKey(target: Pick<FleetTarget, 'accountId' | 'region'>): string {
  return `${target.accountId ?? 'self'}/${target.region}`;
}

export async function planFleet(ports: PlanPorts, options: PlanPipelineOptions): Promise<PlannedFleet> {
  const targets = inspectionTargets(options.config, options.now, options.regions);
  const progress = { targetsDone: 0, clustersDone: 0, clustersTotal: 0, nodegroupsDone: 0 };
  const report = (phase: PlanProgress['phase'], target: FleetTarget) =>
    options.onProgress?.({ phase, target, targetsTotal: targets.length, ...progress });
  const inspections = mapLimit(targets, options.targetConcurrency ?? TARGET_CONCURRENCY, async (target) => {
    report('inspecting', target);
    let seen = { clustersDone: 0, clustersTotal: 0, nodegroupsDone: 0 };
    const result = await ports.inspect(target, (p) => {
      progress.clustersDone += p.clustersDone - seen.clustersDone;
      progress.clustersTotal += p.clustersTotal - seen.clustersTotal;
      progress.nodegroupsDone += p.nodegroupsDone - seen.nodegroupsDone;
      seen = { ...p };
      report('cluster', target);
    });
    progress.targetsDone += 1;
    report('inspected', target);
    return result;
  });
  const warnings: PlanFactsWarning[] = [];
  const isMissing = ports.isLedgerMissing ?? (() => false);
  // The history window depends on the fleet (the candidates' targets). Its recent part (the last
  // HISTORY_PREFETCH_DAYS) is read while the fleet is inspected, the rest once the window is known;
  // the pause flag, approvals and recalls are read meanwhile.
  const windowOf = (list: Inspection[]): HistoryWindow => {
    const merged = mergeInspections(list);
    const own = historyWindow(
      candidateTargets(merged.fleet, merged.catalog, policyFromConfig(options.config), options.now),
      options.now,
    );
    const asked = options.historySince?.toISOString() ?? null;
    return own.since === null || asked === null || asked >= own.since ? own : { ...own, since: asked };
  };
  const windowed = inspections.then(windowOf);
  const prefetchSince = new Date(options.now.getTime() - HISTORY_PREFETCH_DAYS * 86_400_000).toISOString();
  const prefetched = ports.ledger.listHistory({ since: prefetchSince, limit: PLAN_HISTORY_MAX_RECORDS + 1 });
  // Awaited below; this keeps a failure from going unhandled while the inspections still run.
  prefetched.catch(() => undefined);
  const readHistory = async (window: HistoryWindow): Promise<RolloutRecord[]> => {
    const tooMany = () =>
      new Error(
        `the ledger holds more than ${PLAN_HISTORY_MAX_RECORDS.toLocaleString('en-US')} rollout records since ${window.since ?? 'it began'} (${describeBasis(window)}); planning on part of them is not safe`,
      );
    const recent = await prefetched;
    if (recent.length > PLAN_HISTORY_MAX_RECORDS) throw tooMany();
    let records: RolloutRecord[];
    if (window.since !== null && window.since >= prefetchSince) {
      const since = window.since;
      records = recent.filter((r) => r.createdAt >= since);
    } else {
      const older = await ports.ledger.listHistory({
        ...(window.since === null ? {} : { since: window.since }),
        until: prefetchSince,
        limit: PLAN_HISTORY_MAX_RECORDS + 1 - recent.length,
      });
      // Newest first: the prefetched records, then the older ones (once each).
      const seen = new Set(recent.map((r) => r.key));
      records = [...recent, ...older.filter((r) => !seen.has(r.key))];
    }
    if (records.length > PLAN_HISTORY_MAX_RECORDS) throw tooMany();
    return records;
  };
  const [inspected, window, pause, history, approvals, recalls] = await Promise.all([
    inspections,
    windowed,
    ports.pause.read().then(
      (p) => ({ ok: true as const, value: p }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
    windowed.then(readHistory).then(
      (records) => ({ ok: true as const, value: records }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
    ports.approvals.list().then(
      (list) => ({ ok: true as const, value: list }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
    ports.recalls.list().then(
      (list) => ({ ok: true as const, value: list }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
  ]);
  const { fleet, catalog } = mergeInspections(inspected);

  let paused: PauseState | null = null;
  if (pause.ok) {
    paused = pause.value.paused
      ? { reason: pause.value.reason, by: pause.value.by ?? null, at: pause.value.at ?? null }
      : null;
  } else {
    warnings.push({
      code: PlanFactsWarningCode.pauseUnreadable,
      message: `pause flag unreadable, every rollout held: ${messageOf(pause.error)}`,
    });
  }

  let ledger: PlanLedgerState;
  const reads = [history, approvals, recalls];
  const failed = reads.find((r) => !r.ok);
  if (failed === undefined || failed.ok) {
    ledger = {
      kind: 'ok',
      records: history.ok ? history.value.length : 0,
      since: window.since,
    };
  } else if (reads.every((r) => r.ok || isMissing(r.error))) {
    ledger = { kind: 'missing', message: `ledger table not found: ${messageOf(failed.error)}` };
    warnings.push({
      code: PlanFactsWarningCode.ledgerMissing,
      message: 'ledger table not found: planning without rollout history',
    });
  } else {
    const unreadable = reads.find((r) => !r.ok && !isMissing(r.error));
    const message = messageOf(unreadable && !unreadable.ok ? unreadable.error : failed.error);
    ledger = { kind: 'unreadable', message };
    warnings.push({
      code: PlanFactsWarningCode.ledgerUnreadable,
      message: `ledger unreadable, every rollout held: ${message}`,
    });
  }

  const records = history.ok && ledger.kind === 'ok' ? history.value : [];
  const unreadable = warnings
    .filter((w) => w.code !== PlanFactsWarningCode.ledgerMissing)
    .map((w) =>
      w.code === PlanFactsWarningCode.pauseUnreadable ? 'the pause flag' : 'the ledger (rollout history)',
    );
  const policy = policyFromConfig(options.config, {
    paused,
    history: rolloutFactsFromRecords(records, fleet, catalog),
    approvals: approvals.ok && ledger.kind === 'ok' ? approvals.value : [],
    recalls: recalls.ok && ledger.kind === 'ok' ? recalls.value : [],
    ignoreWindow: options.ignoreWindow ?? false,
    unreadable,
  });
  return {
    fleet,
    catalog,
    policy,
    records,
    history: window,
    plan: plan(fleet, catalog, policy, options.now),
    errors: fleet.errors,
    warnings,
    ledger,
  };
}

/** What set a history window's start, for messages: `20261110 (al2023) created 2026-11-10T…`. Pure. */
function describeBasis(window: HistoryWindow): string {
  const b = window.basis;
  if (b.kind === 'target') return `the oldest target, ${b.release} (${b.family}), was created ${b.createdAt}`;
  if (b.kind === 'target-undated') return `the target ${b.release} (${b.family}) has no creation date`;
  return 'rollouts started in the last two days';
}

/** Whether the pause flag or the ledger was unreadable, so every rollout was held. Pure. */
export function factsUnreadable(planned: Pick<PlannedFleet, 'warnings'>): boolean {
  return planned.warnings.some((w) => w.code !== PlanFactsWarningCode.ledgerMissing);
}

/**
 * The rollout request of each `roll` item, numbered with the attempt the ledger records call for
 * ({@link requestWithAttempt}), stamped with `runId` when new to the ledger, retiring old
 * launch-template versions per the config. The scan and `roll --apply` both use it. Pure.
 */
export function plannedRolloutRequests(
  planned: Pick<PlannedFleet, 'fleet' | 'catalog' | 'plan' | 'policy' | 'records'>,
  options: { runId: string; config: Pick<Config, 'launchTemplateVersions'> },
): Array<{ item: PlanItem; request: RolloutRequest }> {
  const launchTemplateOf = launchTemplateLookup(planned.fleet);
  const nodegroups = new Map(planned.fleet.nodegroups.map((ng) => [nodegroupKey(ng), ng]));
  const context = {
    history: recordsByKey(planned.records),
    familyOf: (item: PlanItem) => {
      const ng = nodegroups.get(nodegroupKey(item));
      return ng ? releaseLineOf(ng, planned.catalog) : null;
    },
    waves: planned.policy.waves,
    forgiven: (item: PlanItem, record: RolloutRecord) => {
      const family = context.familyOf(item);
      const release = family === null ? null : releaseIdentity(family, record.to);
      if (family === null || release === null) return false;
      const at = Date.parse(record.finishedAt ?? record.createdAt);
      const approvals = planned.policy.approvals ?? [];
      return failureForgiven(approvals, item, family, release, item.wave, Number.isNaN(at) ? null : at);
    },
    runId: options.runId,
    versionRetention: {
      keep: options.config.launchTemplateVersions?.keep ?? DEFAULT_KEEP_LAUNCH_TEMPLATE_VERSIONS,
      usersOf: launchTemplateUsersLookup(planned.fleet),
    },
  };
  const out: Array<{ item: PlanItem; request: RolloutRequest }> = [];
  for (const item of planned.plan.items) {
    const request = requestWithAttempt(item, launchTemplateOf(item), context);
    if (request !== null) out.push({ item, request });
  }
  return out;
}

import {
  type AwsClients,
  createApprovalStore,
  createClients,
  createLedger,
  createTargetClientCache,
  DEFAULT_LEDGER_TABLE,
  describeAwsError,
  homeRegion,
  type InspectFleetResult,
  inspectTarget,
  mapLimit,
  pauseParameterName,
  quietLogger,
  readPauseState,
  rolesOf,
  TARGET_CONCURRENCY,
} from '@nodekeeper/aws';
import {
  type CatalogSnapshot,
  type Config,
  type Fleet,
  type FleetTarget,
  fleetTargets,
  mergeInspections,
  type Plan,
  type PolicyFacts,
  plan,
  policyFromConfig,
  type RolloutRecord,
  rolloutFactsFromRecords,
} from '@nodekeeper/core';
import type { CommandContext } from './types/index.ts';

/** At most this many ledger records feed wave gates, budgets and the breaker. */
const HISTORY_LIMIT = 1000;

/** Region of the ledger table and the pause parameter: the composition root's one rule. Pure. */
export function homeRegionOf(env: CommandContext['env'], config: Config): string {
  return homeRegion(env, config);
}

function missingTable(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? describeAwsError(error).code;
  return code === 'ResourceNotFoundException';
}

/**
 * The run-time facts of a plan: the pause flag (SSM), rollout history and approvals (ledger
 * table), read with the caller's credentials in the home region. Read-only. A ledger table that
 * does not exist means no history; other failures are reported through `warn` and the plan goes
 * on without those facts. `plan` and `roll` both plan with these facts.
 */
export async function readPlanFacts(
  env: CommandContext['env'],
  fleet: Fleet,
  catalog: CatalogSnapshot,
  options: {
    homeRegion: string;
    warn: (line: string) => void;
    note: (line: string) => void;
    clients?: AwsClients;
    /** Receives the ledger records read (e.g. to number rollout attempts). */
    onRecords?: (records: RolloutRecord[]) => void;
  },
): Promise<PolicyFacts> {
  const clients = options.clients ?? createClients({ region: options.homeRegion });
  const table = env.NODEKEEPER_LEDGER_TABLE ?? DEFAULT_LEDGER_TABLE;
  const facts: PolicyFacts = {};
  try {
    const [paused, records, approvals] = await Promise.allSettled([
      readPauseState(clients.ssm, pauseParameterName(env)),
      createLedger(clients.dynamodb, { tableName: table }).listHistory({ limit: HISTORY_LIMIT }),
      createApprovalStore(clients.dynamodb, { tableName: table }).list(),
    ]);
    if (paused.status === 'fulfilled') facts.paused = paused.value;
    else options.warn(`pause flag unreadable, planning as not paused: ${(paused.reason as Error).message}`);
    if (records.status === 'fulfilled') {
      facts.history = rolloutFactsFromRecords(records.value, fleet, catalog);
      options.onRecords?.(records.value);
    } else if (missingTable(records.reason))
      options.note(`ledger table ${table} not found: planning without rollout history`);
    else
      options.warn(
        `ledger unreadable, planning without rollout history: ${(records.reason as Error).message}`,
      );
    if (approvals.status === 'fulfilled') facts.approvals = approvals.value;
    else if (!missingTable(approvals.reason))
      options.warn(
        `approvals unreadable, planning without approvals: ${(approvals.reason as Error).message}`,
      );
  } finally {
    if (!options.clients) clients.destroy();
  }
  return facts;
}

export interface PlanRunOptions {
  config: Config;
  /** Regions to scan; default: the config's. */
  regions?: string[];
  now: Date;
  /** Facts known up front (e.g. `ignoreWindow`); they win over what `readFacts` returns. */
  facts?: PolicyFacts;
  /** Reads the run-time facts once the fleet is known (see `readPlanFacts`). */
  readFacts?: (fleet: Fleet, catalog: CatalogSnapshot) => Promise<PolicyFacts>;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
}

export interface PlanRun {
  fleet: Fleet;
  catalog: CatalogSnapshot;
  plan: Plan;
}

/**
 * Inspects every (account, region) of the config: the caller's own account in `regions`, or each
 * target through its role (the caller must be allowed to assume it), a few at once. Reads the
 * run-time facts (`readFacts`) and plans. Read-only: makes no mutating AWS call. Inspection
 * failures (a role that cannot be assumed included) become `error` items; they never abort the plan.
 */
export async function inspectAndPlan(options: PlanRunOptions): Promise<PlanRun> {
  const only = options.regions ? new Set(options.regions) : null;
  const targets = fleetTargets(options.config).filter((t) => only === null || only.has(t.region));
  const clients = createTargetClientCache({
    homeRegion: options.config.regions[0] ?? 'us-east-1',
    roles: rolesOf(targets),
  });
  const where = (t: FleetTarget) => (t.accountId ? `${t.accountId}/${t.region}` : t.region);
  let results: InspectFleetResult[];
  try {
    // Merged in target order, so the output is deterministic.
    results = await mapLimit(targets, TARGET_CONCURRENCY, async (t) => {
      options.progress?.(`inspecting ${where(t)}…`);
      // Inspection failures become `error` items; no JSON log lines on the terminal.
      const result = await inspectTarget(clients, t, { logger: quietLogger() });
      options.progress?.(
        `inspected ${where(t)}: ${result.fleet.nodegroups.length} node groups, ${result.fleet.errors.length} errors`,
      );
      return result;
    });
  } finally {
    clients.destroy();
  }
  const { fleet, catalog } = mergeInspections(results);
  const read = options.readFacts ? await options.readFacts(fleet, catalog) : {};
  const policy = policyFromConfig(options.config, { ...read, ...options.facts });
  return { fleet, catalog, plan: plan(fleet, catalog, policy, options.now) };
}

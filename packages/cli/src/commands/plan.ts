import {
  type AwsClients,
  createApprovalStore,
  createClients,
  createLedger,
  DEFAULT_LEDGER_TABLE,
  describeAwsError,
  pauseParameterName,
  readPauseState,
} from '@nodekeeper/aws';
import {
  type CatalogSnapshot,
  type Fleet,
  type PolicyFacts,
  plan,
  policyFromConfig,
  rolloutFactsFromRecords,
} from '@nodekeeper/core';
import { parseFlags, parseIsoFlag } from '../args.ts';
import { loadConfigFile } from '../config.ts';
import { inspectAndPlan } from '../engine.ts';
import { toJson } from '../output.ts';
import { renderPlanTable } from '../render.ts';
import { type Command, type CommandContext, ExitCode } from '../types/index.ts';

/** At most this many ledger records feed wave gates, budgets and the breaker. */
const HISTORY_LIMIT = 1000;

function missingTable(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? describeAwsError(error).code;
  return code === 'ResourceNotFoundException';
}

/**
 * The run-time facts of a plan: the pause flag (SSM), rollout history and approvals (ledger
 * table), read with the caller's credentials in the home region. Read-only. A ledger table that
 * does not exist means no history; other failures are reported through `warn` and the plan goes
 * on without those facts.
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
    if (records.status === 'fulfilled')
      facts.history = rolloutFactsFromRecords(records.value, fleet, catalog);
    else if (missingTable(records.reason))
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

export const planCommand: Command = {
  name: 'plan',
  summary: 'Show what nodekeeper would roll, and why it skips the rest (read-only)',
  usage: `Usage: nodekeeper plan [--config FILE] [--region R] [--now ISO] [--ignore-window] [--json]

Inspects the configured clusters (EKS, EC2 launch templates, SSM public AMI parameters, EC2
images) with your AWS credentials and prints, per node group, roll / current / skip with the
reason. It also reads the pause flag (SSM parameter NODEKEEPER_PAUSE_PARAMETER, default
/nodekeeper/default/paused) and the ledger (DynamoDB table NODEKEEPER_LEDGER_TABLE, default
${DEFAULT_LEDGER_TABLE}: rollout history and approvals) for wave gates, budgets and the circuit
breaker. It never makes a mutating AWS call.

Options:
  --config FILE     config file (default: ./nodekeeper.config.json)
  --region R        plan only this region (repeatable; default: the config's regions)
  --now ISO         plan as of another time, e.g. 2026-11-24T03:00:00Z ("what happens on Tuesday")
  --ignore-window   plan as if inside the maintenance window (CLI only; the scheduled scan never does)
  --json            print the plan contract as JSON (see docs/plan.md)
  -h, --help        show this help

Exit codes: 0 ok; 1 AWS errors (the plan still prints, with 'error' items); 2 bad input or config.
AWS access uses the SDK's default credentials and AWS_ENDPOINT_URL if set.
`,
  async run(args, ctx) {
    const { values } = parseFlags(args, {
      config: { type: 'string' },
      region: { type: 'string', multiple: true },
      now: { type: 'string' },
      'ignore-window': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const now = parseIsoFlag('now', values.now) ?? new Date();
    const config = await loadConfigFile(values.config, ctx.cwd);
    const log = (line: string) => ctx.stderr(`${line}\n`);
    const run = await inspectAndPlan({
      config,
      now,
      ...(values.region ? { regions: values.region } : {}),
      ...(values.json ? {} : { progress: log }),
    });
    const homeRegion = ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION ?? config.regions[0] ?? 'us-east-1';
    const facts = await readPlanFacts(ctx.env, run.fleet, run.catalog, {
      homeRegion,
      warn: (line) => log(`warning: ${line}`),
      note: values.json ? () => undefined : log,
    });
    const policy = policyFromConfig(config, { ...facts, ignoreWindow: Boolean(values['ignore-window']) });
    const planned = plan(run.fleet, run.catalog, policy, now);
    ctx.stdout(values.json ? toJson(planned) : renderPlanTable(planned));
    return run.fleet.errors.length > 0 ? ExitCode.awsError : ExitCode.ok;
  },
};

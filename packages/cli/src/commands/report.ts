import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  buildClients,
  createPatchLedger,
  DEFAULT_LEDGER_TABLE,
  describeAwsError,
  homeRegion,
} from '@nodekeeper/aws';
import type { Config } from '@nodekeeper/core/config';
import type { PlanLedgerState } from '@nodekeeper/core/plan';
import {
  buildReport,
  type LedgerStatus,
  type Report,
  type ReportPatch,
  type ReportWindow,
  renderReportHtml,
  renderReportTable,
  reportPatchesOf,
  type WindowAfter,
} from '@nodekeeper/core/report';
import { nextWindows } from '@nodekeeper/core/safety';
import { parseFlags, parseIsoFlag } from '../args.ts';
import { HOME_REGION_HELP, loadConfig } from '../config.ts';
import { planForCli } from '../engine.ts';
import { UsageError } from '../errors.ts';
import { toJson } from '../output.ts';
import { type Command, ExitCode } from '../types/index.ts';

/** Output formats of `nodekeeper report`. */
export const ReportFormat = { table: 'table', json: 'json', html: 'html' } as const;
export type ReportFormat = (typeof ReportFormat)[keyof typeof ReportFormat];

/** The most patch commands the report reads (newest first). */
const REPORT_PATCH_COMMANDS = 5000;

/**
 * Days of rollout records the report reads at least (last rollout per node group, the timeline),
 * besides every record of the plan's own history window.
 */
export const REPORT_HISTORY_DAYS = 90;

/**
 * The patch commands for the timeline and the instance counts, newest first, at most
 * {@link REPORT_PATCH_COMMANDS}. Instances patched come
 * from each command's per-instance results, not from patch runs. When they cannot be read, `warn`
 * says why and the report shows none. Read-only.
 */
async function readPatchCommands(
  env: Record<string, string | undefined>,
  region: string,
  warn: (line: string) => void,
): Promise<ReportPatch[]> {
  const table = env.NODEKEEPER_LEDGER_TABLE ?? DEFAULT_LEDGER_TABLE;
  const clients = buildClients(null, { homeRegion: region })(null, region);
  try {
    const commands = await createPatchLedger(clients.dynamodb, { tableName: table }).listCommands({
      limit: REPORT_PATCH_COMMANDS,
    });
    return reportPatchesOf(commands);
  } catch (error) {
    const { code, message } = describeAwsError(error);
    warn(`warning: patch commands unreadable in ${table}: ${code}: ${message}`);
    return [];
  } finally {
    clients.destroy();
  }
}

/** The report's view of the ledger the plan pipeline read. Pure. */
function ledgerStatusOf(ledger: PlanLedgerState, table: string): LedgerStatus {
  if (ledger.kind === 'ok') return { kind: 'ok', table, records: ledger.records };
  if (ledger.kind === 'missing') return { kind: 'missing', table, message: ledger.message };
  return { kind: 'error', table, message: ledger.message };
}

/**
 * The next maintenance window (Safety's `nextWindows`: EventBridge cron in the schedule's time
 * zone, overlapping fires merged) still open at or after a given time; null without a schedule.
 * A window open at that time comes back with its real opening time. Pure.
 */
export function windowEvaluator(config: Config): WindowAfter | null {
  const schedule = config.schedule;
  if (!schedule) return null;
  return (from: Date): ReportWindow | null => {
    const [next] = nextWindows(schedule, from, 1);
    return next ? { start: next.opensAt.toISOString(), end: next.closesAt.toISOString() } : null;
  };
}

export interface GenerateReportOptions {
  config: Config;
  now: Date;
  env: Record<string, string | undefined>;
  progress?: (line: string) => void;
  /** Days of activity in the timeline (default 30). */
  timelineDays?: number;
  /** Patch commands for the timeline; default: the patch ledger's. */
  patches?: readonly ReportPatch[];
}

/**
 * Inspects the fleet, plans, reads the ledger and builds the report. Read-only: no mutating AWS
 * call. Inspection errors become `error` items; a missing ledger table becomes "no ledger".
 */
export async function generateReport(
  options: GenerateReportOptions,
): Promise<{ report: Report; errors: number }> {
  const progress = options.progress ?? (() => undefined);
  // The scan's and `plan`'s pipeline (pause flag, ledger history, approvals), so the report's plan matches them.
  const run = await planForCli({
    config: options.config,
    env: options.env,
    homeRegion: homeRegion(options.env, options.config),
    now: options.now,
    // The last rollout of every node group and the timeline: at least the last 90 days.
    historySince: new Date(
      options.now.getTime() - Math.max(REPORT_HISTORY_DAYS, options.timelineDays ?? 0) * 86_400_000,
    ),
    ...(options.progress ? { progress: options.progress } : {}),
    warn: (line) => progress(`warning: ${line}`),
    note: progress,
  });
  const table = options.env.NODEKEEPER_LEDGER_TABLE ?? DEFAULT_LEDGER_TABLE;
  const ledger = ledgerStatusOf(run.ledger, table);
  options.progress?.(
    ledger.kind === 'ok'
      ? `read ${run.records.length} ledger records from ${table}`
      : `no ledger: ${ledger.message}`,
  );
  const patches =
    options.patches ??
    (ledger.kind === 'ok'
      ? await readPatchCommands(options.env, homeRegion(options.env, options.config), progress)
      : []);
  const report = buildReport({
    fleet: run.fleet,
    catalog: run.catalog,
    plan: run.plan,
    // The policy the plan was made with: its recalls list the node groups running a recalled image.
    policy: run.policy,
    history: run.records,
    ledger,
    windowAfter: windowEvaluator(options.config),
    ...(options.timelineDays ? { timelineDays: options.timelineDays } : {}),
    patches,
  });
  return { report, errors: run.fleet.errors.length };
}

/** Renders `report` in `format`. Pure. */
export function renderReport(report: Report, format: ReportFormat): string {
  if (format === ReportFormat.json) return toJson(report);
  if (format === ReportFormat.html) return renderReportHtml(report);
  return renderReportTable(report);
}

/**
 * Writes the HTML report for the fleet the AWS SDK reaches (AWS_ENDPOINT_URL for the sandbox) and
 * returns the file's absolute path. For `npm run demo`. Read-only towards AWS.
 */
export async function writeHtmlReport(options: {
  configFile: string;
  outFile: string;
  cwd?: string;
  now?: Date;
  env?: Record<string, string | undefined>;
}): Promise<string> {
  const cwd = options.cwd ?? process.cwd();
  const config = loadConfig({ env: options.env ?? process.env, cwd }, options.configFile);
  const { report } = await generateReport({
    config,
    now: options.now ?? new Date(),
    env: options.env ?? process.env,
  });
  const file = resolve(cwd, options.outFile);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, renderReportHtml(report), 'utf8');
  return file;
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'Fleet freshness report: AMI ages, days behind, last rollouts, why groups wait (read-only)',
  usage: `Usage: nodekeeper report [--config FILE] [--now ISO] [--format table|json|html] [--out FILE]

For every node group: the current release/AMI and its age, the latest available and days behind,
its end of life (an AMI family without new images, days to the running image's EC2
DeprecationTime) and EKS update strategy and max unavailable, the wave, the last rollout from the
ledger with its outcome (of the last 90 days, or older when the plan reads it), and the next
window in which it would roll, with the reason it waits.
The html format is one self-contained file (no network fetches): a heat map of AMI age per
cluster, a timeline of recent rollouts and patches, the holds and the end-of-life notices
explained. It never makes a mutating AWS call.

Options:
  --config FILE   config file (default: ./nodekeeper.config.json)
  --now ISO       report as of another time, e.g. 2026-11-24T03:00:00Z
  --format F      table (default), json (the report data) or html
  --out FILE      write to FILE instead of standard output (prints the path)
  -h, --help      show this help

The ledger is the DynamoDB table NODEKEEPER_LEDGER_TABLE (default ${DEFAULT_LEDGER_TABLE}) in
${HOME_REGION_HELP}; when it does not exist the report says "no ledger" and goes on.
Exit codes: 0 ok; 1 AWS errors (the report still prints, with 'error' items); 2 bad input or config.
`,
  async run(args, ctx) {
    const { values } = parseFlags(args, {
      config: { type: 'string' },
      now: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
    });
    const format = (values.format ?? ReportFormat.table) as ReportFormat;
    if (!Object.values(ReportFormat).includes(format)) {
      throw new UsageError(`--format must be table, json or html (got '${values.format}')`);
    }
    const now = parseIsoFlag('now', values.now) ?? new Date();
    const config = loadConfig(ctx, values.config);
    const quiet = format !== ReportFormat.table && values.out === undefined;
    const { report, errors } = await generateReport({
      config,
      now,
      env: ctx.env,
      ...(quiet ? {} : { progress: (line: string) => ctx.stderr(`${line}\n`) }),
    });
    const text = renderReport(report, format);
    if (values.out === undefined) {
      ctx.stdout(text);
    } else {
      const file = resolve(ctx.cwd, values.out);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text, 'utf8');
      ctx.stdout(`${file}\n`);
    }
    return errors > 0 ? ExitCode.awsError : ExitCode.ok;
  },
};

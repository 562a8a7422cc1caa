import { randomUUID } from 'node:crypto';
import {
  createLedger,
  createLedgerTable,
  createPausePort,
  createRolloutPort,
  createRunLedger,
  createTargetClientCache,
  DEFAULT_LEDGER_TABLE,
  DEFAULT_PAUSE_PARAMETER,
  pauseParameterName,
  rolesOf,
} from '@nodekeeper/aws';
import {
  DEFAULT_KEEP_LAUNCH_TEMPLATE_VERSIONS,
  fleetTargets,
  launchTemplateLookup,
  launchTemplateUsersLookup,
  type NotifyPort,
  newRun,
  openRunThread,
  type PlanItem,
  PollSchedule,
  type PollScheduleConfig,
  policyFromConfig,
  pollScheduleFor,
  type RolloutDeps,
  type RolloutProgress,
  type RolloutRecord,
  type RolloutRequest,
  type RolloutSummary,
  recordsByKey,
  refOf,
  requestWithAttempt,
  rolloutSlackMessage,
  runRollout,
  SpokeAccess,
} from '@nodekeeper/core';
import { type Notifier, notifierFromEnv, runThreadDeps } from '@nodekeeper/slack';
import { parseFlags, parseIsoFlag } from '../args.ts';
import { loadConfigFile } from '../config.ts';
import { homeRegionOf, inspectAndPlan, readPlanFacts } from '../engine.ts';
import { UsageError } from '../errors.ts';
import { renderTable, toJson } from '../output.ts';
import { type Command, type CommandContext, ExitCode } from '../types/index.ts';

/** One line of `roll --json`. `outcome` is null for roll items without --apply. */
export interface RollItem {
  cluster: string;
  nodegroup: string;
  region: string;
  decision: PlanItem['decision'];
  outcome:
    | 'succeeded'
    | 'failed'
    | 'still-running'
    | 'started'
    | 'skipped'
    | 'current'
    | 'not-started'
    | null;
  updateId: string | null;
  reason: string | null;
  message: string;
  errors: Array<{ errorCode: string; errorMessage: string; resourceIds: string[] }>;
}

function isLoopbackEndpoint(env: CommandContext['env']): boolean {
  const url = env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL;
  if (!url) return false;
  try {
    const host = new URL(url).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
  } catch {
    return false;
  }
}

function cliNotify(notifier: Notifier | null, warn: (line: string) => void): NotifyPort {
  return async (notice) => {
    if (notifier === null) return { ok: false, error: 'slack-not-configured' };
    const result = await notifier.post(
      rolloutSlackMessage(notice),
      notice.threadTs ? { threadTs: notice.threadTs } : {},
    );
    if (!result.ok)
      warn(
        `slack: ${notice.event} notice for ${notice.request.cluster}/${notice.request.nodegroup} undeliverable (${result.error})`,
      );
    return result.ok ? { ok: true, ts: result.ts } : { ok: false, error: result.error };
  };
}

function progressLine(p: RolloutProgress): string {
  const name = `${p.request.cluster}/${p.request.nodegroup}`;
  switch (p.kind) {
    case 'started':
      return `${name}: ${p.adopted ? 'following update already in progress' : 'update started'} ${p.updateId}`;
    case 'polled':
      if (p.nextPollSeconds !== null) return `${name}: ${p.status}, next check in ${p.nextPollSeconds}s`;
      return p.status === 'InProgress'
        ? `${name}: update ${p.updateId} still running in EKS; nodekeeper stopped waiting (rollout.maxWaitHours), EKS continues`
        : `${name}: update ${p.updateId} ended ${p.status}`;
    case 'notify-failed':
      return `${name}: slack ${p.event} notice undeliverable (${p.error})`;
    case 'versions-retired':
      return retiredLine(name, p.result);
  }
}

function retiredLine(
  name: string,
  r: Extract<RolloutProgress, { kind: 'versions-retired' }>['result'],
): string {
  if (r.kind === 'error') return `${name}: launch template versions not retired (${r.message})`;
  if (r.kind === 'skipped') return `${name}: launch template versions not retired (${r.message})`;
  const failed = r.failed.map((f) => `${f.version} ${f.errorCode}`).join(', ');
  return `${name}: retired ${r.retired.length} old launch template version(s) of ${r.launchTemplateId}${
    r.retired.length > 0 ? ` (${r.retired.join(', ')})` : ''
  }${failed ? `; not deleted: ${failed}` : ''}`;
}

function itemOf(item: PlanItem, summary: RolloutSummary | null): RollItem {
  const base = {
    cluster: item.cluster,
    nodegroup: item.nodegroup,
    region: item.region,
    decision: item.decision,
    reason: item.reason,
    message: item.message,
  };
  if (item.decision === 'current') return { ...base, outcome: 'current', updateId: null, errors: [] };
  if (item.decision === 'skip') return { ...base, outcome: 'skipped', updateId: null, errors: [] };
  if (summary === null) return { ...base, outcome: null, updateId: null, errors: [] };
  return {
    ...base,
    outcome: summary.outcome,
    updateId: summary.updateId,
    reason: summary.reason ?? base.reason,
    message: summary.message || base.message,
    errors: summary.errors,
  };
}

export const rollCommand: Command = {
  name: 'roll',
  summary: 'Plan, and with --apply start (and with --wait follow) the rollouts',
  usage: `Usage: nodekeeper roll [--config FILE] [--region R] [--now ISO] [--ignore-window]
                       [--apply [--wait [--poll-seconds N]]] [--json]

It plans exactly as \`nodekeeper plan\` does: with the pause flag, the rollout history and the
approvals, so waves, soak, the maintenance window, budgets and the circuit breaker apply.
Without --apply this is the plan (read-only). With --apply it runs the same guarded start as the
scheduled workflow, locally with your AWS credentials: re-check each node group, create a launch
template version (only ImageId changed) or pick the release version, call UpdateNodegroupVersion
with an idempotency token, record the rollout in the ledger and post to Slack. With --wait it
follows every update to its end, printing progress per node group.

Running it again is safe: a rollout already recorded in the ledger is followed or reported, never
started twice, and a finished one changes nothing.

Options:
  --config FILE      config file (default: ./nodekeeper.config.json)
  --region R         only this region (repeatable; default: the config's regions)
  --now ISO          plan as of another time (planning only; the rollout itself happens now)
  --ignore-window    plan as if inside the maintenance window (waves, budgets, breaker and pause
                     still apply)
  --apply            start the rollouts
  --wait             with --apply: follow each update until it ends (60 s, backing off to 5 min,
                     for at most rollout.maxWaitHours, default 24)
  --poll-seconds N   with --wait: check every N seconds instead (e.g. against the sandbox)
  --json             print {items:[{cluster, nodegroup, decision, outcome, updateId, errors}]}
  -h, --help         show this help

Outcome: succeeded, failed, still-running (--wait stopped at rollout.maxWaitHours while EKS still
runs the update: not a failure, EKS continues and the next run plans it again), started (--apply
without --wait), not-started (the guard refused: state changed since planning, paused, or EKS runs
someone else's update), skipped, current; null for roll items without --apply.

Ledger: DynamoDB table NODEKEEPER_LEDGER_TABLE (default ${DEFAULT_LEDGER_TABLE}) in AWS_REGION. The
deployed stack creates it; the CLI creates it only when DynamoDB is a loopback endpoint
(AWS_ENDPOINT_URL[_DYNAMODB] on 127.0.0.1/localhost, i.e. the sandbox).
Pause flag: the SSM parameter NODEKEEPER_PAUSE_PARAMETER (default ${DEFAULT_PAUSE_PARAMETER}),
read when planning and again by each rollout's guard right before it starts.
Slack: posted when NODEKEEPER_SLACK_WEBHOOK_URL (or NODEKEEPER_SLACK_BOT_TOKEN + _CHANNEL) is set.

Exit codes: 0 every started rollout succeeded (or nothing to do); 3 a rollout failed;
4 none failed but one was still running in EKS when --wait stopped; 1 AWS errors; 2 bad input or config.
`,
  async run(args, ctx) {
    const { values } = parseFlags(args, {
      config: { type: 'string' },
      region: { type: 'string', multiple: true },
      now: { type: 'string' },
      'ignore-window': { type: 'boolean' },
      apply: { type: 'boolean' },
      wait: { type: 'boolean' },
      'poll-seconds': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.wait && !values.apply) throw new UsageError('--wait needs --apply');
    let cadence: PollScheduleConfig = PollSchedule;
    if (values['poll-seconds'] !== undefined) {
      const n = Number(values['poll-seconds']);
      if (!Number.isInteger(n) || n < 1 || n > 3600)
        throw new UsageError('--poll-seconds must be a whole number from 1 to 3600');
      cadence = { ...PollSchedule, initialSeconds: n, maxSeconds: n, backoffRate: 1 };
    }
    const now = parseIsoFlag('now', values.now) ?? new Date();
    const config = await loadConfigFile(values.config, ctx.cwd);
    // Waits as long as the workflow does (rollout.maxWaitHours).
    const schedule = pollScheduleFor(config.rollout.maxWaitHours, cadence);
    const log = (line: string) => ctx.stderr(`${line}\n`);
    const homeRegion = homeRegionOf(ctx.env, config);
    // Ledger records by rollout key: attempts that ended "not now" are followed by a fresh one.
    let history: ReadonlyMap<string, RolloutRecord> = new Map();
    const run = await inspectAndPlan({
      config,
      now,
      ...(values.region ? { regions: values.region } : {}),
      ...(values.json ? {} : { progress: log }),
      facts: { ignoreWindow: Boolean(values['ignore-window']) },
      readFacts: (fleet, catalog) =>
        readPlanFacts(ctx.env, fleet, catalog, {
          homeRegion,
          warn: (line) => log(`warning: ${line}`),
          note: values.json ? () => undefined : log,
          onRecords: (records) => {
            history = recordsByKey(records);
          },
        }),
    });

    const summaries = new Map<PlanItem, RolloutSummary>();
    if (values.apply) {
      // Each node group's own account (through its target's mutating role) and region.
      const clients = createTargetClientCache({
        homeRegion,
        roles: rolesOf(fleetTargets(config, SpokeAccess.write)),
      });
      const home = clients(null, homeRegion);
      const table = ctx.env.NODEKEEPER_LEDGER_TABLE ?? DEFAULT_LEDGER_TABLE;
      try {
        if (isLoopbackEndpoint(ctx.env)) await createLedgerTable(home.dynamodb, table);
        const notifier = notifierFromEnv(ctx.env);
        // Bot mode: this run gets one Slack thread (parent edited as node groups finish).
        const runs = runThreadDeps(notifier, createRunLedger(home.dynamodb, { tableName: table }));
        const deps: RolloutDeps = {
          aws: createRolloutPort((ref) => clients(ref.accountId, ref.region)),
          ledger: createLedger(home.dynamodb, { tableName: table }),
          pause: createPausePort(home.ssm, pauseParameterName(ctx.env)),
          notify: cliNotify(notifier, log),
          now: () => new Date(),
          ...(runs ? { runs } : {}),
        };
        const owner = `cli:${randomUUID()}`;
        const runId = `cli-${randomUUID()}`;
        const { waves } = policyFromConfig(config);
        const requests = new Map<PlanItem, RolloutRequest>();
        const launchTemplateOf = launchTemplateLookup(run.fleet);
        const versionRetention = {
          keep: config.launchTemplateVersions?.keep ?? DEFAULT_KEEP_LAUNCH_TEMPLATE_VERSIONS,
          usersOf: launchTemplateUsersLookup(run.fleet),
        };
        for (const item of run.plan.items) {
          const request = requestWithAttempt(item, launchTemplateOf(item), {
            history,
            waves,
            runId,
            versionRetention,
          });
          if (request !== null) requests.set(item, request);
        }
        const fresh = [...requests.values()].filter((r) => r.runId === runId);
        if (runs && fresh.length > 0) {
          const opened = await openRunThread(
            newRun(runId, 'rollout', now.toISOString(), fresh.map(refOf)),
            runs,
          );
          if (opened.kind === 'undeliverable') log(`warning: slack: run thread not opened (${opened.error})`);
        }
        await Promise.all(
          run.plan.items.map(async (item) => {
            const request = requests.get(item);
            if (request === undefined) return;
            const summary = await runRollout(request, deps, {
              owner,
              wait: Boolean(values.wait),
              schedule,
              sleep: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
              onProgress: values.json ? () => undefined : (p) => log(progressLine(p)),
            });
            summaries.set(item, summary);
          }),
        );
      } finally {
        clients.destroy();
      }
    }

    const items = run.plan.items.map((item) => itemOf(item, summaries.get(item) ?? null));
    if (values.json) {
      ctx.stdout(toJson({ items }));
    } else {
      const rows = items.map((i) => [
        `${i.cluster}/${i.nodegroup}`,
        i.decision,
        i.outcome ?? (i.decision === 'roll' ? 'planned' : '-'),
        i.updateId ?? '-',
        i.errors.length > 0 ? i.errors.map((e) => `${e.errorCode}: ${e.errorMessage}`).join('; ') : i.message,
      ]);
      ctx.stdout(`${renderTable(['NODE GROUP', 'DECISION', 'OUTCOME', 'UPDATE', 'DETAIL'], rows)}\n`);
      if (!values.apply && items.some((i) => i.decision === 'roll'))
        log('dry run: pass --apply to start these rollouts');
    }
    if (items.some((i) => i.outcome === 'failed')) return ExitCode.failed;
    if (run.fleet.errors.length > 0) return ExitCode.awsError;
    return items.some((i) => i.outcome === 'still-running') ? ExitCode.stillRunning : ExitCode.ok;
  },
};

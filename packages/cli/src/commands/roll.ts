import { randomUUID } from 'node:crypto';
import { buildClients, DEFAULT_LEDGER_TABLE, DEFAULT_PAUSE_PARAMETER } from '@nodekeeper/aws';
import { SpokeAccess } from '@nodekeeper/core/config';
import {
  factsUnreadable,
  launchTemplateLookup,
  type PlanItem,
  type PlannedFleet,
  plannedRolloutRequests,
} from '@nodekeeper/core/plan';
import {
  budgetHeld,
  PollSchedule,
  type PollScheduleConfig,
  pollScheduleFor,
  type RolloutProgress,
  type RolloutRecord,
  type RolloutRequest,
  type RolloutSummary,
  recordsByKey,
  refOf,
  rolloutKey,
  rolloutRequestFromRecord,
} from '@nodekeeper/core/rollout';
import { markRunItem, newRun, openRunThread, RunItemState } from '@nodekeeper/core/runs';
import { applyDeps, rolloutRunner } from '../apply.ts';
import { parseFlags, parseIsoFlag } from '../args.ts';
import { HOME_REGION_HELP, loadConfig } from '../config.ts';
import { homeRegionOf, planForCli } from '../engine.ts';
import { UsageError } from '../errors.ts';
import { onInterrupt, RolloutTracker } from '../interrupt.ts';
import { renderTable, toJson } from '../output.ts';
import { type Command, ExitCode } from '../types/index.ts';

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

/** The line `--wait` prints for a step of the rollout program, or null for none (`roll`, `rollback`). */
export function progressLine(p: RolloutProgress): string | null {
  const name = `${p.request.cluster}/${p.request.nodegroup}`;
  switch (p.kind) {
    case 'started':
      return `${name}: ${p.adopted ? 'following update already in progress' : 'update started'} ${p.updateId}`;
    case 'polled':
      if (p.nextPollSeconds !== null) return `${name}: ${p.status}, next check in ${p.nextPollSeconds}s`;
      return p.status === 'InProgress'
        ? `${name}: update ${p.updateId} still running in EKS; nodekeeper stopped waiting (rollout.maxWaitHours), EKS continues`
        : `${name}: update ${p.updateId} ended ${p.status}`;
    case 'poll-failed':
      return `${name}: checking update ${p.updateId} failed (${p.error}); checking again`;
    case 'notified':
      return p.result.kind === 'undeliverable'
        ? `${name}: slack ${p.event} notice undeliverable (${p.result.error})`
        : null;
    case 'guard-failed':
      return `${name}: AWS unreachable before the start (${p.error}); recorded as GuardFailed`;
    case 'not-recorded':
      return p.what === 'outcome'
        ? `${name}: the ledger did not take the outcome ${p.detail} of update ${p.updateId} (${p.error}); it stays \`started\`, a rerun records it`
        : `${name}: the ledger did not take the failure ${p.detail} (${p.error})`;
    case 'forced-retry':
      return `${name}: retrying with force after PodEvictionFailure (attempt ${p.request.attempt})`;
    case 'versions-retired':
      return retiredLine(name, p.result);
    case 'guard':
    case 'continuation':
    case 'start':
    case 'busy':
    case 'recorded':
    case 'outcome':
      return null;
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

const EKS_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;

/** `cluster/nodegroup` as typed on the command line; throws UsageError otherwise. */
export function parseNodegroupSelector(value: string): { cluster: string; nodegroup: string } {
  const [cluster, nodegroup, ...rest] = value.split('/');
  if (
    cluster === undefined ||
    nodegroup === undefined ||
    rest.length > 0 ||
    !EKS_NAME.test(cluster) ||
    !EKS_NAME.test(nodegroup)
  ) {
    throw new UsageError(`expected <cluster>/<nodegroup> with EKS names (got '${value}')`);
  }
  return { cluster, nodegroup };
}

/** The same node group (an account left unset on either side is the home account). */
function sameNodegroup(
  a: Pick<PlanItem, 'accountId' | 'region' | 'cluster' | 'nodegroup'>,
  b: Pick<RolloutRecord, 'accountId' | 'region' | 'cluster' | 'nodegroup'>,
): boolean {
  return (
    (a.accountId === b.accountId || a.accountId === null || b.accountId === null) &&
    a.region === b.region &&
    a.cluster === b.cluster &&
    a.nodegroup === b.nodegroup
  );
}

/**
 * Whether a later round's line for a node group replaces an earlier one: a node group the budget
 * held (skipped) or that was only planned takes its later outcome; one that ran keeps its outcome
 * when a later plan just finds it current or skipped. Pure.
 */
function laterReplaces(earlier: RollItem, later: RollItem): boolean {
  if (earlier.outcome === 'skipped' || earlier.outcome === null) return true;
  return later.outcome !== 'current' && later.outcome !== 'skipped';
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
  // A summary for a `current` or `skip` item is a rollout an earlier run started, followed to its end.
  if (summary === null && item.decision === 'current')
    return { ...base, outcome: 'current', updateId: null, errors: [] };
  if (summary === null && item.decision === 'skip')
    return { ...base, outcome: 'skipped', updateId: null, errors: [] };
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
                       [--nodegroup CLUSTER/NODEGROUP] [--apply [--wait [--poll-seconds N]]] [--json]

It plans exactly as \`nodekeeper plan\` does: with the pause flag, the rollout history and the
approvals, so waves, soak, the maintenance window, budgets and the circuit breaker apply.
Without --apply this is the plan (read-only). With --apply it runs the same guarded start as the
scheduled workflow, locally with your AWS credentials: re-check each node group, create a launch
template version (only ImageId changed) or pick the release version, call UpdateNodegroupVersion
with an idempotency token, record the rollout in the ledger and post to Slack. With --wait it
follows every update to its end, printing progress per node group.

A window keeps rolling: with --wait, when the plan held node groups back only for the budget
(maxConcurrentPerCluster, maxConcurrentTotal), roll plans again as soon as its rollouts end and
starts the next ones, round after round, until nothing waits for the budget or the maintenance
window closes (then it says why it stopped). Rollouts already running always finish. The
scheduled workflow does the same with a continuation scan.

Running it again is safe: a rollout already recorded in the ledger is followed or reported, never
started twice, and a finished one changes nothing. It runs the same rollout program as the
scheduled workflow (the same steps, retries, poll schedule and failure records), in this process.

Ctrl-C stops following: it prints each update still running in EKS (node group, region, update
ID) and how to follow it, and exits 130. EKS goes on, and the ledger keeps those rollouts
\`started\`. The next \`roll --apply\` follows every \`started\` rollout of the selected node groups
by its update ID to its end in EKS, records and reports it, and starts no second update.

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
  --nodegroup C/N    only start (and show) this node group (repeatable); the plan still sees the
                     whole fleet, so waves, budgets and the breaker apply as in a full run
  --json             print {items:[{cluster, nodegroup, decision, outcome, updateId, errors}]}
  -h, --help         show this help

Outcome: succeeded, failed, still-running (--wait stopped at rollout.maxWaitHours while EKS still
runs the update: not a failure, EKS continues and the next run plans it again), started (--apply
without --wait), not-started (the guard refused: state changed since planning, paused, or EKS runs
someone else's update), skipped, current; null for roll items without --apply.

Ledger: DynamoDB table NODEKEEPER_LEDGER_TABLE (default ${DEFAULT_LEDGER_TABLE}) in
${HOME_REGION_HELP}. The deployed stack creates it (the sandbox creates its own).
Pause flag: the SSM parameter NODEKEEPER_PAUSE_PARAMETER (default ${DEFAULT_PAUSE_PARAMETER}),
read when planning and again by each rollout's guard right before it starts.
Slack: posted when NODEKEEPER_SLACK_WEBHOOK_URL (or NODEKEEPER_SLACK_BOT_TOKEN + _CHANNEL) is set.

Exit codes: 0 every started rollout succeeded (or nothing to do); 3 a rollout failed;
4 none failed but one was still running in EKS when --wait stopped; 1 AWS errors; 2 bad input or config;
130 interrupted (Ctrl-C).
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
      nodegroup: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    });
    if (values.wait && !values.apply) throw new UsageError('--wait needs --apply');
    const only = (values.nodegroup ?? []).map(parseNodegroupSelector);
    // The plan is the fleet's (waves, budgets and the breaker see every node group); --nodegroup
    // limits what starts and what is shown.
    const selected = (item: Pick<PlanItem, 'cluster' | 'nodegroup'>) =>
      only.length === 0 || only.some((o) => o.cluster === item.cluster && o.nodegroup === item.nodegroup);
    let cadence: PollScheduleConfig = PollSchedule;
    if (values['poll-seconds'] !== undefined) {
      const n = Number(values['poll-seconds']);
      if (!Number.isInteger(n) || n < 1 || n > 3600)
        throw new UsageError('--poll-seconds must be a whole number from 1 to 3600');
      cadence = { ...PollSchedule, initialSeconds: n, maxSeconds: n, backoffRate: 1 };
    }

    const now = parseIsoFlag('now', values.now) ?? new Date();
    const startedMs = Date.now();
    const config = loadConfig(ctx, values.config);
    // Waits as long as the workflow does (rollout.maxWaitHours).
    const schedule = pollScheduleFor(config.rollout.maxWaitHours, cadence);
    const log = (line: string) => ctx.stderr(`${line}\n`);
    const homeRegion = homeRegionOf(ctx.env, config);
    // The scan's pipeline (same facts, history limit and holds as `plan` and the scheduled scan).
    // Rounds after the first plan as of `--now` plus the time spent so far (like a continuation scan).
    const planAt = (at: Date) =>
      planForCli({
        config,
        env: ctx.env,
        homeRegion,
        now: at,
        ...(values.region ? { regions: values.region } : {}),
        ...(values.json ? {} : { progress: log }),
        ignoreWindow: Boolean(values['ignore-window']),
        warn: (line) => log(`warning: ${line}`),
        note: values.json ? () => undefined : log,
      });
    // One run (one Slack thread) and one owner for every round of this command.
    const owner = `cli:${randomUUID()}`;
    const runId = `cli-${randomUUID()}`;
    /** Starts (and with --wait follows) one plan's rollouts; the items with their outcomes. */
    async function applyRound(run: PlannedFleet, round: number) {
      // Ledger records by rollout key (the records the plan saw).
      const history = recordsByKey(run.records);

      const summaries = new Map<PlanItem, RolloutSummary>();
      // Rollouts an earlier run started and stopped following, followed here to their end.
      const followed: Array<{ item: PlanItem; summary: RolloutSummary }> = [];
      let unfinished = 0;
      let removeInterrupt: () => void = () => undefined;
      if (values.apply) {
        // Each node group's own account (through its target's mutating role) and region.
        const clients = buildClients(config, { homeRegion, access: SpokeAccess.write });
        const table = ctx.env.NODEKEEPER_LEDGER_TABLE ?? DEFAULT_LEDGER_TABLE;
        try {
          // Bot mode: this run gets one Slack thread (parent edited as node groups finish), and a
          // `roll --apply` run again after a crash finds the notices it already posted.
          const { deps, runs } = applyDeps({ env: ctx.env, config, clients, homeRegion, table });
          const { waves } = run.policy;
          // Numbered by the scan's own function: attempts that ended "not now" are followed by a fresh one.
          const requests = new Map<PlanItem, RolloutRequest>(
            plannedRolloutRequests(run, { runId, config })
              .filter((r) => selected(r.item))
              .map((r) => [r.item, r.request]),
          );
          const launchTemplateOf = launchTemplateLookup(run.fleet);
          const fresh = [...requests.values()].filter((r) => r.runId === runId);
          if (runs && fresh.length > 0 && round === 1) {
            const opened = await openRunThread(
              newRun(runId, 'rollout', now.toISOString(), fresh.map(refOf)),
              runs,
            );
            if (opened.kind === 'undeliverable')
              log(`warning: slack: run thread not opened (${opened.error})`);
          } else if (runs) {
            // A later round goes on in the same run: its parent message lists what this round adds.
            for (const r of fresh)
              await markRunItem(runId, { ...refOf(r), state: RunItemState.pending }, runs);
          }
          // Every `started` record of these node groups that no request resumes (an interrupted run,
          // or --apply without --wait): followed by its recorded update ID, never started again.
          const planned = new Set([...requests.values()].map((r) => rolloutKey(r)));
          const followUps: Array<{ item: PlanItem; request: RolloutRequest }> = [];
          for (const record of history.values()) {
            if (record.outcome !== 'started' || record.updateId === null || planned.has(record.key)) continue;
            const item = run.plan.items.find((i) => sameNodegroup(i, record));
            if (item === undefined || !selected(item)) continue;
            const wave = waves.find((w) => w.name === record.wave);
            followUps.push({
              item,
              request: rolloutRequestFromRecord(record, {
                launchTemplate: launchTemplateOf(item),
                forceOnPodEvictionFailure: wave?.forceOnPodEvictionFailure === true,
              }),
            });
          }
          // Ctrl-C: say what still runs in EKS and how to follow it, then exit 130.
          const tracker = new RolloutTracker();
          const rerun = ['nodekeeper roll', ...args, ...(values.wait ? [] : ['--wait'])].join(' ');
          removeInterrupt = onInterrupt(async () => {
            await tracker.settleStarts(5000);
            ctx.stderr(tracker.report(rerun));
            return ExitCode.interrupted;
          });
          const runOne = rolloutRunner({
            deps,
            tracker,
            owner,
            wait: Boolean(values.wait),
            schedule,
            json: Boolean(values.json),
            log,
            progressLine,
            onUnfinished: () => {
              unfinished += 1;
            },
          });
          await Promise.all([
            ...run.plan.items.map(async (item) => {
              const request = requests.get(item);
              if (request === undefined) return;
              const summary = await runOne(request);
              if (summary !== null) summaries.set(item, summary);
            }),
            ...followUps.map(async ({ item, request }) => {
              const summary = await runOne(request);
              if (summary !== null) followed.push({ item, summary });
            }),
          ]);
        } finally {
          removeInterrupt();
          clients.destroy();
        }
      }

      const followedOf = (item: PlanItem) => {
        const mine = followed.filter((f) => f.item === item).map((f) => f.summary);
        return mine.find((f) => f.outcome === 'failed') ?? mine[0] ?? null;
      };
      return {
        items: run.plan.items
          .filter(selected)
          .map((item) => itemOf(item, summaries.get(item) ?? followedOf(item))),
        failed: followed.some((f) => f.summary.outcome === 'failed'),
        unfinished,
        started: summaries.size,
        round,
      };
    }
    let run = await planAt(now);
    const items = new Map<string, RollItem>();
    let anyFailed = false;
    let unfinished = 0;
    let round = 1;
    for (;;) {
      const result = await applyRound(run, round);
      unfinished += result.unfinished;
      anyFailed ||= result.failed;
      for (const item of result.items) {
        const key = `${item.region}\u0000${item.cluster}\u0000${item.nodegroup}`;
        const earlier = items.get(key);
        if (earlier === undefined || laterReplaces(earlier, item)) items.set(key, item);
      }
      // A window keeps rolling: with --wait, node groups the budget held back start as soon as the
      // rollouts before them end, while the window is open (the plan holds them outside it).
      if (!values.apply || !values.wait || !budgetHeld(run.plan)) break;
      const next = await planAt(new Date(now.getTime() + (Date.now() - startedMs)));
      const rolls = next.plan.items.filter((i) => i.decision === 'roll').length;
      if (rolls === 0 || result.started === 0) {
        const held = next.plan.items.find((i) => i.reason === 'outside-window' || i.reason === 'budget');
        if (held) log(`not continuing: ${held.message}`);
        break;
      }
      log(
        `budget free again: ${rolls} more node group${rolls === 1 ? '' : 's'} to roll (round ${round + 1})`,
      );
      run = next;
      round += 1;
    }
    const all = [...items.values()].sort(
      (a, b) =>
        (a.region < b.region ? -1 : a.region > b.region ? 1 : 0) ||
        (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0) ||
        (a.nodegroup < b.nodegroup ? -1 : a.nodegroup > b.nodegroup ? 1 : 0),
    );
    if (values.json) {
      ctx.stdout(toJson({ items: all }));
    } else {
      const rows = all.map((i) => [
        `${i.cluster}/${i.nodegroup}`,
        i.decision,
        i.outcome ?? (i.decision === 'roll' ? 'planned' : '-'),
        i.updateId ?? '-',
        i.errors.length > 0 ? i.errors.map((e) => `${e.errorCode}: ${e.errorMessage}`).join('; ') : i.message,
      ]);
      ctx.stdout(`${renderTable(['NODE GROUP', 'DECISION', 'OUTCOME', 'UPDATE', 'DETAIL'], rows)}\n`);
      if (!values.apply && all.some((i) => i.decision === 'roll'))
        log('dry run: pass --apply to start these rollouts');
    }
    if (all.some((i) => i.outcome === 'failed') || anyFailed) return ExitCode.failed;
    if (run.fleet.errors.length > 0 || factsUnreadable(run) || unfinished > 0) return ExitCode.awsError;
    return all.some((i) => i.outcome === 'still-running') ? ExitCode.stillRunning : ExitCode.ok;
  },
};

import { randomUUID } from 'node:crypto';
import {
  buildClients,
  createRollbackPorts,
  DEFAULT_LEDGER_TABLE,
  pauseParameterName,
  quietLogger,
} from '@nodekeeper/aws';
import { SpokeAccess } from '@nodekeeper/core/config';
import { AmiFamily, launchTemplateLookup, PlanFactsWarningCode } from '@nodekeeper/core/plan';
import {
  type PlannedRollback,
  PollSchedule,
  type PollScheduleConfig,
  planRollbackFleet,
  pollScheduleFor,
  RollbackDecision,
  type RollbackItem,
  type RollbackSelection,
  type RolloutRecord,
  type RolloutRequest,
  type RolloutSummary,
  refOf,
  rollbackWaiting,
  rolloutRequestFromRecord,
} from '@nodekeeper/core/rollout';
import { markRunItem, newRun, openRunThread, RunItemState } from '@nodekeeper/core/runs';
import { isImageRecall, normalizeReleaseInput } from '@nodekeeper/core/safety';
import { applyDeps, rolloutRunner } from '../apply.ts';
import { parseFlags, parseIsoFlag } from '../args.ts';
import { HOME_REGION_HELP, loadConfig } from '../config.ts';
import { homeRegionOf } from '../engine.ts';
import { UsageError } from '../errors.ts';
import { onInterrupt, RolloutTracker } from '../interrupt.ts';
import { renderTable, toJson } from '../output.ts';
import { type Command, ExitCode } from '../types/index.ts';
import { parseNodegroupSelector, progressLine } from './roll.ts';

const FAMILIES = Object.values(AmiFamily) as string[];

/** One line of `rollback --json`: the plan's item, and with --apply what became of it. */
export interface RollbackLine extends Omit<RollbackItem, 'reason'> {
  /** The plan's reason, or with --apply the guard's (`not-started`) or the failure's. */
  reason: string | null;
  /** null without --apply, and for items that were not started. */
  outcome: RolloutSummary['outcome'] | null;
  updateId: string | null;
  errors: RolloutSummary['errors'];
}

function lineOf(item: RollbackItem, summary: RolloutSummary | null): RollbackLine {
  if (summary === null) return { ...item, outcome: null, updateId: null, errors: [] };
  return {
    ...item,
    outcome: summary.outcome,
    updateId: summary.updateId,
    ...(summary.outcome === 'succeeded' || summary.outcome === 'started'
      ? {}
      : { reason: summary.reason ?? item.reason, message: summary.message || item.message }),
    errors: summary.errors,
  };
}

const itemKey = (i: Pick<RollbackItem, 'accountId' | 'region' | 'cluster' | 'nodegroup'>) =>
  `${i.accountId ?? '-'}\u0000${i.region}\u0000${i.cluster}\u0000${i.nodegroup}`;

function label(ref: { releaseVersion: string | null; imageId: string | null } | null): string {
  if (ref === null) return '-';
  return ref.imageId ?? ref.releaseVersion ?? '?';
}

/** The selection the arguments name; throws UsageError. Pure. */
function selectionOf(
  selector: string | undefined,
  values: { image?: string | undefined; family?: string | undefined; account?: string | undefined },
  regions: readonly string[] | undefined,
): RollbackSelection {
  if (selector !== undefined && values.image !== undefined)
    throw new UsageError('name either <cluster>/<nodegroup> or --image, not both');
  if (values.account !== undefined && !/^\d{12}$/.test(values.account))
    throw new UsageError(`--account must be a 12-digit account ID (got '${values.account}')`);
  if (selector !== undefined) {
    if (values.family !== undefined) throw new UsageError('--family goes with --image');
    const { cluster, nodegroup } = parseNodegroupSelector(selector);
    return {
      kind: 'nodegroup',
      cluster,
      nodegroup,
      ...(regions?.length === 1 && regions[0] !== undefined ? { region: regions[0] } : {}),
      ...(values.account !== undefined ? { accountId: values.account } : {}),
    };
  }
  if (values.image === undefined)
    throw new UsageError(
      'expected the node group to roll back (e.g. prod-a/custom) or --image <ami-id|release> (every node group running it)',
    );
  if (values.account !== undefined)
    throw new UsageError('--account goes with <cluster>/<nodegroup>; --image selects in every account');
  const family = values.family ?? null;
  if (family !== null && !FAMILIES.includes(family) && !family.startsWith('golden:')) {
    throw new UsageError(
      `--family must be one of ${FAMILIES.join(', ')} or golden:<parameter> (got '${family}')`,
    );
  }
  const release = normalizeReleaseInput(values.image, family);
  if (release === null)
    throw new UsageError(`'${values.image}' is not an AMI ID, release version or release identity`);
  if (family !== null && isImageRecall({ release }))
    throw new UsageError(`an AMI ID names one image on every line; drop --family ${family}`);
  return { kind: 'image', image: values.image, family };
}

/**
 * Rollbacks an earlier run started and stopped following (interrupted, or --apply without --wait):
 * their records are still `started`. Each with its plan item, or, for a node group the selection no
 * longer names (EKS finished moving it off the image), an item made from the record. Pure.
 */
function unfinishedRollbacks(
  run: PlannedRollback,
  selection: RollbackSelection,
): Array<{ item: RollbackItem; record: RolloutRecord }> {
  const out: Array<{ item: RollbackItem; record: RolloutRecord }> = [];
  for (const record of run.records) {
    if (record.kind !== 'rollback' || record.outcome !== 'started' || record.updateId === null) continue;
    if (
      selection.kind === 'nodegroup' &&
      (record.cluster !== selection.cluster || record.nodegroup !== selection.nodegroup)
    )
      continue;
    if (!run.planned.fleet.nodegroups.some((ng) => itemKey(ng) === itemKey(record))) continue;
    const planned = run.plan.items.find((i) => itemKey(i) === itemKey(record));
    const item: RollbackItem = {
      ...(planned ?? {
        accountId: record.accountId,
        region: record.region,
        cluster: record.cluster,
        nodegroup: record.nodegroup,
        wave: record.wave,
        strategy: record.strategy,
        basis: null,
        overridden: [],
      }),
      decision: RollbackDecision.rollback,
      reason: null,
      message: `following the rollback to ${label(record.to)} an earlier run started (update ${record.updateId})`,
      current: record.from,
      target: record.to,
      attempt: record.attempt,
    };
    out.push({ item, record });
  }
  return out;
}

function describeSelection(selection: RollbackSelection): string {
  if (selection.kind === 'nodegroup') return `${selection.cluster}/${selection.nodegroup}`;
  return `node groups running ${selection.image}${selection.family ? ` (${selection.family})` : ''}`;
}

export const rollbackCommand: Command = {
  name: 'rollback',
  summary:
    'Plan, and with --apply start, rolling node groups back to the image they ran before a recalled one',
  usage: `Usage: nodekeeper rollback <cluster>/<nodegroup> [--region R] [--account A]
                           [--apply [--wait [--poll-seconds N]]] [--ignore-window] [--ignore-waves]
                           [--config FILE] [--now ISO] [--json]
       nodekeeper rollback --image <ami-id|release> [--family F] [--region R] [options as above]

Moves each selected node group back to the image the ledger shows it ran before the one it runs
now: the 'from' of the last succeeded nodekeeper rollout that brought it to its current image. A
custom-AMI (launch template) node group gets a new launch template version with the earlier
ImageId (only ImageId changes), then UpdateNodegroupVersion to it: the same guarded start, ledger
record, idempotency tokens, Slack notices and run thread as \`nodekeeper roll\`, recorded as a
rollback (its own rollout key: never confused with a forward rollout to the same image).

The image it runs must be recalled first (\`nodekeeper recall <ami-id|release> --reason R\`): a
recall is what keeps the next scan from rolling the node group straight back to it. A plan
refuses, per node group, with the reason and what to do instead:
  eks-ami               an EKS AMI (release version) node group: EKS cannot roll a managed node
                        group back to an earlier AMI version; create a node group on the earlier
                        release (CreateNodegroup releaseVersion) and move the workloads, or wait
  not-recalled          the image it runs is not recalled (the message names the recall command)
  no-previous-image     the ledger shows no succeeded rollout to the image it runs
  kubernetes-downgrade  it came to its image with a Kubernetes upgrade: nodekeeper never goes back a
                        minor (AWS documents no such rollback)
  previous-recalled     the image it ran before is recalled too
  previous-unavailable  the image it ran before is deregistered, disabled or not shared
  update-in-progress    EKS is updating it, or a rollout of it is still running
  not-active, opted-out, error
Otherwise it is held, like a rollout: paused, state-unreadable, wave-gate (the earliest wave among
the selected node groups goes first), outside-window, budget. Only --ignore-waves and
--ignore-window override a hold, and the plan says so on every item they let through.

Without --apply this is the plan (read-only). With --wait, node groups held for an earlier wave or
the budget start as soon as the rollbacks before them end, round after round. Running it again is
safe: a rollback an earlier run started and stopped following (Ctrl-C, --apply without --wait) is
followed to its end by its update ID, never started twice.

Options:
  --image X          every node group running X: an AMI ID, or a release as \`recall\` takes it
                     (1.33.5-20261110, 20261110, 1.50.0)
  --family F         with --image: only this release line: ${FAMILIES.join(', ')}
                     or golden:<parameter>
  --region R         only this region (repeatable; default: the config's regions)
  --account A        with <cluster>/<nodegroup>: the node group's account, when the name exists in several
  --ignore-window    roll back outside the maintenance window
  --ignore-waves     roll back every wave at once
  --apply            start the rollbacks
  --wait             with --apply: follow each update until it ends
  --poll-seconds N   with --wait: check every N seconds instead (e.g. against the sandbox)
  --now ISO          plan as of another time (planning only; the rollback itself happens now)
  --config FILE      config file (default: ./nodekeeper.config.json)
  --json             print {generatedAt, selection, overrides, items:[{cluster, nodegroup, decision,
                     reason, message, current, target, basis, outcome, updateId, errors, …}]}
  -h, --help         show this help

Outcome (with --apply): succeeded, failed, still-running, started (without --wait), not-started
(the guard refused: state changed since planning, paused, the target recalled); null otherwise.

Ledger: DynamoDB table NODEKEEPER_LEDGER_TABLE (default ${DEFAULT_LEDGER_TABLE}) in
${HOME_REGION_HELP}.
See docs/rollouts.md ("Rolling back off a bad image") for what AWS allows and refuses.
Slack: posted when NODEKEEPER_SLACK_WEBHOOK_URL (or NODEKEEPER_SLACK_BOT_TOKEN + _CHANNEL) is set.

Exit codes: 0 every selected node group rolls back (dry run) or rolled back (--apply); 1 AWS
error; 2 bad input (nothing selected, no such node group, a bad flag; nothing changes in AWS);
3 a rollback failed; 4 one was still running in EKS when --wait stopped; 5 a selected node group
was refused or is still held (the plan says why; nothing was done for it); 130 interrupted.
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(
      args,
      {
        image: { type: 'string' },
        family: { type: 'string' },
        region: { type: 'string', multiple: true },
        account: { type: 'string' },
        config: { type: 'string' },
        now: { type: 'string' },
        'ignore-window': { type: 'boolean' },
        'ignore-waves': { type: 'boolean' },
        apply: { type: 'boolean' },
        wait: { type: 'boolean' },
        'poll-seconds': { type: 'string' },
        json: { type: 'boolean' },
      },
      { positionals: 1 },
    );
    const selection = selectionOf(positionals[0], values, values.region);
    if (values.wait && !values.apply) throw new UsageError('--wait needs --apply');
    let cadence: PollScheduleConfig = PollSchedule;
    if (values['poll-seconds'] !== undefined) {
      if (!values.wait) throw new UsageError('--poll-seconds needs --wait');
      const n = Number(values['poll-seconds']);
      if (!Number.isInteger(n) || n < 1 || n > 3600)
        throw new UsageError('--poll-seconds must be a whole number from 1 to 3600');
      cadence = { ...PollSchedule, initialSeconds: n, maxSeconds: n, backoffRate: 1 };
    }
    const now = parseIsoFlag('now', values.now) ?? new Date();
    const startedMs = Date.now();
    const config = loadConfig(ctx, values.config);
    const schedule = pollScheduleFor(config.rollout.maxWaitHours, cadence);
    const homeRegion = homeRegionOf(ctx.env, config);
    const table = ctx.env.NODEKEEPER_LEDGER_TABLE ?? DEFAULT_LEDGER_TABLE;
    const log = (line: string) => ctx.stderr(`${line}\n`);
    const runId = `cli-${randomUUID()}`;
    const owner = `cli:${randomUUID()}`;

    /** The rollback plan as of `at`, through the same plan pipeline as `plan` and the scan. Read-only. */
    const planAt = async (at: Date): Promise<PlannedRollback> => {
      const clients = buildClients(config, { homeRegion });
      try {
        const planned = await planRollbackFleet(
          createRollbackPorts({
            targets: clients,
            home: clients(null, homeRegion),
            ledgerTable: table,
            pauseParameter: pauseParameterName(ctx.env),
            logger: quietLogger(),
          }),
          {
            config,
            now: at,
            selection,
            runId,
            ...(values.region ? { regions: values.region } : {}),
            ...(values['ignore-window'] ? { ignoreWindow: true } : {}),
            ...(values['ignore-waves'] ? { ignoreWaves: true } : {}),
          },
        );
        for (const w of planned.planned.warnings) {
          if (w.code === PlanFactsWarningCode.ledgerMissing) {
            if (!values.json) log(`ledger table ${table} not found: no rollout history, so no earlier image`);
          } else log(`warning: ${w.message}`);
        }
        for (const e of planned.planned.fleet.errors)
          log(`warning: ${e.cluster}${e.nodegroup ? `/${e.nodegroup}` : ''}: ${e.message}`);
        return planned;
      } finally {
        clients.destroy();
      }
    };

    let run = await planAt(now);
    if (run.plan.items.length === 0 && run.planned.fleet.errors.length > 0) {
      throw new Error(
        `the fleet could not be read (${run.planned.fleet.errors.length} error(s) above); nothing changed`,
      );
    }
    if (run.plan.items.length === 0 && !(values.apply && unfinishedRollbacks(run, selection).length > 0)) {
      const where = `clusters ${config.clusters.join(', ')} in ${(values.region ?? config.regions).join(', ')}`;
      throw new UsageError(
        selection.kind === 'nodegroup'
          ? `no node group ${describeSelection(selection)} in the fleet (${where})`
          : `no node group runs ${selection.image}${selection.family ? ` on ${selection.family}` : ''} (${where}); nothing to roll back`,
      );
    }
    if (selection.kind === 'nodegroup' && run.plan.items.length > 1) {
      throw new UsageError(
        `${describeSelection(selection)} exists in ${run.plan.items.map((i) => `${i.accountId ?? 'home'}/${i.region}`).join(', ')}: pass --region or --account`,
      );
    }

    const lines = new Map<string, RollbackLine>();
    for (const item of run.plan.items) lines.set(itemKey(item), lineOf(item, null));
    let anyFailed = false;
    let unfinished = 0;
    if (values.apply) {
      const clients = buildClients(config, { homeRegion, access: SpokeAccess.write });
      const tracker = new RolloutTracker('rollback');
      const rerun = ['nodekeeper rollback', ...args, ...(values.wait ? [] : ['--wait'])].join(' ');
      const removeInterrupt = onInterrupt(async () => {
        await tracker.settleStarts(5000);
        ctx.stderr(tracker.report(rerun));
        return ExitCode.interrupted;
      });
      try {
        const { deps, runs } = applyDeps({ env: ctx.env, config, clients, homeRegion, table });
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
        for (let round = 1; ; round++) {
          const requests = run.requests;
          const fresh = requests.map((r) => r.request).filter((r) => r.runId === runId);
          if (runs && fresh.length > 0 && round === 1) {
            const opened = await openRunThread(
              newRun(runId, 'rollback', now.toISOString(), fresh.map(refOf)),
              runs,
            );
            if (opened.kind === 'undeliverable')
              log(`warning: slack: run thread not opened (${opened.error})`);
          } else if (runs) {
            for (const r of fresh)
              await markRunItem(runId, { ...refOf(r), state: RunItemState.pending }, runs);
          }
          // A rollback an interrupted run started (its record still `started`): followed by its
          // update ID to its end, never started twice.
          const planned = new Set(requests.map((r) => itemKey(r.item)));
          const launchTemplateOf = launchTemplateLookup(run.planned.fleet);
          const followUps: Array<{ item: RollbackItem; request: RolloutRequest }> = [];
          for (const { item, record } of unfinishedRollbacks(run, selection)) {
            if (planned.has(itemKey(item))) continue;
            followUps.push({
              item,
              request: rolloutRequestFromRecord(record, { launchTemplate: launchTemplateOf(item) }),
            });
          }
          let started = 0;
          await Promise.all(
            [...requests, ...followUps].map(async ({ item, request }) => {
              const summary = await runOne(request);
              if (summary === null) return;
              started += 1;
              if (summary.outcome === 'failed') anyFailed = true;
              lines.set(itemKey(item), lineOf(item, summary));
            }),
          );
          // Node groups held for an earlier wave or the budget start once the rollbacks before them end.
          if (!values.wait || started === 0 || !rollbackWaiting(run.plan)) break;
          const next = await planAt(new Date(now.getTime() + (Date.now() - startedMs)));
          for (const item of next.plan.items) {
            const earlier = lines.get(itemKey(item));
            if (earlier === undefined || earlier.outcome === null)
              lines.set(itemKey(item), lineOf(item, null));
          }
          if (next.requests.length === 0) break;
          log(
            `next round: ${next.requests.length} more node group${next.requests.length === 1 ? '' : 's'} to roll back (round ${round + 1})`,
          );
          run = next;
        }
      } finally {
        removeInterrupt();
        clients.destroy();
      }
    }

    const all = [...lines.values()];
    if (values.json) {
      ctx.stdout(
        toJson({
          generatedAt: run.plan.generatedAt,
          selection: run.plan.selection,
          overrides: run.plan.overrides,
          items: all,
        }),
      );
    } else {
      const rows = all.map((i) => [
        `${i.cluster}/${i.nodegroup}`,
        i.wave ?? '-',
        i.decision + (i.reason && i.decision !== RollbackDecision.rollback ? ` (${i.reason})` : ''),
        `${label(i.current)} → ${label(i.target)}`,
        i.outcome ?? (i.decision === RollbackDecision.rollback ? 'planned' : '-'),
        i.errors.length > 0 ? i.errors.map((e) => `${e.errorCode}: ${e.errorMessage}`).join('; ') : i.message,
      ]);
      ctx.stdout(
        `rollback of ${describeSelection(selection)}\n${renderTable(['NODE GROUP', 'WAVE', 'DECISION', 'IMAGE', 'OUTCOME', 'DETAIL'], rows)}\n`,
      );
      const overridden = [
        ...(run.plan.overrides.window ? ['the maintenance window (--ignore-window)'] : []),
        ...(run.plan.overrides.waves ? ['the wave order (--ignore-waves)'] : []),
      ];
      if (overridden.length > 0) log(`overrides ${overridden.join(' and ')}`);
      if (!values.apply && all.some((i) => i.decision === RollbackDecision.rollback))
        log('dry run: pass --apply to start these rollbacks');
    }
    if (anyFailed || all.some((i) => i.outcome === 'failed')) return ExitCode.failed;
    if (unfinished > 0 || run.planned.fleet.errors.length > 0) return ExitCode.awsError;
    if (all.some((i) => i.outcome === 'still-running')) return ExitCode.stillRunning;
    const notDone = all.some((i) =>
      values.apply
        ? i.outcome !== 'succeeded' && i.outcome !== 'started'
        : i.decision !== RollbackDecision.rollback,
    );
    return notDone ? ExitCode.refused : ExitCode.ok;
  },
};

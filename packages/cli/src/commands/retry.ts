import { buildClients, callerIdentity, createApprovalStore, DEFAULT_LEDGER_TABLE } from '@nodekeeper/aws';
import type { Approval, PlanItem } from '@nodekeeper/core/plan';
import { releaseName } from '@nodekeeper/core/safety';
import { parseFlags } from '../args.ts';
import { HOME_REGION_HELP, loadConfig } from '../config.ts';
import { homeRegionOf, planForCli } from '../engine.ts';
import { UsageError } from '../errors.ts';
import { toJson } from '../output.ts';
import { type Command, ExitCode } from '../types/index.ts';
import { parseNodegroupSelector, rollCommand } from './roll.ts';

export const retryCommand: Command = {
  name: 'retry',
  summary: 'Let one node group whose rollout failed roll again (a new attempt), and with --apply start it',
  usage: `Usage: nodekeeper retry <cluster>/<nodegroup> [--region R] [--config FILE]
                        [--apply [--wait [--poll-seconds N]]] [--json]

nodekeeper never tries a failed rollout again by itself: the plan holds the node group as
'failed' (or 'halted' once the release reached maxFailuresPerRelease). This records in the ledger
that you retry this node group on the release it failed on, with who (your STS identity, else
$USER) and when. The next plan then starts a new attempt for it: a new rollout key, idempotency
token and durable execution name. Other node groups stay as they are: a retry lifts the failure
hold and the breaker for this node group only (\`nodekeeper approve <release> --wave W\` lifts them
for a whole wave).

Without --apply the retry is recorded and the node group's new plan line printed; the next
scheduled scan inside the window starts it. With --apply it starts now, exactly as
\`nodekeeper roll --apply --nodegroup <cluster>/<nodegroup>\` would (waves, windows, budgets and
a pause still apply); --wait follows it to its end.

Options:
  --region R         the node group's region, when the name exists in several
  --config FILE      config file (default: ./nodekeeper.config.json)
  --apply            start the new attempt now
  --wait             with --apply: follow the update until it ends
  --poll-seconds N   with --wait: check every N seconds instead
  --json             print {retry, item} (without --apply)
  -h, --help         show this help

Ledger: DynamoDB table NODEKEEPER_LEDGER_TABLE (default ${DEFAULT_LEDGER_TABLE}) in
${HOME_REGION_HELP}.
Exit codes: 0 recorded (with --apply: as \`nodekeeper roll\`); 1 AWS error; 2 bad input (no such
node group, or no failed rollout to retry; nothing is recorded); 3 the new attempt failed.
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(
      args,
      {
        region: { type: 'string' },
        config: { type: 'string' },
        apply: { type: 'boolean' },
        wait: { type: 'boolean' },
        'poll-seconds': { type: 'string' },
        json: { type: 'boolean' },
      },
      { positionals: 1 },
    );
    const selector = positionals[0];
    if (selector === undefined) throw new UsageError('expected the node group to retry, e.g. dev-a/lagging');
    const target = parseNodegroupSelector(selector);
    if (values.wait && !values.apply) throw new UsageError('--wait needs --apply');
    const config = loadConfig(ctx, values.config);
    const homeRegion = homeRegionOf(ctx.env, config);
    const log = (line: string) => ctx.stderr(`${line}\n`);
    const planNow = () =>
      planForCli({
        config,
        env: ctx.env,
        homeRegion,
        now: new Date(),
        ...(values.region ? { regions: [values.region] } : {}),
        warn: (line) => log(`warning: ${line}`),
        note: values.json ? () => undefined : log,
      });
    const run = await planNow();
    const matches = run.plan.items.filter(
      (i) => i.cluster === target.cluster && i.nodegroup === target.nodegroup,
    );
    if (matches.length === 0) {
      throw new UsageError(
        `no node group ${selector} in the plan (clusters ${config.clusters.join(', ')} in ${(values.region ? [values.region] : config.regions).join(', ')})`,
      );
    }
    if (matches.length > 1) {
      throw new UsageError(
        `${selector} exists in ${matches.map((m) => `${m.accountId ?? 'home'}/${m.region}`).join(', ')}: pass --region`,
      );
    }
    const item = matches[0] as PlanItem;
    // The release it failed on: its newest try, which must have failed (retrying a success means nothing).
    const tries = (run.policy.history ?? [])
      .filter(
        (f) =>
          f.cluster === item.cluster &&
          f.nodegroup === item.nodegroup &&
          f.region === item.region &&
          (f.accountId ?? null) === (item.accountId ?? null) &&
          !f.retryable,
      )
      .sort(
        (a, b) =>
          Date.parse(a.finishedAt ?? a.startedAt ?? '') - Date.parse(b.finishedAt ?? b.startedAt ?? ''),
      );
    const last = tries.at(-1);
    if (last === undefined || last.outcome !== 'failed') {
      throw new UsageError(
        `${selector} has no failed rollout to retry (${last ? `its last rollout ${last.outcome}` : 'no rollout in the ledger'}; plan: ${item.decision}${item.reason ? ` ${item.reason}` : ''}: ${item.message})`,
      );
    }
    const clients = buildClients(config, { homeRegion })(null, homeRegion);
    let retry: Approval;
    try {
      retry = {
        release: last.release,
        family: last.family,
        wave: null,
        by: await callerIdentity(clients.sts, ctx.env),
        at: new Date().toISOString(),
        nodegroup: {
          accountId: item.accountId,
          region: item.region,
          cluster: item.cluster,
          nodegroup: item.nodegroup,
        },
      };
      const tableName = ctx.env.NODEKEEPER_LEDGER_TABLE ?? DEFAULT_LEDGER_TABLE;
      await createApprovalStore(clients.dynamodb, { tableName }).record(retry);
    } finally {
      clients.destroy();
    }
    const what = `${selector} on ${last.version ?? releaseName(last.family, last.release)}`;
    if (values.apply) {
      log(`retry of ${what} recorded by ${retry.by}; starting the new attempt`);
      return rollCommand.run(
        [
          '--apply',
          '--nodegroup',
          selector,
          ...(values.region ? ['--region', values.region] : []),
          ...(values.config ? ['--config', values.config] : []),
          ...(values.wait ? ['--wait'] : []),
          ...(values['poll-seconds'] ? ['--poll-seconds', values['poll-seconds']] : []),
          ...(values.json ? ['--json'] : []),
        ],
        ctx,
      );
    }
    const after = (await planNow()).plan.items.find(
      (i) => i.cluster === item.cluster && i.nodegroup === item.nodegroup && i.region === item.region,
    );
    if (values.json) {
      ctx.stdout(toJson({ retry, item: after ?? null }));
      return ExitCode.ok;
    }
    ctx.stdout(`retry of ${what} recorded by ${retry.by} at ${retry.at}\n`);
    if (after)
      ctx.stdout(
        `plan: ${after.decision}${after.reason ? ` (${after.reason})` : ''}: ${after.message}\n` +
          (after.decision === 'roll'
            ? `start it now: nodekeeper retry ${selector} --apply --wait (or the next scheduled scan in its window)\n`
            : ''),
      );
    return ExitCode.ok;
  },
};

import { DEFAULT_LEDGER_TABLE, DEFAULT_PAUSE_PARAMETER } from '@nodekeeper/aws';
import { factsUnreadable } from '@nodekeeper/core/plan';
import { parseFlags, parseIsoFlag } from '../args.ts';
import { loadConfig } from '../config.ts';
import { homeRegionOf, planForCli } from '../engine.ts';
import { toJson } from '../output.ts';
import { planProgressRenderer } from '../progress.ts';
import { renderPlanTable } from '../render.ts';
import { type Command, ExitCode } from '../types/index.ts';

export const planCommand: Command = {
  name: 'plan',
  summary: 'Show what nodekeeper would roll, and why it skips the rest (read-only)',
  usage: `Usage: nodekeeper plan [--config FILE] [--region R] [--now ISO] [--ignore-window] [--json] [--progress]

Inspects the configured clusters (EKS, EC2 launch templates, SSM public AMI parameters, EC2
images) with your AWS credentials and prints, per node group, roll / current / skip with the
reason. It also reads the pause flag (SSM parameter NODEKEEPER_PAUSE_PARAMETER, default
${DEFAULT_PAUSE_PARAMETER}) and the ledger (DynamoDB table NODEKEEPER_LEDGER_TABLE, default
${DEFAULT_LEDGER_TABLE}: rollout history, approvals and recalls) for wave gates, budgets, the
circuit breaker and recalled releases. It never makes a mutating AWS call. Warnings follow each
cluster's table, one line per distinct warning (a shared launch template, a recalled image, an AMI
family without new images, an image near or past its EC2 DeprecationTime); --json carries them,
and each node group's EKS updateConfig and endOfLife (docs/plan.md).

Options:
  --config FILE     config file (default: ./nodekeeper.config.json)
  --region R        plan only this region (repeatable; default: the config's regions)
  --now ISO         plan as of another time, e.g. 2026-11-24T03:00:00Z ("what happens on Tuesday")
  --ignore-window   plan as if inside the maintenance window (CLI only; the scheduled scan never does)
  --json            print the plan as JSON (the contract: docs/plan.md)
  --progress        print progress (clusters and node groups inspected) to stderr even when it is
                    not a terminal (on a terminal it is shown live anyway)
  -h, --help        show this help

When the pause flag or the ledger cannot be read, the plan still prints but every node group
that would roll is held ('state-unreadable'), exactly as the scheduled scan holds it.

Exit codes: 0 ok; 1 AWS errors (the plan still prints, with 'error' or 'state-unreadable' items);
2 bad input or config.
AWS access uses the SDK's default credentials and AWS_ENDPOINT_URL if set.
`,
  async run(args, ctx) {
    const { values } = parseFlags(args, {
      config: { type: 'string' },
      region: { type: 'string', multiple: true },
      now: { type: 'string' },
      'ignore-window': { type: 'boolean' },
      json: { type: 'boolean' },
      progress: { type: 'boolean' },
    });
    const now = parseIsoFlag('now', values.now) ?? new Date();
    const config = loadConfig(ctx, values.config);
    const log = (line: string) => ctx.stderr(`${line}\n`);
    // Counts of clusters and node groups inspected: live on a terminal, as lines with --progress.
    const live = Boolean(ctx.stderrIsTerminal);
    const renderer = live || values.progress ? planProgressRenderer(ctx.stderr, live) : null;
    // The scan's pipeline: same facts, same history limit, same holds when the ledger is unreadable.
    const run = await planForCli({
      config,
      env: ctx.env,
      homeRegion: homeRegionOf(ctx.env, config),
      now,
      ...(values.region ? { regions: values.region } : {}),
      ...(renderer ? { onProgress: renderer.onProgress } : values.json ? {} : { progress: log }),
      ignoreWindow: Boolean(values['ignore-window']),
      warn: (line) => log(`warning: ${line}`),
      note: values.json ? () => undefined : log,
    });
    renderer?.done();
    const planned = run.plan;
    ctx.stdout(values.json ? toJson(planned) : renderPlanTable(planned));
    return run.errors.length > 0 || factsUnreadable(run) ? ExitCode.awsError : ExitCode.ok;
  },
};

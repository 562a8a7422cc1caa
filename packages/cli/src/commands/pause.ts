import {
  buildClients,
  callerIdentity,
  pauseParameterName,
  readPauseState,
  setPauseState,
} from '@nodekeeper/aws';
import { parseFlags } from '../args.ts';
import { homeRegionOf } from '../config.ts';
import { toJson } from '../output.ts';
import { type Command, type CommandContext, ExitCode } from '../types/index.ts';

/** Sets the pause flag to `paused` and prints the new state. Shared by `pause` and `resume`. */
export async function changePause(
  ctx: CommandContext,
  paused: boolean,
  reason: string | null,
  json: boolean,
): Promise<number> {
  const region = homeRegionOf(ctx);
  const clients = buildClients(null, { homeRegion: region })(null, region);
  const name = pauseParameterName(ctx.env);
  try {
    const by = await callerIdentity(clients.sts, ctx.env);
    const at = new Date().toISOString();
    await setPauseState(clients.ssm, name, { paused, reason, by, at });
    const state = await readPauseState(clients.ssm, name);
    if (json) {
      ctx.stdout(toJson({ parameter: name, paused: state !== null, reason: state?.reason ?? null, by, at }));
    } else if (paused) {
      ctx.stdout(
        `rollouts paused by ${by} at ${at}${reason ? `: ${reason}` : ''}\n` +
          `Scans plan every roll as 'paused' and workflows do not start updates; updates already running finish.\n` +
          `Flag: SSM parameter ${name}. Undo with \`nodekeeper resume\`.\n`,
      );
    } else {
      ctx.stdout(`rollouts resumed by ${by} at ${at} (SSM parameter ${name})\n`);
    }
    return ExitCode.ok;
  } finally {
    clients.destroy();
  }
}

export const pauseCommand: Command = {
  name: 'pause',
  summary: 'Stop nodekeeper from starting rollouts until `nodekeeper resume`',
  usage: `Usage: nodekeeper pause [--reason R] [--json]

Sets the pause flag: the SSM parameter NODEKEEPER_PAUSE_PARAMETER (default /nodekeeper/default/paused)
gets {"paused":true,"reason":…,"by":…,"at":…}, with "by" the caller's STS identity (else $USER).
Every scan then plans would-be rolls as 'paused', and every workflow's guard step refuses to start
an update. Updates already running finish: an EKS update cannot be paused.

Options:
  --reason R   why (shown in plans and Slack)
  --json       print {parameter, paused, reason, by, at}
  -h, --help   show this help

Exit codes: 0 paused; 1 AWS error; 2 bad input.
`,
  async run(args, ctx) {
    const { values } = parseFlags(args, { reason: { type: 'string' }, json: { type: 'boolean' } });
    const reason = values.reason?.trim() || null;
    return changePause(ctx, true, reason, Boolean(values.json));
  },
};

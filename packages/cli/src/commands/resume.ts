import { parseFlags } from '../args.ts';
import type { Command } from '../types/index.ts';
import { changePause } from './pause.ts';

export const resumeCommand: Command = {
  name: 'resume',
  summary: 'Let nodekeeper start rollouts again after `nodekeeper pause`',
  usage: `Usage: nodekeeper resume [--json]

Clears the pause flag: the SSM parameter NODEKEEPER_PAUSE_PARAMETER (default
/nodekeeper/default/paused) gets {"paused":false,"by":…,"at":…}, so the last change stays visible.
The next scan inside the maintenance window starts rollouts again.

Options:
  --json       print {parameter, paused, reason, by, at}
  -h, --help   show this help

Exit codes: 0 resumed; 1 AWS error; 2 bad input.
`,
  async run(args, ctx) {
    const { values } = parseFlags(args, { json: { type: 'boolean' } });
    return changePause(ctx, false, null, Boolean(values.json));
  },
};

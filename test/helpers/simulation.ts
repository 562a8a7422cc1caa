import { main } from '@nodekeeper/cli';
import type { Plan, PlanItem } from '@nodekeeper/core/plan';
import type { RolloutDeps } from '@nodekeeper/core/rollout';
import type { Sandbox } from '@nodekeeper/sandbox';
import type { CliResult } from './cli.ts';

/**
 * The rollout ports of a multi-day simulation: waiting for an update costs no real time, each poll
 * of DescribeUpdate moves the sandbox's one clock on by `secondsPerPoll` instead.
 */
export function pollsAdvanceClock(base: RolloutDeps, sandbox: Sandbox, secondsPerPoll = 300): RolloutDeps {
  return {
    ...base,
    aws: {
      ...base.aws,
      describeUpdate: async (ref, id) => {
        const found = await base.aws.describeUpdate(ref, id);
        sandbox.clock.advance(secondsPerPoll);
        return found;
      },
    },
  };
}

/**
 * `nodekeeper` in this process (packages/cli `main`, not the bin), so the CLI runs on the same
 * module state as the test: for simulations that mix the CLI with durable workflows.
 */
export async function runCliInProcess(args: string[], env: Record<string, string>): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env,
    cwd: process.cwd(),
    interactive: false,
  });
  return { code, stdout, stderr };
}

/**
 * `nodekeeper plan --json` at `time` (the sandbox's clock set there first: one clock), its items
 * by `cluster/nodegroup`. Throws with the CLI's stderr when the plan fails.
 */
export async function planItemsAt(
  cli: (args: string[]) => Promise<CliResult>,
  sandbox: Sandbox,
  configFile: string,
  time: string,
): Promise<Record<string, PlanItem>> {
  sandbox.clock.set(time);
  const out = await cli(['plan', '--config', configFile, '--now', time, '--json']);
  if (out.code !== 0) throw new Error(`nodekeeper plan exited ${out.code}: ${out.stderr}`);
  const plan = JSON.parse(out.stdout) as Plan;
  return Object.fromEntries(plan.items.map((i) => [`${i.cluster}/${i.nodegroup}`, i]));
}

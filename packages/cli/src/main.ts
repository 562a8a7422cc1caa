import { ValidationError } from '@nodekeeper/core';
import { approveCommand } from './commands/approve.ts';
import { catalogCommand } from './commands/catalog.ts';
import { historyCommand } from './commands/history.ts';
import { patchCommand } from './commands/patch.ts';
import { pauseCommand } from './commands/pause.ts';
import { planCommand } from './commands/plan.ts';
import { recallCommand, unrecallCommand } from './commands/recall.ts';
import { reportCommand } from './commands/report.ts';
import { resumeCommand } from './commands/resume.ts';
import { retryCommand } from './commands/retry.ts';
import { rollCommand } from './commands/roll.ts';
import { rollbackCommand } from './commands/rollback.ts';
import { sandboxCommand } from './commands/sandbox.ts';
import { scheduleCommand } from './commands/schedule.ts';
import { UsageError } from './errors.ts';
import { type Command, type CommandContext, ExitCode } from './types/index.ts';

/** Every command, in the order `--help` lists them. */
export const commands: Command[] = [
  planCommand,
  rollCommand,
  historyCommand,
  patchCommand,
  pauseCommand,
  resumeCommand,
  approveCommand,
  retryCommand,
  recallCommand,
  unrecallCommand,
  rollbackCommand,
  scheduleCommand,
  reportCommand,
  catalogCommand,
  sandboxCommand,
];

const VERSION = '0.1.0';

function topLevelUsage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'nodekeeper: keep EKS managed node groups on the latest AMI, patched, and Slack informed.',
    '',
    'Usage: nodekeeper <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `nodekeeper <command> --help` for the options of a command.',
    'Exit codes: 0 ok, 1 AWS error, 2 bad input or config, 3 a rollout or patch failed, 4 a rollout still running in EKS when `roll --wait` stopped following it, 5 `rollback` refused or held a node group.',
    '',
  ].join('\n');
}

/** Default context: the real process streams and environment. */
export function processContext(): CommandContext {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    interactive: Boolean(process.stdout.isTTY),
    stderrIsTerminal: Boolean(process.stderr.isTTY),
  };
}

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit code. */
export async function main(argv: string[], ctx: CommandContext = processContext()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout(topLevelUsage());
    return name === undefined ? ExitCode.badInput : ExitCode.ok;
  }
  if (name === '--version' || name === '-v') {
    ctx.stdout(`nodekeeper ${VERSION}\n`);
    return ExitCode.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    ctx.stderr(`nodekeeper: unknown command '${name}'\n\n${topLevelUsage()}`);
    return ExitCode.badInput;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    ctx.stdout(command.usage.endsWith('\n') ? command.usage : `${command.usage}\n`);
    return ExitCode.ok;
  }
  try {
    return await command.run(rest, ctx);
  } catch (error) {
    if (error instanceof UsageError) {
      ctx.stderr(`nodekeeper ${name}: ${error.message}\nRun \`nodekeeper ${name} --help\` for usage.\n`);
      return ExitCode.badInput;
    }
    if (error instanceof ValidationError) {
      ctx.stderr(`nodekeeper ${name}: ${error.message}\n`);
      return ExitCode.badInput;
    }
    const message = error instanceof Error ? error.message : String(error);
    ctx.stderr(`nodekeeper ${name}: ${message}\n`);
    return ExitCode.awsError;
  }
}

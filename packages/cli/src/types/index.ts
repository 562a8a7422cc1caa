/** Where a command writes and what it may read; tests pass their own. */
export interface CommandContext {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** True when stdout is a terminal (progress lines, colours). */
  interactive: boolean;
  /** True when stderr is a terminal: long commands draw live progress there (default false). */
  stderrIsTerminal?: boolean;
}

export interface Command {
  name: string;
  summary: string;
  /** Full `--help` text. */
  usage: string;
  run(args: string[], ctx: CommandContext): Promise<number>;
}

/** Exit codes shared by every command. */
export const ExitCode = {
  ok: 0,
  awsError: 1,
  badInput: 2,
  failed: 3,
  /** `roll --wait`: nodekeeper stopped waiting (rollout.maxWaitHours) while EKS still ran an update. */
  stillRunning: 4,
  /** `rollback`: a selected node group was refused or is still held; nothing was done for it. */
  refused: 5,
  /** Interrupted (SIGINT): what still runs in AWS was printed, with how to follow it. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

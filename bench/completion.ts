/**
 * Benchmark 2: completion latency. Spawns bench/completion-worker.ts (the durable runner fakes
 * timers process-wide) and derives, per rollout, the delay from the update's terminal state to
 * nodekeeper's record of it, against the poll interval in force at that moment.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PollSchedule, waitedSeconds } from '@nodekeeper/core/rollout';
import { round } from './scan.ts';

const run = promisify(execFile);
const worker = new URL('./completion-worker.ts', import.meta.url).pathname;

interface WorkerRollout {
  updateSeconds: number;
  status: string;
  outcome: string | null;
  terminalAt: string;
  observedAt: string;
  recordDelayMs: number | null;
  polls: number;
  lastIntervalSeconds: number;
  invocations: Array<{ start: string | null; end: string | null }>;
  operations: number;
  operationsByType: Record<string, number>;
  dynamodbCalls: Record<string, number>;
}

export interface CompletionRollout {
  updateSeconds: number;
  outcome: string | null;
  latencySeconds: number;
  pollIntervalSeconds: number;
  withinOneInterval: boolean;
  polls: number;
  durableOperations: number;
  /** Operations plus one checkpoint per poll after the first (each condition check is a retry of the wait). */
  billedOperationsEstimate: number;
  invocations: number;
  invocationMs: number;
  dynamodbReads: number;
  dynamodbWrites: number;
}

export interface CompletionResults {
  pollSchedule: typeof PollSchedule;
  rollouts: CompletionRollout[];
  maxLatencySeconds: number;
  maxLatencyToIntervalRatio: number;
  allWithinOneInterval: boolean;
  /** Durable operations of one rollout (named operations: steps and the wait-for-condition). */
  durableOperationsPerRollout: number;
  waitOperationsPerRollout: number;
  busyLoop: boolean;
  /** What the local runner cannot show; stated in the README. */
  notes: string[];
}

const writes = /^(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)$/;
const reads = /^(GetItem|Query|Scan|BatchGetItem|TransactGetItems)$/;

/** Polls the schedule needs to see an update of `seconds` finish: the first k whose waits cover it. */
export function expectedPolls(seconds: number): number {
  let k = 1;
  while (waitedSeconds(k, PollSchedule) < seconds && k < 10_000) k += 1;
  return k;
}

/** Runs the rollouts in a child process and summarises them. */
export async function runCompletionBench(
  options: { durations: number[] },
  log: (line: string) => void,
): Promise<CompletionResults> {
  log(
    `completion: ${options.durations.length} rollouts (update durations ${options.durations.join(', ')} s)`,
  );
  const { stdout } = await run(process.execPath, [worker, JSON.stringify({ durations: options.durations })], {
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' },
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = stdout.trim().split('\n').pop() ?? '';
  const { rollouts } = JSON.parse(line) as { rollouts: WorkerRollout[] };
  const out: CompletionRollout[] = rollouts.map((r) => {
    const latencySeconds =
      (Date.parse(r.observedAt) - Date.parse(r.terminalAt)) / 1000 + (r.recordDelayMs ?? 0) / 1000;
    const interval = r.lastIntervalSeconds || PollSchedule.initialSeconds;
    const count = (o: Record<string, number>, re: RegExp) =>
      Object.entries(o).reduce((sum, [op, n]) => sum + (re.test(op) ? n : 0), 0);
    return {
      updateSeconds: r.updateSeconds,
      outcome: r.outcome,
      latencySeconds: round(latencySeconds, 1),
      pollIntervalSeconds: interval,
      withinOneInterval: latencySeconds >= 0 && latencySeconds <= interval,
      polls: r.polls,
      durableOperations: r.operations,
      billedOperationsEstimate: r.operations + Math.max(0, r.polls - 1),
      invocations: r.invocations.length,
      invocationMs: Math.round(
        r.invocations.reduce(
          (sum, i) => sum + (i.start && i.end ? Date.parse(i.end) - Date.parse(i.start) : 0),
          0,
        ),
      ),
      dynamodbReads: count(r.dynamodbCalls, reads),
      dynamodbWrites: count(r.dynamodbCalls, writes),
    };
  });
  for (const r of out) {
    log(
      `completion: ${r.updateSeconds} s update → recorded ${r.latencySeconds} s after terminal (interval ${r.pollIntervalSeconds} s, ${r.polls} polls)`,
    );
  }
  const first = rollouts[0];
  return {
    pollSchedule: PollSchedule,
    rollouts: out,
    maxLatencySeconds: Math.max(...out.map((r) => r.latencySeconds)),
    maxLatencyToIntervalRatio: round(Math.max(...out.map((r) => r.latencySeconds / r.pollIntervalSeconds))),
    allWithinOneInterval: out.every((r) => r.withinOneInterval),
    durableOperationsPerRollout: first?.operations ?? 0,
    waitOperationsPerRollout: 1,
    // Each check happens only when a durable wait ends: no more polls than the schedule needs.
    busyLoop: out.some((r) => r.polls > expectedPolls(r.updateSeconds)),
    notes: [
      'Simulated time: the local runner (skipTime) skips waits without moving Date by their length reliably, so the sandbox clock is pinned before each poll to start + the durable waits scheduled so far.',
      "Waiting is one ctx.waitForCondition ('await-update'); between polls the workflow holds no invocation in Lambda (the local runner may run several checks in one process invocation, which is why invocations < polls here).",
    ],
  };
}

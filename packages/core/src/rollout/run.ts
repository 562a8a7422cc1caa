import { createLocalRunner } from './local-runner.ts';
import { PollSchedule, type PollScheduleConfig } from './poll.ts';
import { type RolloutObservation, runRolloutProgram } from './program.ts';
import type { RolloutSummary } from './steps.ts';
import type { RolloutDeps, RolloutRequest } from './types.ts';

/** Progress a caller can show while a rollout runs (the CLI's `--wait` lines). */
export type RolloutProgress = RolloutObservation;

export interface RunRolloutOptions {
  /** Identifies this runner in notification claims (any string unique to this process). */
  owner: string;
  /** Follow the update to its end (else return right after it started). */
  wait: boolean;
  /** The only clock: waits between polls and between retries of an AWS step. */
  sleep: (seconds: number) => Promise<void>;
  schedule?: PollScheduleConfig;
  onProgress?: (progress: RolloutProgress) => void;
}

/**
 * Runs one rollout in this process: the rollout program ({@link runRolloutProgram}, the same one
 * the durable workflow runs) on the local runner (loop and sleep, the same poll schedule and step
 * retries). Every step is idempotent, so running it again for the same request changes nothing once
 * it has finished, and a rerun follows an update an interrupted run started.
 */
export function runRollout(
  request: RolloutRequest,
  deps: RolloutDeps,
  options: RunRolloutOptions,
): Promise<RolloutSummary> {
  return runRolloutProgram(createLocalRunner(options.sleep), request, deps, {
    schedule: options.schedule ?? PollSchedule,
    newOwner: () => options.owner,
    follow: options.wait,
    ...(options.onProgress ? { observe: options.onProgress } : {}),
  });
}

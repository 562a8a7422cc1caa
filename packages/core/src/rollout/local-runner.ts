import { AWS_STEP_RETRY, type RolloutRunner } from './program.ts';

/** Delay before retry number `retry` (1 for the first retry) of an AWS step. Pure. */
export function stepRetryDelaySeconds(retry: number): number {
  const raw = AWS_STEP_RETRY.initialDelaySeconds * AWS_STEP_RETRY.backoffRate ** Math.max(0, retry - 1);
  return Math.min(raw, AWS_STEP_RETRY.maxDelaySeconds);
}

/**
 * Runs a rollout program in this process: each step once (an AWS step up to
 * {@link AWS_STEP_RETRY}`.maxAttempts` times), the wait as a loop that polls and sleeps on the same
 * schedule as the durable wait. Nothing is checkpointed: a rerun relies on the steps being
 * idempotent (the ledger says what already happened). `sleep` is the only clock it uses.
 */
export function createLocalRunner(sleep: (seconds: number) => Promise<void>): RolloutRunner {
  return {
    async step(_name, fn, options) {
      const attempts = options?.retry ? AWS_STEP_RETRY.maxAttempts : 1;
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await fn();
        } catch (error) {
          if (attempt >= attempts) throw error;
          await sleep(stepRetryDelaySeconds(attempt));
        }
      }
    },
    async waitForCondition(_name, check, { initialState, waitStrategy }) {
      let state = initialState;
      // Bounded: the strategy stops once the schedule's total wait is used up.
      for (let attempt = 1; ; attempt += 1) {
        state = await check(state);
        const decision = waitStrategy(state, attempt);
        if (!decision.shouldContinue) return state;
        await sleep(decision.delay.seconds);
      }
    },
  };
}

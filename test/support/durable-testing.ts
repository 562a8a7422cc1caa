/**
 * The durable testing SDK's local runner, for tests, the demo and benchmarks (never the deployed
 * handlers). The testing SDK is pinned at 1.1.0, the newest release that works with the
 * durable SDK 1.0.x that SST 4.17 pins (later ones import enums that 1.0.x does not export).
 *
 * Chained invokes (`context.invoke`, e.g. the durable fleet scan's inspect invocations) need the
 * runner's queue-based scheduler ({@link setupQueuedDurableEnvironment}): with its default
 * scheduler the runner drops the wake-up of an invoke that completes while the caller's invocation
 * is still active ("Skipping scheduled function execution due to current active invocation"), and
 * the execution never resumes. The queue runs the caller's invocations one after another, so no
 * completion is lost.
 */
import { withDurableExecution } from '@aws/durable-execution-sdk-js';
import { LocalDurableTestRunner } from '@aws/durable-execution-sdk-js-testing';

export { LocalDurableTestRunner };
/** `withDurableExecution` from the SDK copy the runner uses. */
export const withDurableExecutionForTesting = withDurableExecution;

/**
 * Starts the local durable runtime with the runner's queue-based scheduler on real timers: the
 * runner picks that scheduler when `skipTime` is set, and the fake clock `skipTime` installs is
 * taken off again (it aborts past 1,000 timers in one step, which a fan-out of many concurrent
 * inspections exceeds, and it would skew wall-clock measurements). Without the fake clock the runner
 * skips only its own clock advances (for `context.wait`), which these executions do not use.
 */
export async function setupQueuedDurableEnvironment(): Promise<void> {
  await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
  const runner = LocalDurableTestRunner as unknown as { fakeClock?: { uninstall(): void } };
  runner.fakeClock?.uninstall();
  runner.fakeClock = undefined;
}

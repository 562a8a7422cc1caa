/**
 * The durable testing SDK's local runner, for tests, the demo and benchmarks (never the deployed
 * handlers). The testing SDK is pinned at 1.1.0, the newest release that works with the
 * durable SDK 1.0.x that SST 4.17 pins (later ones import enums that 1.0.x does not export).
 *
 * Chained invokes (`context.invoke`, e.g. the durable fleet scan's inspect invocations) need
 * `setupTestEnvironment({ skipTime: true })`: with real timers the runner drops the wake-up of an
 * invoke that completes while the caller's invocation is still active ("Skipping scheduled function
 * execution due to current active invocation"), and the execution never resumes. With `skipTime`
 * its queue-based scheduler runs the caller's invocations one after another, and no completion is
 * lost (fake timers that advance with real time: wall-clock measurements stay meaningful).
 */
import { withDurableExecution } from '@aws/durable-execution-sdk-js';
import { LocalDurableTestRunner } from '@aws/durable-execution-sdk-js-testing';

export { LocalDurableTestRunner };
/** `withDurableExecution` from the SDK copy the runner uses. */
export const withDurableExecutionForTesting = withDurableExecution;

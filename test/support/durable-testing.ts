/**
 * The durable testing SDK's local runner, for tests, the demo and benchmarks (never the deployed
 * handlers). The testing SDK is pinned at 1.1.0, the newest release that works with the
 * durable SDK 1.0.x that SST 4.17 pins (later ones import enums that 1.0.x does not export).
 */
import { withDurableExecution } from '@aws/durable-execution-sdk-js';
import { LocalDurableTestRunner } from '@aws/durable-execution-sdk-js-testing';

export { LocalDurableTestRunner };
/** `withDurableExecution` from the SDK copy the runner uses. */
export const withDurableExecutionForTesting = withDurableExecution;

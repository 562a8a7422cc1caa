import type {
  PollScheduleConfig,
  RolloutDeps,
  RolloutSummary,
  WorkflowStarter,
} from '@nodekeeper/core/rollout';
import { createRolloutWorkflow } from '../../functions/lib/workflow.ts';
import { LocalDurableTestRunner, withDurableExecutionForTesting } from './durable-testing.ts';

/** A starter that runs workflows in this process, plus a way to wait for them. */
export interface LocalWorkflowStarter extends WorkflowStarter {
  /** Resolves when every workflow started so far has ended, with their summaries (or errors). */
  settled(): Promise<Array<{ executionName: string; summary: RolloutSummary | null; error: string | null }>>;
}

/**
 * Starts rollout workflows in-process with the durable SDK's local runner instead of Lambda (CLI
 * demo, tests). Like Lambda it refuses a second execution under a name it has already started.
 * Call `setupLocalDurableEnvironment()` once before, and `teardownLocalDurableEnvironment()` after.
 */
export function createLocalWorkflowStarter(options: {
  deps: () => RolloutDeps;
  /** Poll cadence for the local run (e.g. seconds instead of minutes against the sandbox). */
  poll?: PollScheduleConfig;
}): LocalWorkflowStarter {
  const runs = new Map<string, Promise<{ summary: RolloutSummary | null; error: string | null }>>();
  const handlerFunction = withDurableExecutionForTesting(createRolloutWorkflow(options.deps));
  return {
    async start({ executionName, request }) {
      if (runs.has(executionName)) return { kind: 'already-started' };
      const runner = new LocalDurableTestRunner({ handlerFunction });
      const payload = options.poll ? { request, poll: options.poll } : { request };
      runs.set(
        executionName,
        runner.run({ payload }).then(
          (execution) => {
            if (execution.getStatus() === 'SUCCEEDED') {
              return { summary: execution.getResult() as RolloutSummary, error: null };
            }
            return { summary: null, error: JSON.stringify(execution.getError() ?? execution.getStatus()) };
          },
          (error: unknown) => ({
            summary: null,
            error: error instanceof Error ? error.message : String(error),
          }),
        ),
      );
      return { kind: 'started' };
    },
    async settled() {
      const entries = [...runs.entries()];
      const results = await Promise.all(entries.map(([, p]) => p));
      return entries.map(([executionName], i) => ({
        executionName,
        ...(results[i] ?? { summary: null, error: 'lost' }),
      }));
    },
  };
}

/** Starts the local durable runtime (checkpoint server). `skipTime` fakes timers and Date in-process. */
export function setupLocalDurableEnvironment(options: { skipTime: boolean }): Promise<void> {
  return LocalDurableTestRunner.setupTestEnvironment({ skipTime: options.skipTime }).then(() => undefined);
}

export function teardownLocalDurableEnvironment(): Promise<void> {
  return LocalDurableTestRunner.teardownTestEnvironment();
}

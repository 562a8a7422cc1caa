import { rolloutKey } from './key.ts';
import { type PollScheduleConfig, rolloutWaitStrategy, type WaitDecision } from './poll.ts';
import { type RetireStepResult, retireLaunchTemplateVersions } from './retire.ts';
import type { StartResult } from './start.ts';
import {
  finalOutcome,
  forcedRetryOf,
  type GuardStepResult,
  guardStep,
  type NotifyStepResult,
  notifyStep,
  outcomeMessage,
  pollStep,
  type RolloutSummary,
  recordNotStartedStep,
  recordOutcomeStep,
  recordRejectedStep,
  recordStartedStep,
  rolloutNotice,
  startedMessage,
  startStep,
  summaryOf,
  summaryWithoutRecord,
} from './steps.ts';
import {
  NotStartedReason,
  type RolloutDeps,
  type RolloutEvent,
  type RolloutNotice,
  RolloutOutcome,
  type RolloutRecord,
  type RolloutRequest,
  type UpdateError,
} from './types.ts';

/**
 * Retries of a step that calls AWS (`retry: true`), on top of the SDK's own: 4 attempts, 5 s
 * doubling to at most 60 s. Both runners use it, so the CLI gives up exactly when the workflow does.
 */
export const AWS_STEP_RETRY = {
  maxAttempts: 4,
  initialDelaySeconds: 5,
  maxDelaySeconds: 60,
  backoffRate: 2,
} as const;

/** After this many consecutive failed polls the program stops following and records a failure. */
export const MAX_POLL_ERRORS = 10;

/**
 * What runs a rollout program: named steps and one named wait. The durable runner maps them to
 * `ctx.step` / `ctx.waitForCondition` (a completed step is replayed from its checkpoint, never run
 * again); the local runner calls them in a loop with sleeps. Step results must be plain JSON.
 */
export interface RolloutRunner {
  /** Runs `fn` as the step `name`. `retry`: retried per {@link AWS_STEP_RETRY}; throws the last error. */
  step<T>(name: string, fn: () => Promise<T>, options?: { retry?: boolean }): Promise<T>;
  /** Calls `check` (first right away) until `waitStrategy` stops, waiting its delay between calls. */
  waitForCondition<S>(
    name: string,
    check: (state: S) => Promise<S>,
    options: { initialState: S; waitStrategy: (state: S, attempt: number) => WaitDecision },
  ): Promise<S>;
}

/**
 * What the program did, for the shell to log, count or print. Events marked "in a step" are told
 * from inside the step that did it, so a durable replay does not tell them again.
 */
export type RolloutObservation =
  /** In a step: the continuation scan asked for after the rollout ended (budget-held work waits). */
  | {
      kind: 'continuation';
      request: RolloutRequest;
      result: { kind: 'requested' } | { kind: 'failed'; error: string };
    }
  /** In a step: the guard's decision. */
  | { kind: 'guard'; request: RolloutRequest; decision: GuardStepResult }
  /** The guard failed after its retries: recorded and reported as GuardFailed. */
  | { kind: 'guard-failed'; request: RolloutRequest; error: string }
  /** In a step: what the start did. */
  | { kind: 'start'; request: RolloutRequest; result: StartResult }
  /** EKS runs someone else's update: "not now". */
  | { kind: 'busy'; request: RolloutRequest; runningUpdateId: string | null }
  /** In a step: a ledger record the program wrote (or found). */
  | { kind: 'recorded'; request: RolloutRequest; record: RolloutRecord }
  /** The update the program follows from here on (`adopted`: it did not send it in this run). */
  | { kind: 'started'; request: RolloutRequest; updateId: string; adopted: boolean }
  /** In a step: one notice (sent, skipped as already sent, or undeliverable). */
  | { kind: 'notified'; request: RolloutRequest; event: RolloutEvent; result: NotifyStepResult }
  /** In the wait: one poll; `nextPollSeconds` null when the wait ends with it. */
  | {
      kind: 'polled';
      request: RolloutRequest;
      updateId: string;
      status: string;
      nextPollSeconds: number | null;
    }
  /** In the wait: a poll that failed (the wait goes on until {@link MAX_POLL_ERRORS} in a row). */
  | { kind: 'poll-failed'; request: RolloutRequest; updateId: string; error: string }
  /** In a step: the final outcome as it is recorded. */
  | {
      kind: 'outcome';
      request: RolloutRequest;
      updateId: string;
      outcome: ReturnType<typeof finalOutcome>;
    }
  /** A record the ledger did not take after retries (`what`: the failure before start, or the outcome). */
  | {
      kind: 'not-recorded';
      request: RolloutRequest;
      what: 'failure' | 'outcome';
      updateId: string | null;
      detail: string;
      error: string;
    }
  /** After a recorded success: nodekeeper's old launch template versions. */
  | { kind: 'versions-retired'; request: RolloutRequest; result: RetireStepResult }
  /** The wave opted in and EKS could not drain the nodes: the next attempt runs with force. */
  | { kind: 'forced-retry'; request: RolloutRequest };

export interface RolloutProgramOptions {
  /** Poll cadence and wait limit (`rollout.maxWaitHours`); constant for one execution. */
  schedule: PollScheduleConfig;
  /** A notification claim owner; called inside the guard step, so a replay sees the same one. */
  newOwner: () => string;
  /** false: return right after the update started (`roll --apply` without `--wait`). Default true. */
  follow?: boolean;
  observe?: (observation: RolloutObservation) => void;
}

/** The durable wait's state. `polls`: checks so far (absent in executions started before it existed). */
interface PollState {
  status: string;
  errors: UpdateError[];
  /** Consecutive polls that failed (network, throttling after retries). */
  pollErrors: number;
  polls?: number;
}

/**
 * The rollout program: guard → start (+ record, notify) → wait for the EKS update → record the
 * outcome → notify → retire old launch template versions; then, when the wave opted in and EKS
 * failed the update with PodEvictionFailure, the one forced retry ({@link forcedRetryOf}) with step
 * names prefixed `force:`. Every side effect is inside a step of `runner` and the code between steps
 * is deterministic, so a durable replay repeats nothing that completed. Failures before the start
 * (guard or start failing after retries) are recorded and reported; an outcome the ledger refuses
 * is still reported, then thrown (the ledger keeps `started`, so a rerun follows and records it).
 * Step names are a contract with durable executions in flight: never rename them.
 */
export async function runRolloutProgram(
  runner: RolloutRunner,
  request: RolloutRequest,
  deps: RolloutDeps,
  options: RolloutProgramOptions,
): Promise<RolloutSummary> {
  const first = await runAttempt(runner, request, deps, options, '');
  const retry = options.follow === false ? null : forcedRetryOf(request, first);
  if (retry !== null) options.observe?.({ kind: 'forced-retry', request: retry });
  const summary = retry === null ? first : await runAttempt(runner, retry, deps, options, 'force:');
  await askForContinuation(runner, request, summary, deps, options);
  return summary;
}

/**
 * When the plan held node groups back for the budget, a rollout that ended (not one still followed
 * elsewhere) asks for a continuation scan: the budget it held is free now. Once per execution (a
 * step); a failure is observed, never thrown: the next scheduled fire plans the same work.
 */
async function askForContinuation(
  runner: RolloutRunner,
  request: RolloutRequest,
  summary: RolloutSummary,
  deps: RolloutDeps,
  options: RolloutProgramOptions,
): Promise<void> {
  const port = deps.continuation;
  if (port === undefined || request.continuation !== true || summary.outcome === RolloutOutcome.started)
    return;
  const observe = options.observe ?? (() => undefined);
  try {
    await runner.step('continue', async () => {
      const asked = await port.request({
        id: `continuation:${rolloutKey(request)}`,
        runId: request.runId ?? null,
        time: deps.now().toISOString(),
      });
      observe({ kind: 'continuation', request, result: asked });
      return asked;
    });
  } catch (error) {
    observe({ kind: 'continuation', request, result: { kind: 'failed', error: message(error) } });
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function runAttempt(
  runner: RolloutRunner,
  request: RolloutRequest,
  deps: RolloutDeps,
  options: RolloutProgramOptions,
  prefix: string,
): Promise<RolloutSummary> {
  const { schedule } = options;
  const observe = options.observe ?? (() => undefined);
  const step = (name: string) => `${prefix}${name}`;

  const notify = (name: string, notice: RolloutNotice, owner: string) =>
    runner.step(step(name), async () => {
      const result = await notifyStep(notice, owner, deps);
      observe({ kind: 'notified', request, event: notice.event, result });
      return result;
    });

  const recorded = (record: RolloutRecord) => {
    observe({ kind: 'recorded', request, record });
    return record;
  };

  /** Records a rollout that failed before any update ran, and reports it (even when the record fails). */
  const failBeforeStart = async (
    rejected: { errorCode: string; message: string; launchTemplateVersion: string | null },
    owner: string,
  ): Promise<RolloutSummary> => {
    let record: RolloutRecord | null = null;
    let recordError: unknown = null;
    try {
      record = await runner.step(
        step('record-rejected'),
        async () => recorded(await recordRejectedStep(request, rejected, deps)),
        { retry: true },
      );
    } catch (error) {
      recordError = error;
      observe({
        kind: 'not-recorded',
        request,
        what: 'failure',
        updateId: null,
        detail: rejected.errorCode,
        error: message(error),
      });
    }
    const errors = record?.errors ?? [
      { errorCode: rejected.errorCode, errorMessage: rejected.message, resourceIds: [] },
    ];
    await notify(
      'notify-failed',
      rolloutNotice(request, 'failed', {
        updateId: null,
        message: record?.message ?? rejected.message,
        errors,
        status: rejected.errorCode === 'GuardFailed' ? 'GuardFailed' : 'StartFailed',
        finishedAt: record?.finishedAt ?? null,
      }),
      owner,
    );
    // Fails visibly when even the ledger could not take the record.
    if (record === null) throw recordError;
    return summaryOf(record);
  };

  let guard: { decision: GuardStepResult; owner: string };
  try {
    guard = await runner.step(
      step('guard'),
      async () => {
        const decision = await guardStep(request, deps);
        observe({ kind: 'guard', request, decision });
        // The claim owner is drawn inside the step so replays see the same value.
        return { decision, owner: options.newOwner() };
      },
      { retry: true },
    );
  } catch (error) {
    // Retries exhausted before anything started (EKS, SSM or the ledger unreachable): record and
    // report the failure rather than let the rollout vanish.
    const why = message(error);
    observe({ kind: 'guard-failed', request, error: why });
    const owner = await runner.step(step('guard-failed-owner'), async () => options.newOwner());
    return failBeforeStart({ errorCode: 'GuardFailed', message: why, launchTemplateVersion: null }, owner);
  }
  const { decision, owner } = guard;

  /** Records and reports a "not now" (the guard refused, or EKS runs someone else's update). */
  const notStarted = async (why: { reason: NotStartedReason; message: string }) => {
    const record = await runner.step(
      step('record-not-started'),
      async () => recorded(await recordNotStartedStep(request, why, deps)),
      { retry: true },
    );
    await notify(
      'notify-not-started',
      rolloutNotice(request, 'not-started', { updateId: null, reason: why.reason, message: why.message }),
      owner,
    );
    return summaryOf(record);
  };

  if (decision.kind === 'finished') return summaryOf(decision.record);
  if (decision.kind === 'not-started') return notStarted(decision);

  let updateId: string;
  let launchTemplateVersion: string | null;
  let startedAt: string | null = null;
  let threadTs: string | null = null;
  if (decision.kind === 'resume') {
    updateId = decision.updateId;
    launchTemplateVersion = decision.launchTemplateVersion;
    observe({ kind: 'started', request, updateId, adopted: true });
  } else {
    let start: StartResult;
    if (decision.kind === 'reclaim') {
      // An earlier run started this update and died before recording it: follow it.
      start = {
        kind: 'adopted',
        updateId: decision.updateId,
        launchTemplateVersion: decision.launchTemplateVersion,
      };
    } else {
      try {
        start = await runner.step(
          step('start'),
          async () => {
            const result = await startStep(request, deps);
            observe({ kind: 'start', request, result });
            return result;
          },
          { retry: true },
        );
      } catch (error) {
        // Retries exhausted (AWS unreachable, throttled throughout): record the failure, never vanish.
        start = {
          kind: 'rejected',
          errorCode: 'StartFailed',
          message: message(error),
          launchTemplateVersion: null,
        };
      }
    }
    if (start.kind === 'rejected') return failBeforeStart(start, owner);
    // Someone else's update runs: never recorded as ours; the next scan tries again (decision 007).
    if (start.kind === 'busy') {
      observe({ kind: 'busy', request, runningUpdateId: start.runningUpdateId });
      return notStarted({ reason: NotStartedReason.updateInProgress, message: start.message });
    }
    const begun = start;
    updateId = begun.updateId;
    launchTemplateVersion = begun.launchTemplateVersion;
    const record = await runner.step(
      step('record-started'),
      async () => recorded(await recordStartedStep(request, begun, deps)),
      { retry: true },
    );
    startedAt = record.startedAt;
    observe({ kind: 'started', request, updateId, adopted: begun.kind === 'adopted' });
    const sent = await notify(
      'notify-started',
      rolloutNotice(request, 'started', { updateId, message: startedMessage(request), startedAt }),
      owner,
    );
    if (sent.kind === 'sent') threadTs = sent.ts;
  }

  if (options.follow === false) {
    return summaryWithoutRecord(request, {
      outcome: RolloutOutcome.started,
      message: startedMessage(request),
      updateId,
      launchTemplateVersion,
      errors: [],
    });
  }

  const followed = updateId;
  const strategy = rolloutWaitStrategy(schedule);
  const last = await runner.waitForCondition<PollState>(
    step('await-update'),
    async (state) => {
      const polls = (state.polls ?? 0) + 1;
      let next: PollState;
      try {
        const polled = await pollStep(request, followed, deps);
        next = { status: polled.status, errors: polled.errors, pollErrors: 0, polls };
      } catch (error) {
        const why = message(error);
        observe({ kind: 'poll-failed', request, updateId: followed, error: why });
        const pollErrors = state.pollErrors + 1;
        if (pollErrors < MAX_POLL_ERRORS) return { ...state, pollErrors, polls };
        next = {
          status: 'missing',
          errors: [{ errorCode: 'PollFailed', errorMessage: why, resourceIds: [] }],
          pollErrors,
          polls,
        };
      }
      const wait = strategy(next, polls);
      observe({
        kind: 'polled',
        request,
        updateId: followed,
        status: next.status,
        nextPollSeconds: wait.shouldContinue ? wait.delay.seconds : null,
      });
      return next;
    },
    {
      initialState: { status: 'InProgress', errors: [], pollErrors: 0, polls: 0 },
      waitStrategy: (state, attempt) => strategy(state, attempt),
    },
  );

  const outcome = finalOutcome(
    request,
    followed,
    { status: last.status as 'InProgress', errors: last.errors },
    schedule,
  );
  const outcomeText = outcomeMessage(request, outcome, followed, schedule);
  let record: RolloutRecord | null = null;
  let recordError: unknown = null;
  try {
    record = await runner.step(
      step('record-outcome'),
      async () => {
        const r = await recordOutcomeStep(request, followed, outcome, deps, schedule);
        if (r) recorded(r);
        observe({ kind: 'outcome', request, updateId: followed, outcome });
        return r;
      },
      { retry: true },
    );
  } catch (error) {
    // The ledger keeps `started` with the update ID, so a rerun resumes and records it; the
    // outcome is still reported now.
    recordError = error;
    observe({
      kind: 'not-recorded',
      request,
      what: 'outcome',
      updateId: followed,
      detail: outcome.outcome,
      error: message(error),
    });
  }
  await notify(
    `notify-${outcome.outcome}`,
    rolloutNotice(request, outcome.outcome, {
      updateId: followed,
      message: outcomeText,
      errors: outcome.errors,
      threadTs: threadTs ?? record?.slackThreadTs ?? null,
      startedAt: startedAt ?? record?.startedAt ?? null,
      finishedAt: record?.finishedAt ?? null,
      status: last.status,
    }),
    owner,
  );
  if (outcome.outcome === 'succeeded' && recordError === null && request.versionRetention !== undefined) {
    await retireVersions(runner, step('retire-versions'), request, deps, observe);
  }
  if (recordError !== null) throw recordError;
  return record
    ? summaryOf(record)
    : summaryWithoutRecord(request, {
        outcome: outcome.outcome,
        message: outcomeText,
        updateId: followed,
        launchTemplateVersion,
        errors: outcome.errors,
      });
}

/**
 * After a recorded success, nodekeeper's old versions of the node group's launch template, as a
 * step of its own: retried like every AWS step, a replay deletes nothing twice (a version already
 * gone counts as retired), and a failure is told, never failing the rollout.
 */
async function retireVersions(
  runner: RolloutRunner,
  name: string,
  request: RolloutRequest,
  deps: RolloutDeps,
  observe: (observation: RolloutObservation) => void,
): Promise<void> {
  try {
    await runner.step(
      name,
      async () => {
        const result = await retireLaunchTemplateVersions(request, deps);
        observe({ kind: 'versions-retired', request, result });
        return result;
      },
      { retry: true },
    );
  } catch (error) {
    observe({ kind: 'versions-retired', request, result: { kind: 'error', message: message(error) } });
  }
}

import { describe, expect, it } from 'vitest';
import { isRetryable, nextAttempt, recordsByKey } from '../../src/rollout/attempt.ts';
import { rolloutKey } from '../../src/rollout/key.ts';
import { rolloutRecord } from '../../src/rollout/steps.ts';
import type { RolloutRecord } from '../../src/rollout/types.ts';
import { NOW, releaseRequest } from './builders.ts';

const at = NOW.toISOString();

function notStarted(attempt: number, reason: string): RolloutRecord {
  return rolloutRecord(releaseRequest({ attempt }), {
    outcome: 'not-started',
    createdAt: at,
    finishedAt: at,
    reason: reason as RolloutRecord['reason'],
  });
}

function failed(attempt: number, errorCode: string, updateId: string | null = null): RolloutRecord {
  return rolloutRecord(releaseRequest({ attempt }), {
    outcome: 'failed',
    createdAt: at,
    finishedAt: at,
    updateId,
    errors: [{ errorCode, errorMessage: 'x', resourceIds: [] }],
  });
}

describe('isRetryable', () => {
  it.each([
    ['paused', true],
    ['update-in-progress', true],
    ['not-active', true],
    ['version-changed', true],
    ['template-changed', true],
    ['already-on-target', false],
    ['not-found', false],
  ])('not-started (%s) → %s', (reason, expected) => {
    expect(isRetryable(notStarted(1, reason))).toBe(expected);
  });

  it('retries nodekeeper failures before any update ran, never AWS refusals or failed updates', () => {
    expect(isRetryable(failed(1, 'StartFailed'))).toBe(true);
    expect(isRetryable(failed(1, 'GuardFailed'))).toBe(true);
    expect(isRetryable(failed(1, 'InvalidParameterException'))).toBe(false);
    expect(isRetryable(failed(1, 'StartFailed', 'upd-1'))).toBe(false);
    expect(isRetryable(failed(1, 'PodEvictionFailure', 'upd-1'))).toBe(false);
  });

  it('retries a rollout nodekeeper stopped following while EKS still ran it', () => {
    const stillRunning = rolloutRecord(releaseRequest(), {
      outcome: 'still-running',
      createdAt: at,
      finishedAt: at,
      updateId: 'upd-1',
    });
    expect(isRetryable(stillRunning)).toBe(true);
  });
});

describe('nextAttempt', () => {
  const { attempt: _, ...request } = releaseRequest();

  it('is 1 with no history', () => {
    expect(nextAttempt(new Map(), request)).toBe(1);
  });

  it('passes over attempts that ended "not now" and lands on the first open one', () => {
    const history = recordsByKey([notStarted(1, 'paused'), failed(2, 'StartFailed')]);
    expect(nextAttempt(history, request)).toBe(3);
  });

  it('stays on an attempt that is running or final, so rerunning it is a no-op', () => {
    expect(nextAttempt(recordsByKey([notStarted(1, 'already-on-target')]), request)).toBe(1);
    expect(
      nextAttempt(recordsByKey([notStarted(1, 'paused'), failed(2, 'PodEvictionFailure', 'u')]), request),
    ).toBe(2);
  });

  it('gives each attempt its own key', () => {
    expect(rolloutKey({ ...request, attempt: 2 })).not.toBe(rolloutKey({ ...request, attempt: 1 }));
    expect(rolloutKey({ ...request, attempt: 1 })).toBe(rolloutKey(request));
  });

  it('ignores records of other node groups or targets', () => {
    const other = rolloutRecord(releaseRequest({ nodegroup: 'other' }), {
      outcome: 'not-started',
      createdAt: at,
      reason: 'paused',
    });
    expect(nextAttempt(recordsByKey([other]), request)).toBe(1);
  });
});

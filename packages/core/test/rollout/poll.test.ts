import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_WAIT_HOURS,
  PollSchedule,
  pollDelaySeconds,
  pollScheduleFor,
  rolloutWaitStrategy,
  waitedSeconds,
} from '../../src/rollout/poll.ts';
import { parseRolloutRequest } from '../../src/rollout/request.ts';
import { releaseRequest } from './builders.ts';

describe('rolloutWaitStrategy', () => {
  const strategy = rolloutWaitStrategy();

  describe('when the update is still InProgress', () => {
    it('waits 60 s first, doubling up to 5 min', () => {
      const delays = [1, 2, 3, 4, 5].map((a) => strategy({ status: 'InProgress' }, a));
      expect(delays).toEqual(
        [60, 120, 240, 300, 300].map((seconds) => ({ shouldContinue: true, delay: { seconds } })),
      );
    });

    it('stops once the next wait would pass the wait limit (rollout.maxWaitHours, default 24)', () => {
      expect(PollSchedule.maxTotalSeconds).toBe(DEFAULT_MAX_WAIT_HOURS * 3600);
      for (const hours of [DEFAULT_MAX_WAIT_HOURS, 2, 72]) {
        const schedule = pollScheduleFor(hours);
        const limited = rolloutWaitStrategy(schedule);
        let attempt = 1;
        while (limited({ status: 'InProgress' }, attempt).shouldContinue) attempt += 1;
        expect(attempt).toBeLessThan(1000);
        expect(waitedSeconds(attempt, schedule)).toBeLessThanOrEqual(hours * 3600);
        expect(waitedSeconds(attempt, schedule) + pollDelaySeconds(attempt, schedule)).toBeGreaterThan(
          hours * 3600,
        );
      }
    });
  });

  describe('when the update ended', () => {
    it('stops', () => {
      for (const status of ['Successful', 'Failed', 'Cancelled', 'missing']) {
        expect(strategy({ status }, 1)).toEqual({ shouldContinue: false });
      }
    });
  });
});

describe('parseRolloutRequest', () => {
  describe('when the request is well formed', () => {
    it('returns it', () => {
      expect(parseRolloutRequest(releaseRequest())).toEqual(releaseRequest());
    });
  });

  describe('when fields are wrong', () => {
    it('names each bad field', () => {
      const bad = { ...releaseRequest(), region: 'mars', strategy: 'launch-template', launchTemplate: null };
      expect(() => parseRolloutRequest(bad)).toThrow(/region[\s\S]*launchTemplate/);
    });

    it('rejects unknown fields', () => {
      expect(() => parseRolloutRequest({ ...releaseRequest(), extra: 1 })).toThrow(/invalid rollout request/);
    });
  });
});

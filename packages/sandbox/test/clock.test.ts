import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClock } from '../src/clock.ts';

describe('createClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('when running from a given instant', () => {
    it('starts there and moves with elapsed time, whatever the wall clock says', () => {
      vi.useFakeTimers({ toFake: ['Date', 'performance'], now: Date.parse('2030-01-01T00:00:00Z') });
      const clock = createClock('2026-11-24T03:00:00Z', { running: true });
      expect(clock.now().toISOString()).toBe('2026-11-24T03:00:00.000Z');
      vi.advanceTimersByTime(1500);
      expect(clock.now().toISOString()).toBe('2026-11-24T03:00:01.500Z');
    });

    it('re-bases on set and keeps running', () => {
      vi.useFakeTimers({ toFake: ['Date', 'performance'] });
      const clock = createClock('2026-11-24T03:00:00Z', { running: true });
      clock.set('2026-11-24T04:00:00Z');
      vi.advanceTimersByTime(2000);
      clock.advance(60);
      expect(clock.now().toISOString()).toBe('2026-11-24T04:01:02.000Z');
    });
  });

  describe('when pinned', () => {
    it('moves only by set and advance', () => {
      vi.useFakeTimers({ toFake: ['Date', 'performance'] });
      const clock = createClock('2026-11-24T03:00:00Z');
      vi.advanceTimersByTime(5000);
      clock.advance(30);
      expect(clock.now().toISOString()).toBe('2026-11-24T03:00:30.000Z');
    });
  });
});

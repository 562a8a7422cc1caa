import { describe, expect, it } from 'vitest';
import { FaultInjector, faultRulesSchema } from '../src/faults.ts';

const latencies = (seed: number | undefined, n: number): number[] => {
  const faults = new FaultInjector(() => 0);
  faults.set([{ service: '*', latencyMs: 50, jitter: { ms: 20, ...(seed === undefined ? {} : { seed }) } }]);
  return Array.from({ length: n }, () => faults.decide('eks', 'DescribeNodegroup').latencyMs);
};

describe('FaultInjector', () => {
  describe('when a latency rule has jitter', () => {
    it('spreads the latency over ±jitter, the same way for the same seed', () => {
      const a = latencies(7, 500);
      expect(latencies(7, 500)).toEqual(a);
      expect(latencies(8, 500)).not.toEqual(a);
      expect(Math.min(...a)).toBeGreaterThanOrEqual(30);
      expect(Math.max(...a)).toBeLessThanOrEqual(70);
      // Spread over the range, not a few values: answers to calls sent together do not arrive together.
      expect(new Set(a.map((ms) => Math.floor(ms))).size).toBeGreaterThan(35);
      const mean = a.reduce((s, ms) => s + ms, 0) / a.length;
      expect(mean).toBeGreaterThan(48);
      expect(mean).toBeLessThan(52);
    });

    it('never goes below zero', () => {
      const faults = new FaultInjector(() => 0);
      faults.set([{ service: '*', latencyMs: 5, jitter: { ms: 50, seed: 3 } }]);
      for (let i = 0; i < 200; i++)
        expect(faults.decide('ec2', 'DescribeImages').latencyMs).toBeGreaterThanOrEqual(0);
    });

    it('rejects a negative jitter in the control API', () => {
      expect(faultRulesSchema.safeParse([{ service: '*', latencyMs: 5, jitter: { ms: -1 } }]).success).toBe(
        false,
      );
    });
  });
});

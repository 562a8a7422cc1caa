import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config.ts';
import { executionName } from '../../src/rollout/key.ts';
import { START_CONCURRENCY, startRollouts, type WorkflowStarter } from '../../src/rollout/scan.ts';
import { releaseRequest } from './builders.ts';

const requests = (n: number) =>
  Array.from({ length: n }, (_, i) => releaseRequest({ nodegroup: `group-${String(i).padStart(2, '0')}` }));

/** A starter whose starts stay in flight until released, counting how many are in flight at once. */
function gatedStarter() {
  let inFlight = 0;
  let peak = 0;
  const waiting: Array<() => void> = [];
  const started: string[] = [];
  const starter: WorkflowStarter = {
    async start({ executionName: name, request }) {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      started.push(name);
      await new Promise<void>((resolve) => waiting.push(resolve));
      inFlight -= 1;
      if (request.nodegroup === 'group-03') throw new Error('TooManyRequestsException: Rate exceeded');
      return { kind: request.nodegroup === 'group-05' ? 'already-started' : 'started' };
    },
  };
  const releaseAll = async () => {
    while (waiting.length > 0) {
      const next = waiting.shift();
      if (next === undefined) break;
      next();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
  return {
    starter,
    started,
    releaseAll,
    get inFlight() {
      return inFlight;
    },
    get peak() {
      return peak;
    },
  };
}

describe('startRollouts', () => {
  describe('when more rollouts are planned than may start at once', () => {
    it('keeps at most `concurrency` starts in flight and starts every one, results in request order', async () => {
      const s = gatedStarter();
      const planned = requests(12);
      const done = startRollouts(planned, s.starter, 'prod', 4);
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(s.inFlight).toBe(4);
      expect(s.started).toHaveLength(4);
      await s.releaseAll();
      const results = await done;
      expect(s.peak).toBe(4);
      expect(s.started).toHaveLength(12);
      expect(results.map((r) => r.executionName)).toEqual(planned.map((r) => executionName(r, 'prod')));
      expect(results.map((r) => r.kind)).toEqual([
        'started',
        'started',
        'started',
        'error',
        'started',
        'already-started',
        'started',
        'started',
        'started',
        'started',
        'started',
        'started',
      ]);
      expect(results[3]).toMatchObject({ kind: 'error', message: 'TooManyRequestsException: Rate exceeded' });
    });

    it(`starts ${START_CONCURRENCY} at a time by default, the config's default too`, async () => {
      const s = gatedStarter();
      const done = startRollouts(requests(25), s.starter, 'prod');
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(s.inFlight).toBe(START_CONCURRENCY);
      await s.releaseAll();
      expect(await done).toHaveLength(25);
      expect(s.peak).toBe(START_CONCURRENCY);
      expect(configSchema.parse({ regions: ['us-east-1'] }).rollout.startConcurrency).toBe(START_CONCURRENCY);
    });
  });

  describe('when nothing is planned', () => {
    it('starts nothing', async () => {
      const s = gatedStarter();
      expect(await startRollouts([], s.starter, 'prod', 4)).toEqual([]);
      expect(s.started).toEqual([]);
    });
  });

  describe('when the config asks for a pace outside 1-100', () => {
    it('is refused with the allowed range', () => {
      const parsed = configSchema.safeParse({ regions: ['us-east-1'], rollout: { startConcurrency: 0 } });
      expect(parsed.success).toBe(false);
      expect(
        configSchema.safeParse({ regions: ['us-east-1'], rollout: { startConcurrency: 101 } }).success,
      ).toBe(false);
    });
  });
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from '../../bench/run.ts';

/** The CI smoke run of `npm run bench -- --quick`: structure and exact call counts, never speed. */
let dir: string | null = null;

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm run bench -- --quick', () => {
  describe('when the acknowledgement section runs', () => {
    it('answers every signed request with 200 and touches AWS only through the hand-off', async () => {
      const out = await mkdtemp(join(tmpdir(), 'nodekeeper-bench-ack-'));
      try {
        const { results } = await runBench({ quick: true, only: ['ack'], outDir: out, log: () => {} });
        const cases = results.acknowledgement?.cases ?? [];
        expect(cases.map((c) => `${c.kind}/${c.aws}`)).toEqual([
          'slash/answering',
          'interaction/answering',
          'slash/hanging',
          'interaction/hanging',
        ]);
        for (const c of cases) {
          expect(c.statuses).toEqual({ 200: c.cold.samples + c.warm.samples });
          expect(Object.keys(c.awsCalls)).toEqual(['lambda:Invoke']);
        }
        expect(await readFile(join(out, 'README.md'), 'utf8')).toContain('## 6. Acknowledgement');
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    }, 120_000);
  });

  describe('when the scan and cost sections run on the small fleet', () => {
    it('writes every scan figure, makes the minimal API calls (one early batch flush tolerated) and renders the README', async () => {
      dir = await mkdtemp(join(tmpdir(), 'nodekeeper-bench-test-'));
      const { results } = await runBench({ quick: true, only: ['scan', 'cost'], outDir: dir, log: () => {} });
      const scan = results.scan;
      expect(scan).not.toBeNull();
      expect(scan?.nodegroups).toBe(40);
      // One call per describe and list, exactly. The batched reads (GetParameters, DescribeImages)
      // flush a partial batch when the request queue runs low, a timing rule: on a loaded CI
      // machine one may leave a round early and a later key take one more call. The bench reports
      // the measured count against the minimum (bench/README.md); here at most one extra per
      // batched operation is a pass, never fewer than the minimum.
      const batched = new Set(['GetParameters', 'DescribeImages']);
      const made: Record<string, number> = scan?.apiCallsByOperation ?? {};
      const minimal: Record<string, number> = scan?.minApiCallsByOperation ?? {};
      expect(Object.keys(made).sort()).toEqual(Object.keys(minimal).sort());
      for (const [operation, min] of Object.entries(minimal)) {
        if (batched.has(operation)) {
          expect(made[operation], operation).toBeGreaterThanOrEqual(min);
          expect(made[operation], operation).toBeLessThanOrEqual(min + 1);
        } else expect(made[operation], operation).toBe(min);
      }
      for (const key of [
        'wallMs',
        'lowerBoundMs',
        'ratioToLowerBound',
        'serialWallMs',
        'speedupVsSerial',
        'cpuPerCallMs',
        'liveLowerBoundMs',
        'liveRatio',
      ] as const) {
        expect(scan?.[key]).toBeGreaterThan(0);
      }
      // The zero-CPU replay of the recorded answers, and the recording itself: the minimal calls,
      // give or take the same early flush of each batched read.
      const min = scan?.minApiCalls ?? 0;
      for (const calls of [scan?.structural.apiCalls, scan?.structural.recordedAnswers]) {
        expect(calls).toBeGreaterThanOrEqual(min);
        expect(calls).toBeLessThanOrEqual(min + batched.size);
      }
      expect(scan?.structural.ratioToLowerBound).toBeGreaterThan(0);
      expect(scan?.throttled).toMatchObject({
        failedCalls: 0,
        wallMs: expect.any(Number),
        lowerBoundMs: expect.any(Number),
        ratioToLowerBound: expect.any(Number),
        retries: expect.any(Number),
      });
      expect(results.cost?.monthlyUsd.total).toEqual(expect.any(Number));
      const written = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8'));
      expect(written.scan.minApiCalls).toBe(scan?.minApiCalls);
      const readme = await readFile(join(dir, 'README.md'), 'utf8');
      expect(readme).toContain('## 1. Fleet scan');
      expect(readme).toContain('## 4. Cost model');
    });
  });
});

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
    it('writes every scan figure, makes exactly the minimal API calls and renders the README', async () => {
      dir = await mkdtemp(join(tmpdir(), 'nodekeeper-bench-test-'));
      const { results } = await runBench({ quick: true, only: ['scan', 'cost'], outDir: dir, log: () => {} });
      const scan = results.scan;
      expect(scan).not.toBeNull();
      expect(scan?.nodegroups).toBe(40);
      expect(scan?.apiCalls).toBe(scan?.minApiCalls);
      expect(scan?.apiCallsByOperation).toEqual(scan?.minApiCallsByOperation);
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
      // The zero-CPU replay of the recorded answers makes the same minimal calls.
      expect(scan?.structural.apiCalls).toBe(scan?.minApiCalls);
      expect(scan?.structural.ratioToLowerBound).toBeGreaterThan(0);
      expect(scan?.structural.recordedAnswers).toBe(scan?.minApiCalls);
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

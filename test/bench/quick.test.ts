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
        expect(await readFile(join(out, 'README.md'), 'utf8')).toContain('## 7. Acknowledgement');
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    }, 120_000);
  });

  describe('when the fan-out section runs on the small fleet', () => {
    it('inspects each target in its own invocation, makes the minimal calls and plans what one invocation plans', async () => {
      const out = await mkdtemp(join(tmpdir(), 'nodekeeper-bench-fanout-'));
      try {
        const { results } = await runBench({ quick: true, only: ['fanout'], outDir: out, log: () => {} });
        const f = results.fleetFanout;
        expect(f).toBeTruthy();
        if (!f) return;
        expect(f.fansOut).toBe(true);
        expect(f.status).toBe('SUCCEEDED');
        expect(f.targets).toBe(6);
        expect(f.nodegroups).toBe(60);
        // Fanned out: one inspect invocation per target; the fleet scan suspended between them.
        expect(f.inspect.invocations).toBe(f.targets);
        expect(f.inspect.failed).toBe(0);
        expect(f.planned.errors).toBe(0);
        expect(f.fleetScan.invocations).toBeGreaterThan(1);
        expect(f.fleetScan.runnerInvocations).toBe(f.fleetScan.invocations);
        expect(f.inspect.largestResultBytes).toBeGreaterThan(0);
        expect(f.inspect.largestResultBytes).toBeLessThanOrEqual(f.inspect.resultLimitBytes);
        // Every describe and list exactly once, one AssumeRole and one reachability check per target;
        // each target's own batched reads may take one early flush (the tolerance of the scan case).
        const batched = new Set(['GetParameters', 'DescribeImages']);
        const made = f.apiCalls.byOperation;
        const minimal = f.apiCalls.minimumByOperation;
        expect(Object.keys(made).sort()).toEqual(
          Object.keys(minimal)
            .filter((op) => (minimal[op] ?? 0) > 0)
            .sort(),
        );
        for (const [operation, min] of Object.entries(minimal)) {
          const n = made[operation] ?? 0;
          if (batched.has(operation)) {
            expect(n, operation).toBeGreaterThanOrEqual(min);
            expect(n, operation).toBeLessThanOrEqual(min + f.targets);
          } else expect(n, operation).toBe(min);
        }
        expect(f.apiCalls.assumeRole).toBe(f.targets);
        // Waves and budgets over the merged inspections: every plan item equals the
        // single-invocation path's (inspectTargets + planFleet), and so do the counts.
        expect(f.singleInvocation).toEqual({
          items: f.nodegroups,
          differingItems: 0,
          identical: true,
          countsEqual: true,
        });
        expect(f.planned.roll + f.planned.current + f.planned.skip).toBe(f.nodegroups);
        expect(f.rolloutsStarted).toBeGreaterThan(0);
        const readme = await readFile(join(out, 'README.md'), 'utf8');
        expect(readme).toContain('## 6. Durable fleet scan: past one invocation');
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

import type { PlanProgress } from '@nodekeeper/core/plan';
import { describe, expect, it } from 'vitest';
import { planProgressLine, planProgressRenderer } from '../src/progress.ts';

const target = { accountId: null, region: 'us-east-1', clusters: ['*'], role: null };
const at = (phase: PlanProgress['phase'], clustersDone: number, nodegroupsDone: number, targetsDone = 0) =>
  ({
    phase,
    target,
    targetsDone,
    targetsTotal: 1,
    clustersDone,
    clustersTotal: 4,
    nodegroupsDone,
  }) as PlanProgress;

describe('planProgressLine', () => {
  it('counts regions, clusters and node groups done', () => {
    expect(planProgressLine(at('cluster', 2, 37))).toBe(
      'inspecting: 0/1 regions, 2/4 clusters, 37 node groups',
    );
  });
});

describe('planProgressRenderer', () => {
  describe('when stderr is a terminal', () => {
    it('redraws one line in place and clears it when done', () => {
      let out = '';
      const r = planProgressRenderer((t) => {
        out += t;
      }, true);
      r.onProgress(at('cluster', 1, 5));
      r.onProgress(at('cluster', 2, 9));
      r.onProgress(at('inspected', 4, 20, 1));
      r.done();
      expect(out.split('\n')).toEqual([
        '\r\x1b[Kinspecting: 0/1 regions, 1/4 clusters, 5 node groups\r\x1b[Kinspecting: 0/1 regions, 2/4 clusters, 9 node groups\r\x1b[Kinspected us-east-1',
        '\r\x1b[Kinspecting: 1/1 regions, 4/4 clusters, 20 node groups\r\x1b[K',
      ]);
    });
  });

  describe('when it is not (--progress)', () => {
    it('prints a line whenever the counts change', () => {
      const lines: string[] = [];
      const r = planProgressRenderer((t) => lines.push(t), false);
      r.onProgress(at('cluster', 1, 5));
      r.onProgress(at('cluster', 1, 5));
      r.onProgress(at('cluster', 2, 9));
      r.done();
      expect(lines).toEqual([
        'inspecting: 0/1 regions, 1/4 clusters, 5 node groups\n',
        'inspecting: 0/1 regions, 2/4 clusters, 9 node groups\n',
      ]);
    });
  });
});

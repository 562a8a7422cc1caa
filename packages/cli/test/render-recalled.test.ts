import type { Plan, PlanItem } from '@nodekeeper/core/plan';
import { describe, expect, it } from 'vitest';
import { renderPlanTable } from '../src/render.ts';

const item = (nodegroup: string, warned: boolean): PlanItem => ({
  accountId: null,
  cluster: 'dev-a',
  nodegroup,
  region: 'us-east-1',
  decision: 'current',
  reason: null,
  message: 'at 1.33.5-20261110',
  strategy: 'release-version',
  current: { releaseVersion: '1.33.5-20261110', imageId: null },
  target: { releaseVersion: '1.33.5-20261110', imageId: 'ami-0new' },
  wave: 'dev',
  ...(warned
    ? {
        warnings: [
          {
            code: 'running-recalled' as const,
            message: 'runs 1.33.5-20261110, recalled by ana at 2026-11-25 10:00 UTC: GPU nodes fail to join',
          },
        ],
      }
    : {}),
});

describe('renderPlanTable', () => {
  describe('when node groups run a recalled image', () => {
    it('prints the warning under their table and counts them under the plan', () => {
      const plan: Plan = {
        generatedAt: '2026-11-25T11:00:00.000Z',
        items: [item('general', true), item('gpu', true), item('batch', false)],
      };
      const text = renderPlanTable(plan);
      expect(text).toContain(
        '  warning: general, gpu: runs 1.33.5-20261110, recalled by ana at 2026-11-25 10:00 UTC: GPU nodes fail to join (running-recalled)\n',
      );
      expect(text).toContain(
        '2 node groups run a recalled image (running-recalled above); `nodekeeper recall --list` shows the recalls.\n',
      );
    });

    it('says nothing about recalls when none is run', () => {
      const plan: Plan = { generatedAt: '2026-11-25T11:00:00.000Z', items: [item('batch', false)] };
      expect(renderPlanTable(plan)).not.toContain('recalled image');
    });
  });
});

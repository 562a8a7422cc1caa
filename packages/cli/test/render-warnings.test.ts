import type { Plan } from '@nodekeeper/core/plan';
import { describe, expect, it } from 'vitest';
import { renderPlanTable } from '../src/render.ts';

const plan: Plan = {
  generatedAt: '2026-11-20T00:00:00.000Z',
  items: [
    {
      accountId: null,
      cluster: 'prod-a',
      nodegroup: 'custom',
      region: 'us-east-1',
      decision: 'roll',
      reason: null,
      message: 'ami-0old → ami-0new',
      strategy: 'launch-template',
      current: { releaseVersion: 'ami-0old', imageId: 'ami-0old' },
      target: { releaseVersion: null, imageId: 'ami-0new' },
      wave: null,
      warnings: [
        {
          code: 'shared-template-latest',
          message: 'launch template lt-01 is shared with prod-a/batch at $Latest',
        },
      ],
    },
  ],
};

describe('renderPlanTable', () => {
  describe('when an item has warnings', () => {
    it('prints each under its cluster’s table with the node group and code', () => {
      expect(renderPlanTable(plan)).toContain(
        '  warning: custom: launch template lt-01 is shared with prod-a/batch at $Latest (shared-template-latest)\n',
      );
    });
  });
});

import { buildPlanSummaryMessage } from '@nodekeeper/core/messages';
import type { Plan, PlanItem } from '@nodekeeper/core/plan';
import { describe, expect, it } from 'vitest';
import { renderPlanTable } from '../src/render.ts';

const base: PlanItem = {
  accountId: null,
  cluster: 'dev-a',
  nodegroup: 'web',
  region: 'us-east-1',
  decision: 'roll',
  reason: null,
  message: 'kubernetes 1.32 → 1.33 (cluster is 1.33); 1.32.9-20261110 → 1.33.5-20261110',
  strategy: 'release-version',
  current: { releaseVersion: '1.32.9-20261110', imageId: null },
  target: { releaseVersion: '1.33.5-20261110', imageId: 'ami-0133' },
  wave: 'dev',
  targetVersion: '1.33',
};

const { targetVersion: _following, ...notFollowing } = base;
const held: PlanItem = {
  ...notFollowing,
  cluster: 'prod-b',
  nodegroup: 'legacy',
  decision: 'skip',
  reason: 'version-behind',
  message:
    'kubernetes 1.32 is behind cluster 1.33; set followClusterVersion on wave steady to follow (on its own minor: at 1.32.9-20261110)',
  target: { releaseVersion: '1.32.9-20261110', imageId: 'ami-0132' },
  wave: 'steady',
};

const plan: Plan = { generatedAt: '2026-11-25T04:00:00.000Z', items: [base, held] };

describe('renderPlanTable', () => {
  describe('when node groups are behind their cluster’s Kubernetes version', () => {
    it('counts those that follow and those held without followClusterVersion', () => {
      const text = renderPlanTable(plan);
      expect(text).toContain(
        "Kubernetes: 1 node group planned to follow the cluster's version, 1 behind it without followClusterVersion.\n",
      );
      expect(text).toContain('kubernetes 1.32 → 1.33 (cluster is 1.33)');
    });

    it('says nothing of Kubernetes versions when every group is at its cluster’s', () => {
      const { targetVersion: _, ...current } = { ...base, decision: 'current' as const };
      expect(renderPlanTable({ ...plan, items: [current] })).not.toContain('Kubernetes:');
    });
  });
});

describe('buildPlanSummaryMessage', () => {
  it('lists the groups behind their cluster and names the move of those that follow', () => {
    const message = JSON.stringify(buildPlanSummaryMessage(plan).blocks);
    expect(message).toContain('*Kubernetes versions behind the cluster* (1)');
    expect(message).toContain('set followClusterVersion on wave steady to follow');
    expect(message).toContain('to kubernetes 1.33');
  });
});

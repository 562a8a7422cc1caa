import type { Plan, PlanItem } from '@nodekeeper/core/plan';
import { describe, expect, it } from 'vitest';
import { renderPlanTable } from '../src/render.ts';

const EOL = {
  code: 'ami-family-end-of-life',
  message:
    'EKS publishes no new AL2 AMIs since 2025-11-26 (Kubernetes 1.32 was the last): move to AL2023 or Bottlerocket',
} as const;

function item(nodegroup: string, warnings: PlanItem['warnings']): PlanItem {
  return {
    accountId: null,
    cluster: 'dev-a',
    nodegroup,
    region: 'us-east-1',
    decision: 'current',
    reason: null,
    message: 'at 1.32.9-20251209',
    strategy: 'release-version',
    current: { releaseVersion: '1.32.9-20251209', imageId: null },
    target: { releaseVersion: '1.32.9-20251209', imageId: 'ami-0last' },
    wave: null,
    ...(warnings ? { warnings } : {}),
  };
}

describe('renderPlanTable', () => {
  describe('when node groups share a warning', () => {
    it('prints it once, naming every node group', () => {
      const plan: Plan = {
        generatedAt: '2026-11-20T00:00:00.000Z',
        items: [
          item('a', [EOL]),
          item('b', [
            EOL,
            {
              code: 'image-deprecating',
              message: 'running image ami-0b is deprecated on 2026-12-01 (in 11 days)',
            },
          ]),
          item('c', undefined),
        ],
      };
      const text = renderPlanTable(plan);
      expect(text.split('\n').filter((l) => l.includes('ami-family-end-of-life'))).toEqual([
        `  warning: a, b: ${EOL.message} (ami-family-end-of-life)`,
      ]);
      expect(text).toContain(
        '  warning: b: running image ami-0b is deprecated on 2026-12-01 (in 11 days) (image-deprecating)\n',
      );
    });

    it('names five node groups and counts the rest', () => {
      const names = ['g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7'];
      const text = renderPlanTable({
        generatedAt: '2026-11-20T00:00:00.000Z',
        items: names.map((n) => item(n, [EOL])),
      });
      expect(text).toContain(
        `  warning: g1, g2, g3, g4, g5 and 2 more: ${EOL.message} (ami-family-end-of-life)\n`,
      );
    });
  });
});

import { describe, expect, it } from 'vitest';
import { plan } from '../src/planner.ts';
import type { NodegroupFacts } from '../src/types/fleet.ts';
import { aCatalog, aCustomNodegroup, aFleet, aPolicy, NOW, OLD_AMI } from './builders.ts';

/** A second group on the same template (lt-01), at `version`. */
function aSharer(version: string, overrides: Partial<NodegroupFacts> = {}): NodegroupFacts {
  return aCustomNodegroup(OLD_AMI, {
    nodegroup: 'batch',
    launchTemplate: { id: 'lt-01', name: 'custom', version, imageId: OLD_AMI },
    ...overrides,
  });
}

function itemsOf(nodegroups: NodegroupFacts[]) {
  return plan(aFleet(nodegroups), aCatalog(), aPolicy({ maxConcurrentPerCluster: 5 }), NOW).items;
}

describe('plan warnings', () => {
  describe('when another node group uses the rolled group’s launch template at $Latest', () => {
    it('warns on the roll item with shared-template-latest, naming that group', () => {
      const items = itemsOf([aCustomNodegroup(OLD_AMI), aSharer('$Latest')]);
      const custom = items.find((i) => i.nodegroup === 'custom');
      expect(custom?.decision).toBe('roll');
      expect(custom?.warnings).toEqual([
        {
          code: 'shared-template-latest',
          message:
            'launch template lt-01 is shared with prod-a/batch at $Latest: the version nodekeeper creates becomes their $Latest too',
        },
      ]);
    });

    it('puts warnings last in the item, after the contract’s keys', () => {
      const items = itemsOf([aCustomNodegroup(OLD_AMI), aSharer('$Latest')]);
      const custom = items.find((i) => i.nodegroup === 'custom');
      expect(Object.keys(custom ?? {}).at(-1)).toBe('warnings');
      expect(JSON.parse(JSON.stringify(custom)).warnings).toHaveLength(1);
    });
  });

  describe('when the others pin a version or use $Default', () => {
    it('adds no warnings key at all', () => {
      for (const version of ['4', '$Default']) {
        const items = itemsOf([aCustomNodegroup(OLD_AMI), aSharer(version)]);
        for (const item of items) expect(item).not.toHaveProperty('warnings');
      }
    });
  });

  describe('when the $Latest user is in another account or region', () => {
    it('does not warn: a template belongs to one account and region', () => {
      const items = itemsOf([
        aCustomNodegroup(OLD_AMI),
        aSharer('$Latest', { accountId: '444455556666' }),
        aSharer('$Latest', { region: 'eu-west-1', nodegroup: 'batch-eu' }),
      ]);
      expect(items.find((i) => i.nodegroup === 'custom')).not.toHaveProperty('warnings');
    });
  });

  describe('when the item does not roll', () => {
    it('does not warn', () => {
      const paused = plan(
        aFleet([aCustomNodegroup(OLD_AMI), aSharer('$Latest')]),
        aCatalog(),
        aPolicy({ paused: { reason: 'freeze', by: null, at: null } }),
        NOW,
      );
      for (const item of paused.items) expect(item).not.toHaveProperty('warnings');
    });
  });
});

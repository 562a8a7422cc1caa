import { describe, expect, it } from 'vitest';
import { BOTTLEROCKET_MESSAGE, planPatch } from '../../src/patch/targeting.ts';
import type { PatchPlan } from '../../src/patch/types.ts';
import { ASG, aNodegroup, anInstance, aRequest, managed, someFacts } from './builders.ts';

function planned(plan: PatchPlan) {
  if (plan.kind !== 'planned') throw new Error(`expected a plan, got ${JSON.stringify(plan)}`);
  return plan;
}

describe('planPatch', () => {
  describe('when every instance is SSM-managed and online', () => {
    it('patches the node group with its verified instance IDs', () => {
      const plan = planned(planPatch(aRequest(), someFacts()));
      expect(plan.items).toHaveLength(1);
      expect(plan.items[0]).toMatchObject({
        nodegroup: 'general',
        decision: 'patch',
        reason: null,
        platform: 'Linux',
        instanceIds: ['i-0000000000000a001', 'i-0000000000000a002', 'i-0000000000000a003'],
      });
      expect(plan.unmanaged).toEqual([]);
    });
  });

  describe('when an instance is not SSM-managed or offline', () => {
    it('lists it as unmanaged and sends to the others', () => {
      const facts = someFacts([aNodegroup()], ['i-0000000000000a001', 'i-0000000000000a002']);
      facts.managed['i-0000000000000a002'] = managed('i-0000000000000a002', { pingStatus: 'ConnectionLost' });
      const plan = planned(planPatch(aRequest(), facts));
      expect(plan.items[0]?.instanceIds).toEqual(['i-0000000000000a001']);
      expect(plan.unmanaged).toEqual([
        { instanceId: 'i-0000000000000a002', cluster: 'prod-a', nodegroup: 'general', reason: 'offline' },
        {
          instanceId: 'i-0000000000000a003',
          cluster: 'prod-a',
          nodegroup: 'general',
          reason: 'not-registered',
        },
      ]);
      expect(plan.items[0]?.message).toBe('Install on 1 managed instance (2 unmanaged)');
    });
  });

  describe('when the node group runs Bottlerocket', () => {
    it('refuses with unsupported-platform and points to nodekeeper roll', () => {
      const plan = planned(
        planPatch(aRequest(), someFacts([aNodegroup({ amiType: 'BOTTLEROCKET_x86_64' })])),
      );
      expect(plan.items[0]).toMatchObject({
        decision: 'refuse',
        reason: 'unsupported-platform',
        platform: 'Bottlerocket',
        instanceIds: [],
        message: BOTTLEROCKET_MESSAGE,
      });
      expect(BOTTLEROCKET_MESSAGE).toContain('image replacement');
      expect(BOTTLEROCKET_MESSAGE).toContain('nodekeeper roll');
    });

    it('refuses a CUSTOM node group whose instances SSM reports as Bottlerocket', () => {
      const facts = someFacts([aNodegroup({ amiType: 'CUSTOM' })]);
      facts.managed['i-0000000000000a001'] = managed('i-0000000000000a001', { platformName: 'Bottlerocket' });
      expect(planned(planPatch(aRequest(), facts)).items[0]?.reason).toBe('unsupported-platform');
    });
  });

  describe('when the node group runs Windows', () => {
    it('patches it: Patch Manager has Windows baselines', () => {
      const plan = planned(
        planPatch(aRequest(), someFacts([aNodegroup({ amiType: 'WINDOWS_CORE_2022_x86_64' })])),
      );
      expect(plan.items[0]).toMatchObject({ decision: 'patch', platform: 'Windows' });
    });
  });

  describe('when the node group is tagged nodekeeper.io/skip=true', () => {
    it('refuses with opted-out', () => {
      const plan = planned(
        planPatch(aRequest(), someFacts([aNodegroup({ tags: { 'nodekeeper.io/skip': 'TRUE' } })])),
      );
      expect(plan.items[0]).toMatchObject({ decision: 'refuse', reason: 'opted-out', instanceIds: [] });
    });
  });

  describe('when no instance is managed', () => {
    it('refuses with no-managed-instances and still lists the instances', () => {
      const plan = planned(planPatch(aRequest(), someFacts([aNodegroup()], [])));
      expect(plan.items[0]).toMatchObject({ decision: 'refuse', reason: 'no-managed-instances' });
      expect(plan.unmanaged).toHaveLength(3);
    });

    it('refuses a node group without running instances', () => {
      const plan = planned(planPatch(aRequest(), someFacts([aNodegroup({ instances: [] })])));
      expect(plan.items[0]).toMatchObject({
        reason: 'no-managed-instances',
        message: 'no running instances found for this node group',
      });
    });
  });

  describe('when an instance carries copied eks tags but is not in the Auto Scaling group', () => {
    it('excludes it, so no command can name it', () => {
      const spoofed = anInstance('i-0000000000000bad1', { 'aws:autoscaling:groupName': undefined });
      const other = anInstance('i-0000000000000bad2', { 'aws:autoscaling:groupName': 'someone-elses-asg' });
      const facts = someFacts([
        aNodegroup({ instances: [anInstance('i-0000000000000a001'), spoofed, other] }),
      ]);
      const plan = planned(planPatch(aRequest(), facts));
      expect(plan.items[0]?.instanceIds).toEqual(['i-0000000000000a001']);
      expect(plan.excluded.map((e) => e.instanceId)).toEqual(['i-0000000000000bad1', 'i-0000000000000bad2']);
    });

    it('rejects the request when the spoofed instance is named explicitly', () => {
      const spoofed = anInstance('i-0000000000000bad1', { 'aws:autoscaling:groupName': undefined });
      const facts = someFacts([aNodegroup({ instances: [anInstance('i-0000000000000a001'), spoofed] })]);
      const plan = planPatch(aRequest({ instanceIds: ['i-0000000000000bad1'] }), facts);
      expect(plan).toEqual({
        kind: 'invalid',
        issues: ['instanceIds: i-0000000000000bad1 is not a running instance of cluster prod-a'],
      });
    });
  });

  describe('when EKS reports no Auto Scaling group', () => {
    it('decides membership by exact eks tags', () => {
      const facts = someFacts([
        aNodegroup({
          autoScalingGroups: [],
          instances: [
            anInstance('i-0000000000000a001'),
            anInstance('i-0000000000000a002', { 'eks:cluster-name': 'prod-b' }),
          ],
        }),
      ]);
      const plan = planned(planPatch(aRequest(), facts));
      expect(plan.items[0]?.instanceIds).toEqual(['i-0000000000000a001']);
      expect(plan.excluded.map((e) => e.instanceId)).toEqual(['i-0000000000000a002']);
    });
  });

  describe('when instance IDs are requested', () => {
    const two = () =>
      someFacts([
        aNodegroup(),
        aNodegroup({
          nodegroup: 'arm',
          autoScalingGroups: ['eks-arm'],
          instances: [anInstance('i-0000000000000b001', {}, 'arm', 'eks-arm')],
        }),
      ]);

    it('targets only those instances and only their node groups', () => {
      const plan = planned(planPatch(aRequest({ instanceIds: ['i-0000000000000a002'] }), two()));
      expect(plan.items.map((i) => [i.nodegroup, i.instanceIds])).toEqual([
        ['general', ['i-0000000000000a002']],
      ]);
    });

    it('rejects an ID of another cluster (nothing planned)', () => {
      const plan = planPatch(
        aRequest({ instanceIds: ['i-0000000000000a001', 'i-0fffffffffffffff0'] }),
        two(),
      );
      expect(plan.kind).toBe('invalid');
      if (plan.kind === 'invalid') expect(plan.issues.join()).toContain('i-0fffffffffffffff0');
    });

    it('rejects an ID of an unselected node group of the same cluster', () => {
      const plan = planPatch(
        aRequest({ nodegroups: ['general'], instanceIds: ['i-0000000000000b001'] }),
        two(),
      );
      expect(plan).toEqual({
        kind: 'invalid',
        issues: [
          'instanceIds: i-0000000000000b001 is not a running instance of node groups general of cluster prod-a',
        ],
      });
    });
  });

  describe('when a requested node group does not exist', () => {
    it('is invalid', () => {
      const plan = planPatch(aRequest({ nodegroups: ['general', 'nope'] }), someFacts());
      expect(plan).toEqual({
        kind: 'invalid',
        issues: ['nodegroups: nope is not a node group of cluster prod-a'],
      });
    });
  });

  describe('when an instance appears in two node groups', () => {
    it('targets it once', () => {
      const shared = anInstance('i-0000000000000a001');
      const facts = someFacts([
        aNodegroup({ instances: [shared] }),
        aNodegroup({
          nodegroup: 'again',
          instances: [{ ...shared, tags: { ...shared.tags, 'eks:nodegroup-name': 'again' } }],
          autoScalingGroups: [ASG],
        }),
      ]);
      const plan = planned(planPatch(aRequest(), facts));
      expect(plan.items.flatMap((i) => i.instanceIds)).toEqual(['i-0000000000000a001']);
    });
  });
});

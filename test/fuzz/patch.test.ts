import { ValidationError } from '@nodekeeper/core';
import {
  InstanceTag,
  isNodegroupMember,
  type PatchFacts,
  type PatchRequest,
  parsePatchRequest,
  planPatch,
} from '@nodekeeper/core/patch';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { anyJson, fuzzEdge, nastyString } from './support/fuzz.ts';

const edge = fuzzEdge('patch-payload');
afterAll(() => edge.write());

const instanceId = fc.oneof(
  fc.stringMatching(/^i-[0-9a-f]{17}$/),
  fc.constantFrom(
    'i-0123456789abcdef0',
    'i-00000000',
    'i-0123456789ABCDEF0',
    'i-*',
    'i-0123456789abcdef0 ',
    '',
  ),
  nastyString(30),
);
const name = fc.oneof(fc.constantFrom('prod-a', 'general', 'gpu', 'dev-a', '*', 'prod-*'), nastyString(40));

const payload = fc.oneof(
  anyJson(),
  fc.record(
    {
      cluster: name,
      region: fc.oneof(fc.constantFrom('us-east-1', 'eu-central-1', 'mars-1'), nastyString(20)),
      nodegroups: fc.oneof(fc.array(name, { maxLength: 4 }), anyJson()),
      instanceIds: fc.oneof(fc.array(instanceId, { maxLength: 5 }), anyJson()),
      operation: fc.oneof(fc.constantFrom('Scan', 'Install', 'scan', 'Reboot'), anyJson()),
      reboot: fc.oneof(fc.boolean(), anyJson()),
      requestId: fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,70}$/), nastyString(80)),
      requestedBy: nastyString(40),
      extra: anyJson(),
    },
    { requiredKeys: [] },
  ),
);

describe('patch payload (parsePatchRequest)', () => {
  describe('when the payload is anything', () => {
    it('accepts it or rejects it with a ValidationError naming the problems', () => {
      edge.property();
      fc.assert(
        fc.property(
          payload,
          edge.count((raw: unknown) => {
            try {
              const request = parsePatchRequest(raw);
              expect(typeof request.cluster).toBe('string');
              for (const id of request.instanceIds ?? []) expect(id).toMatch(/^i-[0-9a-f]{8}([0-9a-f]{9})?$/);
            } catch (error) {
              expect(error).toBeInstanceOf(ValidationError);
              expect((error as ValidationError).issues.length).toBeGreaterThan(0);
            }
          }),
        ),
        edge.params(),
      );
    });
  });
});

/** Facts for cluster prod-a with instances whose tags may be copied, forged or from other clusters. */
const tagValue = fc.constantFrom(
  'prod-a',
  'prod-b',
  'general',
  'gpu',
  'other',
  'asg-general',
  'asg-gpu',
  'asg-evil',
);
const instance = fc.record({
  instanceId: fc.stringMatching(/^i-[0-9a-f]{17}$/),
  tags: fc.dictionary(
    fc.constantFrom(InstanceTag.clusterName, InstanceTag.nodegroupName, InstanceTag.autoScalingGroup, 'Name'),
    tagValue,
  ),
});
const facts: fc.Arbitrary<PatchFacts> = fc
  .record({
    general: fc.array(instance, { maxLength: 6 }),
    gpu: fc.array(instance, { maxLength: 6 }),
    useAsg: fc.boolean(),
  })
  .map(({ general, gpu, useAsg }) => ({
    accountId: null,
    region: 'us-east-1',
    cluster: 'prod-a',
    nodegroups: [
      {
        nodegroup: 'general',
        amiType: 'AL2023_x86_64_STANDARD',
        status: 'ACTIVE',
        tags: {},
        autoScalingGroups: useAsg ? ['asg-general'] : [],
        instances: general,
        resolvedBy: 'tags' as const,
      },
      {
        nodegroup: 'gpu',
        amiType: 'AL2023_x86_64_NVIDIA',
        status: 'ACTIVE',
        tags: {},
        autoScalingGroups: useAsg ? ['asg-gpu'] : [],
        instances: gpu,
        resolvedBy: 'tags' as const,
      },
    ],
    managed: Object.fromEntries(
      [...general, ...gpu].map((i) => [
        i.instanceId,
        {
          instanceId: i.instanceId,
          pingStatus: 'Online',
          platformType: 'Linux',
          platformName: 'Amazon Linux',
        },
      ]),
    ),
  }));

describe('patch targeting (planPatch)', () => {
  describe('when instances carry copied, forged or foreign tags and the request names any IDs', () => {
    it('never targets an instance that is not a verified member of a selected node group', () => {
      edge.property();
      fc.assert(
        fc.property(
          facts,
          fc.option(fc.subarray(['general', 'gpu', 'ghost']), { nil: undefined }),
          fc.option(fc.array(fc.stringMatching(/^i-[0-9a-f]{17}$/), { maxLength: 4 }), { nil: undefined }),
          fc.boolean(),
          edge.count((f: PatchFacts, nodegroups?: string[], extraIds?: string[], pickKnown?: boolean) => {
            const known = f.nodegroups.flatMap((n) => n.instances.map((i) => i.instanceId));
            const ids = [...(pickKnown ? known.slice(0, 2) : []), ...(extraIds ?? [])];
            const request: PatchRequest = {
              cluster: 'prod-a',
              ...(nodegroups && nodegroups.length > 0 ? { nodegroups } : {}),
              ...(ids.length > 0 ? { instanceIds: ids } : {}),
              operation: 'Scan',
              reboot: false,
              requestId: 'fuzz-1',
            } as PatchRequest;
            const planned = planPatch(request, f);
            if (planned.kind === 'invalid') {
              expect(planned.issues.length).toBeGreaterThan(0);
              return;
            }
            for (const item of planned.items) {
              expect(item.cluster).toBe('prod-a');
              if (request.nodegroups) expect(request.nodegroups).toContain(item.nodegroup);
              const ng = f.nodegroups.find((n) => n.nodegroup === item.nodegroup);
              expect(ng).toBeDefined();
              for (const id of item.instanceIds) {
                const inst = ng?.instances.find((i) => i.instanceId === id);
                expect(inst, `${id} targeted but not found for ${item.nodegroup}`).toBeDefined();
                if (inst && ng) expect(isNodegroupMember(inst, 'prod-a', ng)).toBe(true);
                if (inst && ng && ng.autoScalingGroups.length > 0)
                  expect(ng.autoScalingGroups).toContain(inst.tags[InstanceTag.autoScalingGroup]);
                if (inst && ng && ng.autoScalingGroups.length === 0) {
                  expect(inst.tags[InstanceTag.clusterName]).toBe('prod-a');
                  expect(inst.tags[InstanceTag.nodegroupName]).toBe(item.nodegroup);
                }
                if (request.instanceIds) expect(request.instanceIds).toContain(id);
              }
            }
          }),
        ),
        edge.params(),
      );
    });
  });
});

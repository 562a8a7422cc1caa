/** Builders for patch tests: prod-a/general with three managed AL2023 nodes in its Auto Scaling group. */
import type { PatchRequest } from '../../src/patch/request.ts';
import { parsePatchRequest } from '../../src/patch/request.ts';
import type {
  ManagedInstanceFacts,
  PatchFacts,
  PatchInstanceFacts,
  PatchNodegroupFacts,
} from '../../src/patch/types.ts';

export const ASG = 'eks-general-11112222-3333-4444-5555-666677778888';

export function anInstance(
  id: string,
  overrides: Partial<Record<string, string>> = {},
  nodegroup = 'general',
  asg = ASG,
): PatchInstanceFacts {
  const tags: Record<string, string> = {
    'eks:cluster-name': 'prod-a',
    'eks:nodegroup-name': nodegroup,
    'aws:autoscaling:groupName': asg,
  };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete tags[k];
    else tags[k] = v;
  }
  return { instanceId: id, tags };
}

export function aNodegroup(overrides: Partial<PatchNodegroupFacts> = {}): PatchNodegroupFacts {
  return {
    nodegroup: 'general',
    amiType: 'AL2023_x86_64_STANDARD',
    status: 'ACTIVE',
    tags: {},
    autoScalingGroups: [ASG],
    instances: [
      anInstance('i-0000000000000a001'),
      anInstance('i-0000000000000a002'),
      anInstance('i-0000000000000a003'),
    ],
    resolvedBy: 'tags',
    ...overrides,
  };
}

export function managed(id: string, overrides: Partial<ManagedInstanceFacts> = {}): ManagedInstanceFacts {
  return {
    instanceId: id,
    pingStatus: 'Online',
    platformType: 'Linux',
    platformName: 'Amazon Linux',
    ...overrides,
  };
}

export function someFacts(
  nodegroups: PatchNodegroupFacts[] = [aNodegroup()],
  managedIds?: string[],
): PatchFacts {
  const ids = managedIds ?? nodegroups.flatMap((n) => n.instances.map((i) => i.instanceId));
  return {
    accountId: null,
    region: 'us-east-1',
    cluster: 'prod-a',
    nodegroups,
    managed: Object.fromEntries(ids.map((id) => [id, managed(id)])),
  };
}

export function aRequest(raw: Record<string, unknown> = {}): PatchRequest & { requestId: string } {
  return { ...parsePatchRequest({ cluster: 'prod-a', operation: 'Install', ...raw }), requestId: 'req-0001' };
}

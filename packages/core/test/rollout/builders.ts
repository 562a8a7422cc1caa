import type {
  DescribeNodegroupResult,
  NodegroupState,
  RolloutPort,
  RolloutRequest,
  UpdateFacts,
} from '../../src/rollout/types.ts';

export const NOW = new Date('2026-11-24T03:00:00.000Z');

export function releaseRequest(overrides: Partial<RolloutRequest> = {}): RolloutRequest {
  return {
    accountId: '111122223333',
    region: 'us-east-1',
    cluster: 'prod-a',
    nodegroup: 'general',
    strategy: 'release-version',
    current: { releaseVersion: '1.33.4-20261001', imageId: null },
    target: { releaseVersion: '1.33.5-20261110', imageId: 'ami-0new' },
    launchTemplate: null,
    wave: 'prod',
    attempt: 1,
    ...overrides,
  };
}

export function templateRequest(overrides: Partial<RolloutRequest> = {}): RolloutRequest {
  return releaseRequest({
    nodegroup: 'custom',
    strategy: 'launch-template',
    current: { releaseVersion: 'ami-0old', imageId: 'ami-0old' },
    target: { releaseVersion: '1.33.5-20261110', imageId: 'ami-0new' },
    launchTemplate: { id: 'lt-01', version: '4' },
    ...overrides,
  });
}

export function nodegroupState(overrides: Partial<NodegroupState> = {}): DescribeNodegroupResult {
  return {
    kind: 'found',
    nodegroup: {
      status: 'ACTIVE',
      version: '1.33',
      releaseVersion: '1.33.4-20261001',
      launchTemplate: null,
      ...overrides,
    },
  };
}

type Call = { op: string; input: unknown };

/** A scripted RolloutPort that records every call (core tests only; adapters are tested over the wire). */
export function scriptedPort(script: {
  nodegroup?: DescribeNodegroupResult;
  existingVersion?: string | null;
  update?: Awaited<ReturnType<RolloutPort['updateNodegroupVersion']>>;
  updates?: UpdateFacts[];
  /** UpdateNodegroupVersion fails without an answer (timeouts, resets) with this error. */
  updateThrows?: Error;
}) {
  const calls: Call[] = [];
  const updates = script.updates ?? [];
  const port: RolloutPort = {
    describeNodegroup: async (ref) => {
      calls.push({ op: 'describeNodegroup', input: ref });
      return script.nodegroup ?? nodegroupState();
    },
    findLaunchTemplateVersion: async (_ref, input) => {
      calls.push({ op: 'findLaunchTemplateVersion', input });
      return script.existingVersion ?? null;
    },
    createLaunchTemplateVersion: async (_ref, input) => {
      calls.push({ op: 'createLaunchTemplateVersion', input });
      return { kind: 'created', version: '5' };
    },
    updateNodegroupVersion: async (_ref, input) => {
      calls.push({ op: 'updateNodegroupVersion', input });
      if (script.updateThrows) throw script.updateThrows;
      return script.update ?? { kind: 'started', updateId: 'upd-1' };
    },
    describeUpdate: async (_ref, id) => {
      calls.push({ op: 'describeUpdate', input: id });
      const u = updates.find((x) => x.id === id);
      return u ? { kind: 'found', update: u } : { kind: 'not-found' };
    },
    listUpdates: async (_ref, limit) => {
      calls.push({ op: 'listUpdates', input: limit });
      return updates.map((u) => u.id).slice(0, limit);
    },
  };
  return { port, calls, ops: () => calls.map((c) => c.op) };
}

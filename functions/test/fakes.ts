import type { UpdateError } from '@nodekeeper/core/plan';
import type {
  DescribeNodegroupResult,
  NotifyPort,
  RolloutNotice,
  RolloutPort,
  RolloutRequest,
  UpdateFacts,
} from '@nodekeeper/core/rollout';

/**
 * A scripted EKS/EC2 for workflow tests. It keeps EKS's and EC2's idempotency rules (the same
 * clientRequestToken returns the same update, the same ClientToken the same version) so a test
 * can count what really got created.
 */
export function fakeAws(script: {
  nodegroup?: DescribeNodegroupResult;
  /** Statuses the update reports on successive DescribeUpdate calls; the last one repeats. */
  statuses?: Array<'InProgress' | 'Successful' | 'Failed' | 'Cancelled'>;
  errors?: UpdateError[];
  /** An update already running that UpdateNodegroupVersion collides with. */
  runningUpdateId?: string;
  /** The release the running update goes to (its `ReleaseVersion` parameter); none when unset. */
  runningRelease?: string;
  /** Statuses of updates sent with `force: true` (default: `statuses`). */
  forcedStatuses?: Array<'InProgress' | 'Successful' | 'Failed' | 'Cancelled'>;
}) {
  const created: Array<{ version: string; token: string; description: string }> = [];
  const updates = new Map<string, { id: string; polls: number; forced?: boolean }>();
  const calls: string[] = [];
  /** Every UpdateNodegroupVersion that started an update, in order. */
  const sent: Array<Parameters<RolloutPort['updateNodegroupVersion']>[1]> = [];
  const statuses = script.statuses ?? ['InProgress', 'Successful'];
  const running = script.runningUpdateId ? { id: script.runningUpdateId, polls: 0 } : null;
  const updateFacts = (u: { id: string; polls: number; forced?: boolean }): UpdateFacts => {
    const script_ = u.forced ? (script.forcedStatuses ?? statuses) : statuses;
    const status = script_[Math.min(u.polls, script_.length - 1)] ?? 'InProgress';
    const release = u === running ? script.runningRelease : undefined;
    return {
      id: u.id,
      status,
      type: 'VersionUpdate',
      params: release === undefined ? [] : [{ type: 'ReleaseVersion', value: release }],
      createdAt: '2026-11-24T02:00:00.000Z',
      errors: status === 'Failed' ? (script.errors ?? []) : [],
    };
  };
  const port: RolloutPort = {
    async describeNodegroup() {
      calls.push('DescribeNodegroup');
      return (
        script.nodegroup ?? {
          kind: 'found',
          nodegroup: {
            status: 'ACTIVE',
            version: '1.33',
            releaseVersion: '1.33.4-20261001',
            launchTemplate: null,
          },
        }
      );
    },
    async findLaunchTemplateVersion(_ref, input) {
      calls.push('DescribeLaunchTemplateVersions');
      return created.find((v) => v.description.startsWith(input.descriptionPrefix))?.version ?? null;
    },
    async createLaunchTemplateVersion(_ref, input) {
      calls.push('CreateLaunchTemplateVersion');
      const seen = created.find((v) => v.token === input.clientToken);
      if (seen) return { kind: 'created', version: seen.version };
      const version = String(Number(input.sourceVersion) + 1 + created.length);
      created.push({ version, token: input.clientToken, description: input.description });
      return { kind: 'created', version };
    },
    async updateNodegroupVersion(_ref, input) {
      calls.push('UpdateNodegroupVersion');
      const seen = updates.get(input.clientRequestToken);
      if (seen) return { kind: 'started', updateId: seen.id };
      if (running) return { kind: 'in-use', message: 'Nodegroup is currently UPDATING' };
      const u = { id: `upd-${updates.size + 1}`, polls: 0, forced: input.force };
      updates.set(input.clientRequestToken, u);
      sent.push(input);
      return { kind: 'started', updateId: u.id };
    },
    async describeUpdate(_ref, id) {
      calls.push('DescribeUpdate');
      const u = [...updates.values(), ...(running ? [running] : [])].find((x) => x.id === id);
      if (!u) return { kind: 'not-found' };
      const facts = updateFacts(u);
      u.polls += 1;
      return { kind: 'found', update: facts };
    },
    async listUpdates() {
      calls.push('ListUpdates');
      return [...(running ? [running.id] : []), ...[...updates.values()].map((u) => u.id)];
    },
  };
  return {
    port,
    calls,
    count: (op: string) => calls.filter((c) => c === op).length,
    createdVersions: () => created.length,
    startedUpdates: () => updates.size,
    sent,
  };
}

/** A notify port that records notices; `fail` makes every post fail like Slack being down. */
export function recordingNotify(options: { fail?: 'error' | 'throw' } = {}) {
  const notices: RolloutNotice[] = [];
  const notify: NotifyPort = async (notice) => {
    notices.push(notice);
    if (options.fail === 'throw') throw new Error('slack exploded');
    if (options.fail === 'error') return { ok: false, error: 'no_service' };
    return { ok: true, ts: `1732262400.00010${notices.length}` };
  };
  return { notify, notices, events: () => notices.map((n) => n.event) };
}

export function releaseRequest(overrides: Partial<RolloutRequest> = {}): RolloutRequest {
  return {
    accountId: '111122223333',
    region: 'us-east-1',
    cluster: 'prod-a',
    nodegroup: 'general',
    strategy: 'release-version',
    current: { releaseVersion: '1.33.4-20261001', imageId: null },
    target: { releaseVersion: '1.33.5-20261110', imageId: null },
    launchTemplate: null,
    wave: null,
    attempt: 1,
    ...overrides,
  };
}

export function templateRequest(overrides: Partial<RolloutRequest> = {}): RolloutRequest {
  return releaseRequest({
    nodegroup: 'custom',
    strategy: 'launch-template',
    current: { releaseVersion: 'ami-0123456789abcdef0', imageId: 'ami-0123456789abcdef0' },
    target: { releaseVersion: '1.33.5-20261110', imageId: 'ami-0a1b2c3d4e5f60789' },
    launchTemplate: { id: 'lt-01', version: '4' },
    ...overrides,
  });
}

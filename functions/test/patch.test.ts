import { readFileSync } from 'node:fs';
import { type Config, parseConfig } from '@nodekeeper/core/config';
import type { SlackMessage } from '@nodekeeper/core/messages';
import type {
  PatchAwsPort,
  PatchCommandRecord,
  PatchGroupRecord,
  PatchLedgerPort,
  PatchNotify,
  PatchRequestRecord,
  SendCommandParams,
} from '@nodekeeper/core/patch';
import type { ClaimResult } from '@nodekeeper/core/rollout';
import { patchPayload } from '@nodekeeper/core/slash';
import { describe, expect, it } from 'vitest';
import { handlePatch } from '../patch.ts';
import { handlePatchStatus } from '../patch-status.ts';

const realcase = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../test/fixtures/realcases/${name}`, import.meta.url), 'utf8'),
  ) as Record<string, unknown>;

const ASG = 'eks-general-asg';
const ids = ['i-0000000000000a001', 'i-0000000000000a002', 'i-0000000000000a003'];

/** In-memory ledger with the same conditional semantics as the DynamoDB one. */
function memoryLedger() {
  const requests = new Map<string, PatchRequestRecord>();
  const groups = new Map<string, PatchGroupRecord>();
  const commands = new Map<string, PatchCommandRecord>();
  const claims = new Map<string, { owner: string; state: string }>();
  const ledger: PatchLedgerPort = {
    async createRequest(r) {
      if (requests.has(r.requestId) && requests.get(r.requestId)?.status !== 'failed')
        return { kind: 'exists' };
      requests.set(r.requestId, r);
      return { kind: 'recorded' };
    },
    async recordRequestFailure(r) {
      if (requests.has(r.requestId)) return { kind: 'exists' };
      requests.set(r.requestId, r);
      return { kind: 'recorded' };
    },
    async openGroup(g) {
      if (!groups.has(g.groupId)) groups.set(g.groupId, structuredClone(g));
    },
    async recordCommand(c) {
      if (!commands.has(c.commandId)) commands.set(c.commandId, structuredClone(c));
    },
    async sealGroup(groupId, commandIds, sendErrors) {
      const g = groups.get(groupId);
      if (g) Object.assign(g, { sealed: true, commandIds, sendErrors });
    },
    getGroup: async (id) => structuredClone(groups.get(id) ?? null),
    getCommand: async (id) => structuredClone(commands.get(id) ?? null),
    async recordCommandResult(id, result) {
      const c = commands.get(id);
      if (c) Object.assign(c, result);
    },
    async claimSummary(groupId, owner): Promise<ClaimResult> {
      const existing = claims.get(groupId);
      if (!existing) {
        claims.set(groupId, { owner, state: 'claimed' });
        return { kind: 'claimed' };
      }
      return existing.state === 'claimed' ? { kind: 'claimed-by-other' } : { kind: 'already-sent' };
    },
    async markSummarySent(groupId, result) {
      const c = claims.get(groupId);
      if (c) c.state = result.delivered ? 'sent' : 'undeliverable';
    },
  };
  return { ledger, requests, groups, commands };
}

function fakeAws(
  options: { nodegroups?: Array<{ name: string; amiType: string }>; outcomes?: Record<string, string> } = {},
) {
  const sent: SendCommandParams[] = [];
  const calls: string[] = [];
  const nodegroups = options.nodegroups ?? [{ name: 'general', amiType: 'AL2023_x86_64_STANDARD' }];
  const aws: PatchAwsPort = {
    async gatherFacts(target) {
      calls.push('gatherFacts');
      if (target.cluster !== 'prod-a') return { kind: 'cluster-not-found' };
      return {
        kind: 'found',
        facts: {
          accountId: null,
          region: target.region,
          cluster: 'prod-a',
          nodegroups: nodegroups.map((n) => ({
            nodegroup: n.name,
            amiType: n.amiType,
            status: 'ACTIVE',
            tags: {},
            autoScalingGroups: [`${ASG}-${n.name}`],
            resolvedBy: 'tags' as const,
            instances: ids.map((id) => ({
              instanceId: n.name === 'general' ? id : id.replace('a', 'b'),
              tags: {
                'eks:cluster-name': 'prod-a',
                'eks:nodegroup-name': n.name,
                'aws:autoscaling:groupName': `${ASG}-${n.name}`,
              },
            })),
          })),
          managed: Object.fromEntries(
            [...ids, ...ids.map((id) => id.replace('a', 'b'))]
              .filter((id) => id !== 'i-0000000000000a003')
              .map((id) => [
                id,
                { instanceId: id, pingStatus: 'Online', platformType: 'Linux', platformName: 'Amazon Linux' },
              ]),
          ),
        },
      };
    },
    async sendCommand(_region, params) {
      calls.push('sendCommand');
      sent.push(params);
      return { commandId: `cmd-${sent.length}` };
    },
    async listInvocations(_region, commandId) {
      calls.push('listInvocations');
      const n = Number(commandId.replace('cmd-', '')) - 1;
      return (sent[n]?.InstanceIds ?? []).map((instanceId) => {
        const status = options.outcomes?.[instanceId] ?? 'Success';
        return {
          instanceId,
          status,
          statusDetails: status === 'TimedOut' ? 'ExecutionTimedOut' : status,
          output: status === 'Success' ? 'InstalledPendingReboot: 2' : 'Failed to install package(s)',
        };
      });
    },
  };
  return { aws, sent, calls };
}

const config: Config = parseConfig({
  regions: ['us-east-1'],
  clusters: ['prod-*'],
  patch: { maxConcurrency: '2', maxErrors: '0' },
});

function world(aws = fakeAws()) {
  const mem = memoryLedger();
  const posts: SlackMessage[] = [];
  const notify: PatchNotify = async (m) => {
    posts.push(m);
    return { ok: true, ts: null };
  };
  let n = 0;
  const deps = {
    config,
    aws: aws.aws,
    ledger: mem.ledger,
    notify,
    findRegion: async () => 'us-east-1',
    now: () => new Date('2026-11-24T10:00:00.000Z'),
    newId: () => {
      n += 1;
      return `00000000-0000-0000-0000-00000000000${n}`;
    },
  };
  return { ...aws, mem, posts, deps };
}

/** The published sample event, re-pointed at a nodekeeper command. */
function statusEvent(commandId: string, status = 'Success', documentName = 'AWS-RunPatchBaseline') {
  const e = structuredClone(realcase('eventbridge_ssm_command-status-change.json'));
  const detail = e.detail as Record<string, unknown>;
  detail['command-id'] = commandId;
  detail.status = status;
  detail['document-name'] = documentName;
  return e;
}

describe('functions/patch handlePatch', () => {
  describe('when the payload is valid', () => {
    it('sends one command per node group to managed instances and answers IDs, refusals and unmanaged', async () => {
      const w = world(
        fakeAws({
          nodegroups: [
            { name: 'general', amiType: 'AL2023_x86_64_STANDARD' },
            { name: 'br', amiType: 'BOTTLEROCKET_x86_64' },
          ],
        }),
      );
      const result = await handlePatch(
        { cluster: 'prod-a', operation: 'Install', requestId: 'req-42' },
        w.deps,
      );
      expect(result).toMatchObject({
        ok: true,
        kind: 'started',
        requestId: 'req-42',
        commandIds: ['cmd-1'],
        refusals: [{ nodegroup: 'br', reason: 'unsupported-platform' }],
        unmanaged: [{ instanceId: 'i-0000000000000a003', nodegroup: 'general', reason: 'not-registered' }],
      });
      expect(w.sent).toEqual([
        expect.objectContaining({
          InstanceIds: ['i-0000000000000a001', 'i-0000000000000a002'],
          MaxConcurrency: '2',
          MaxErrors: '0',
          Comment: 'nodekeeper patch req-42 prod-a/general',
          Parameters: {
            Operation: ['Install'],
            RebootOption: ['NoReboot'],
            SnapshotId: ['00000000-0000-0000-0000-000000000001'],
          },
        }),
      ]);
      expect(w.mem.requests.get('req-42')?.items.map((i) => i.decision)).toEqual(['patch', 'refuse']);
      expect(w.posts.map((p) => p.text)).toEqual([
        expect.stringContaining('Patch requested'),
        expect.stringContaining('Patch refused'),
      ]);
    });
  });

  describe('when the slash command sends its payload', () => {
    it('accepts it against the published schema', async () => {
      const w = world();
      const payload = patchPayload({
        requestId: '3b241101-e2bb-4255-8caf-4136c566a962',
        cluster: 'prod-a',
        nodegroups: ['general'],
        operation: 'Install',
        reboot: true,
        requestedBy: 'slack:U012ABCDEF',
      });
      const result = await handlePatch(payload, w.deps);
      expect(result).toMatchObject({
        ok: true,
        kind: 'started',
        requestId: '3b241101-e2bb-4255-8caf-4136c566a962',
      });
      expect(w.sent[0]?.Parameters.RebootOption).toEqual(['RebootIfNeeded']);
    });

    it('names who requested it in the "Patch requested" message', async () => {
      const w = world();
      const payload = patchPayload({
        requestId: '3b241101-e2bb-4255-8caf-4136c566a962',
        cluster: 'prod-a',
        nodegroups: ['general'],
        operation: 'Scan',
        reboot: false,
        requestedBy: 'slack:U012ABCDEF',
      });
      await handlePatch(payload, w.deps);
      const requested = w.posts.find((m) => m.text.startsWith('Patch requested'));
      expect(JSON.stringify(requested?.blocks)).toContain('*Requested by*\\n`slack:U012ABCDEF`');
    });
  });

  describe('when the same request ID arrives twice', () => {
    it('sends nothing the second time', async () => {
      const w = world();
      await handlePatch({ cluster: 'prod-a', requestId: 'req-1' }, w.deps);
      const again = await handlePatch({ cluster: 'prod-a', requestId: 'req-1' }, w.deps);
      expect(again).toEqual({ ok: true, kind: 'duplicate', requestId: 'req-1' });
      expect(w.sent).toHaveLength(1);
    });
  });

  describe('when AWS cannot be read', () => {
    it('sends nothing, records the request as failed, reports it once, and lets a retry through', async () => {
      const w = world();
      const gather = w.aws.gatherFacts;
      w.aws.gatherFacts = async () => {
        throw new Error('DescribeNodegroup failed: ServerException: internal error');
      };
      const payload = { cluster: 'prod-a', requestId: 'req-down' };
      const first = await handlePatch(payload, w.deps);
      const second = await handlePatch(payload, w.deps);
      for (const answer of [first, second]) {
        expect(answer).toEqual({
          ok: false,
          error: 'aws-error',
          requestId: 'req-down',
          issues: ['Error: DescribeNodegroup failed: ServerException: internal error'],
        });
      }
      expect(w.sent).toEqual([]);
      expect(w.mem.requests.get('req-down')).toMatchObject({ status: 'failed', cluster: 'prod-a' });
      const failures = w.posts.filter((p) => p.text.startsWith('Patch request req-down failed'));
      expect(failures).toHaveLength(1);

      w.aws.gatherFacts = gather;
      const retry = await handlePatch(payload, w.deps);
      expect(retry).toMatchObject({ ok: true, kind: 'started', requestId: 'req-down' });
      expect(w.mem.requests.get('req-down')).toMatchObject({ status: 'accepted' });
      expect(w.sent).toHaveLength(1);
    });
  });

  describe('when the payload is bad', () => {
    it.each([
      [{ cluster: '' }],
      [{ cluster: 'prod-a', operation: 'Everything' }],
      [{ cluster: 'prod-a', instanceIds: ['i-0123456789abcdef0'], surprise: true }],
      ['not an object'],
      [{ cluster: 'dev-a' }],
    ])('answers invalid-request for %j and makes no AWS call', async (payload) => {
      const w = world();
      const result = await handlePatch(payload, w.deps);
      expect(result).toMatchObject({ ok: false, error: 'invalid-request' });
      expect(w.calls).toEqual([]);
    });

    it('rejects a foreign instance ID after reading facts and sends nothing', async () => {
      const w = world();
      const result = await handlePatch({ cluster: 'prod-a', instanceIds: ['i-0fffffffffffffff0'] }, w.deps);
      expect(result).toMatchObject({ ok: false, error: 'invalid-request' });
      expect(w.calls).toEqual(['gatherFacts']);
      expect(w.mem.requests.size).toBe(0);
    });
  });
});

describe('functions/patch-status handlePatchStatus', () => {
  async function sentWorld(outcomes: Record<string, string> = {}) {
    const w = world(fakeAws({ outcomes }));
    await handlePatch({ cluster: 'prod-a', operation: 'Install', requestId: 'req-7' }, w.deps);
    w.posts.length = 0;
    const deps = {
      aws: w.aws,
      ledger: w.mem.ledger,
      notify: w.deps.notify,
      now: w.deps.now,
      owner: 'owner-1',
    };
    return { ...w, statusDeps: deps };
  }

  describe('when the published sample event names another document', () => {
    it('ignores it without reading anything', async () => {
      const w = await sentWorld();
      const result = await handlePatchStatus(
        realcase('eventbridge_ssm_command-status-change.json'),
        w.statusDeps,
      );
      expect(result).toMatchObject({ kind: 'ignored', reason: 'other-document' });
      expect(w.calls).not.toContain('listInvocations');
    });
  });

  describe('when the event is the invocation-level sample', () => {
    it('ignores it as invalid', async () => {
      const w = await sentWorld();
      const result = await handlePatchStatus(
        realcase('eventbridge_ssm_command-invocation-status-change.json'),
        w.statusDeps,
      );
      expect(result).toMatchObject({ kind: 'ignored', reason: 'invalid-event' });
    });
  });

  describe('when the status is not final', () => {
    it('ignores it', async () => {
      const w = await sentWorld();
      expect(await handlePatchStatus(statusEvent('cmd-1', 'InProgress'), w.statusDeps)).toMatchObject({
        kind: 'ignored',
        reason: 'not-terminal',
      });
      expect(w.posts).toEqual([]);
    });
  });

  describe('when nodekeeper did not send the command', () => {
    it('ignores it', async () => {
      const w = await sentWorld();
      expect(await handlePatchStatus(statusEvent('someone-elses'), w.statusDeps)).toMatchObject({
        kind: 'ignored',
        reason: 'not-nodekeeper',
      });
      expect(w.posts).toEqual([]);
    });
  });

  describe('when the command ends with mixed results', () => {
    it('records per-instance results and posts one summary with failures, pending reboots and the launch template note', async () => {
      const w = await sentWorld({ 'i-0000000000000a002': 'Failed' });
      const result = await handlePatchStatus(statusEvent('cmd-1', 'Failed'), w.statusDeps);
      expect(result).toMatchObject({
        kind: 'summarized',
        status: 'Failed',
        summary: {
          counts: { targeted: 2, succeeded: 1, failed: 1, pending: 0 },
          pendingReboot: ['i-0000000000000a001'],
        },
      });
      expect(w.mem.commands.get('cmd-1')).toMatchObject({
        status: 'Failed',
        results: [
          { instanceId: 'i-0000000000000a001', outcome: 'succeeded', pendingReboot: true },
          { instanceId: 'i-0000000000000a002', outcome: 'failed', statusDetails: 'Failed' },
        ],
      });
      expect(w.posts).toHaveLength(1);
      const text = JSON.stringify(w.posts[0]);
      expect(text).toContain('i-0000000000000a002');
      expect(text).toContain('Pending reboot');
      expect(text).toContain('launch template');
    });

    it('posts nothing for a duplicate delivery of the same event', async () => {
      const w = await sentWorld();
      const event = statusEvent('cmd-1');
      await handlePatchStatus(event, w.statusDeps);
      const second = await handlePatchStatus(event, { ...w.statusDeps, owner: 'owner-2' });
      expect(second).toMatchObject({ kind: 'duplicate' });
      expect(w.posts).toHaveLength(1);
    });
  });
});

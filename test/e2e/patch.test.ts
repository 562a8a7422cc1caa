import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AwsClients,
  createClients,
  createLedgerTable,
  createPatchLedger,
  createPatchPort,
} from '@nodekeeper/aws';
import { commands, main } from '@nodekeeper/cli';
import { type Config, parseConfig } from '@nodekeeper/core/config';
import { demoFleet, type FleetFile, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { createNotifier } from '@nodekeeper/slack';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handlePatch, type PatchFunctionDeps, patchNotifyFrom } from '../../functions/patch.ts';
import { handlePatchStatus } from '../../functions/patch-status.ts';
import { patchCommand } from '../../packages/cli/src/commands/patch.ts';
import { sandboxEnv } from '../helpers/cli.ts';
import { ssmStatusEvent } from '../helpers/fixtures.ts';

/**
 * Patching end to end over real HTTP against the sandbox: the patch function's logic with the real
 * EKS/EC2/SSM/DynamoDB adapters and the Slack sink, status events shaped like the published sample,
 * and the `nodekeeper patch` CLI in a child process.
 */

const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const region = 'us-east-1';
const MUTATING = new Set([
  'SendCommand',
  'UpdateNodegroupVersion',
  'CreateLaunchTemplateVersion',
  'ModifyLaunchTemplate',
]);
const config: Config = parseConfig({ regions: [region], clusters: ['prod-*'] });

/** prod-a (general: 2 ok + 1 failing + 1 unmanaged; windows) and prod-b (bottlerocket, legacy opted out). */
function fleet(): FleetFile {
  const f = structuredClone(demoFleet());
  f.clusters = f.clusters.filter((c) => c.name === 'prod-a' || c.name === 'prod-b');
  f.instances = f.instances.filter((i) => i.cluster === 'prod-a' || i.cluster === 'prod-b');
  for (const i of f.instances) i.patchSeconds = 1;
  return f;
}

let sb: Sandbox;
let clients: AwsClients;
let tables = 0;

beforeAll(async () => {
  sb = await startSandbox({ fleet: fleet(), port: 0, ledgerTables: ['patch-cli'] });
  clients = createClients({ region, endpoint: sb.endpoint, credentials });
});

afterAll(async () => {
  clients.destroy();
  await sb.close();
});

async function deps(): Promise<PatchFunctionDeps & { table: string }> {
  tables += 1;
  const table = `patch-e2e-${tables}`;
  await createLedgerTable(clients.dynamodb, table);
  let n = 0;
  return {
    table,
    config,
    aws: createPatchPort(() => clients),
    ledger: createPatchLedger(clients.dynamodb, { tableName: table }),
    notify: patchNotifyFrom(createNotifier({ webhookUrl: sb.slackWebhookUrl, allowInsecureLocalUrls: true })),
    findRegion: async () => region,
    now: () => sb.clock.now(),
    newId: () => {
      n += 1;
      return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    },
  };
}

const sendCommands = () => sb.calls().filter((c) => c.operation === 'SendCommand');
const mutating = () => sb.calls().filter((c) => MUTATING.has(c.operation));
const summaries = () =>
  sb
    .slackPosts()
    .filter(
      (p) =>
        JSON.stringify(p.body).includes('Patch completed') ||
        JSON.stringify(p.body).includes('Patch finished'),
    );

beforeEach(() => sb.resetCalls());

describe('patch end to end', () => {
  describe('when Install runs on a node group with mixed outcomes', () => {
    it('sends to managed instances, reports the unmanaged one, and posts one summary for a twice-delivered event', async () => {
      const d = await deps();
      const postsBefore = summaries().length;
      const result = await handlePatch(
        { cluster: 'prod-a', nodegroups: ['general'], operation: 'Install', requestId: 'req-install' },
        d,
      );
      if (!result.ok || result.kind !== 'started') throw new Error(JSON.stringify(result));
      expect(result.unmanaged).toEqual([
        {
          instanceId: 'i-0a0000000000a0004',
          cluster: 'prod-a',
          nodegroup: 'general',
          reason: 'not-registered',
        },
      ]);
      expect(result.items[0]?.instances.map((i) => i.instanceId)).toEqual([
        'i-0a0000000000a0001',
        'i-0a0000000000a0002',
        'i-0a0000000000a0003',
      ]);
      expect(sendCommands()).toHaveLength(1);
      const commandId = result.commandIds[0] ?? '';

      // Running: ignored.
      expect(
        await handlePatchStatus(ssmStatusEvent(commandId, 'InProgress', sb.clock.now()), {
          ...d,
          owner: 'o-0',
        }),
      ).toMatchObject({ kind: 'ignored', reason: 'not-terminal' });

      sb.clock.advance(600);
      const event = ssmStatusEvent(commandId, 'Failed', sb.clock.now());
      const [first, second] = await Promise.all([
        handlePatchStatus(event, { ...d, owner: 'o-1' }),
        handlePatchStatus(event, { ...d, owner: 'o-2' }),
      ]);
      const kinds = [first.kind, second.kind].sort();
      expect(kinds).toEqual(['duplicate', 'summarized']);
      const summarized = first.kind === 'summarized' ? first : second;
      if (summarized.kind !== 'summarized') throw new Error('no summary');
      expect(summarized.summary.counts).toEqual({ targeted: 3, succeeded: 2, failed: 1, pending: 0 });
      expect(summarized.summary.failed).toEqual([
        { instanceId: 'i-0a0000000000a0003', status: 'Failed', statusDetails: 'Failed' },
      ]);
      expect(summarized.summary.pendingReboot).toEqual(['i-0a0000000000a0001', 'i-0a0000000000a0002']);

      // A third, late delivery posts nothing either.
      expect((await handlePatchStatus(event, { ...d, owner: 'o-3' })).kind).toBe('duplicate');
      const posted = summaries().slice(postsBefore);
      expect(posted).toHaveLength(1);
      const text = JSON.stringify(posted[0]?.body);
      expect(text).toContain('i-0a0000000000a0003');
      expect(text).toContain('launch template');
      expect(mutating().map((c) => c.operation)).toEqual(['SendCommand']);
    });
  });

  describe('when Scan runs', () => {
    it('succeeds everywhere with no pending reboot', async () => {
      const d = await deps();
      const result = await handlePatch({ cluster: 'prod-a', nodegroups: ['windows'], operation: 'Scan' }, d);
      if (!result.ok || result.kind !== 'started') throw new Error(JSON.stringify(result));
      expect(result.items[0]).toMatchObject({ decision: 'patch', platform: 'Windows' });
      sb.clock.advance(600);
      const report = await handlePatchStatus(
        ssmStatusEvent(result.commandIds[0] ?? '', 'Success', sb.clock.now()),
        {
          ...d,
          owner: 'o',
        },
      );
      expect(report).toMatchObject({
        kind: 'summarized',
        status: 'Success',
        summary: { counts: { targeted: 1, succeeded: 1, failed: 0 }, pendingReboot: [] },
      });
    });
  });

  describe('when the node group runs Bottlerocket', () => {
    it('refuses with unsupported-platform and sends no command', async () => {
      const d = await deps();
      const result = await handlePatch(
        { cluster: 'prod-b', nodegroups: ['bottlerocket', 'legacy'], operation: 'Install' },
        d,
      );
      expect(result).toMatchObject({
        ok: true,
        commandIds: [],
        refusals: [
          { nodegroup: 'bottlerocket', reason: 'unsupported-platform' },
          { nodegroup: 'legacy', reason: 'opted-out' },
        ],
      });
      expect(sendCommands()).toHaveLength(0);
    });
  });

  describe('when an instance ID of another cluster is named', () => {
    it('rejects the request and makes no mutating call', async () => {
      const d = await deps();
      const result = await handlePatch(
        { cluster: 'prod-a', instanceIds: ['i-0b0000000000b0001'], operation: 'Install' },
        d,
      );
      expect(result).toMatchObject({ ok: false, error: 'invalid-request' });
      expect(mutating()).toEqual([]);
    });
  });
});

describe('nodekeeper patch (CLI)', () => {
  let dir: string;
  const saved = { ...process.env };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nk-patch-'));
    writeFileSync(
      join(dir, 'nodekeeper.config.json'),
      JSON.stringify({ regions: [region], clusters: ['prod-*'], patch: { maxConcurrency: '100%' } }),
    );
    // In process (the SDK reads the endpoint and credentials from process.env), so this file does not
    // depend on main.ts registering the command.
    Object.assign(process.env, sandboxEnv(sb.endpoint), { AWS_SDK_LOAD_CONFIG: '0' });
    if (!commands.includes(patchCommand)) commands.push(patchCommand);
  });
  afterAll(() => {
    process.env = saved;
  });

  async function cli(args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await main(args, {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      env: {
        ...sandboxEnv(sb.endpoint),
        NODEKEEPER_LEDGER_TABLE: 'patch-cli',
        NODEKEEPER_SLACK_WEBHOOK_URL: sb.slackWebhookUrl,
        NODEKEEPER_SLACK_ALLOW_LOCAL: '1',
      },
      cwd: dir,
      interactive: false,
    });
    return { code, stdout, stderr };
  }

  it('says in --help that --reboot reboots without draining pods', async () => {
    const out = await cli(['patch', '--help']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/--reboot[\s\S]*WITHOUT draining/);
  });

  it.each([
    [
      ['--cluster', 'prod-a', '--instance-id', 'i-0b0000000000b0001'],
      'i-0b0000000000b0001 is not a running instance',
    ],
    [['--cluster', 'prod-a', '--operation', 'Upgrade'], '--operation must be Scan or Install'],
    [['--cluster', ''], 'expected an EKS cluster name'],
    [['--cluster', 'dev-a'], 'not selected by the config'],
  ])('exits 2 for %j and sends nothing', async (args, message) => {
    const out = await cli(['patch', ...args]);
    expect(out.code, out.stderr).toBe(2);
    expect(out.stderr).toContain(message);
    expect(mutating()).toEqual([]);
  });

  it('installs with --wait --json, posts one summary and exits 3 when an instance failed', async () => {
    const before = summaries().length;
    const out = await cli([
      'patch',
      '--cluster',
      'prod-a',
      '--nodegroup',
      'general',
      '--operation',
      'Install',
      '--wait',
      '--poll-seconds',
      '1',
      '--json',
    ]);
    expect(out.code, out.stderr).toBe(3);
    const json = JSON.parse(out.stdout);
    expect(json.requestId).toMatch(/^req-/);
    expect(json.items).toEqual([
      expect.objectContaining({
        nodegroup: 'general',
        decision: 'patch',
        reason: null,
        commandId: expect.any(String),
        instances: [
          expect.objectContaining({
            instanceId: 'i-0a0000000000a0001',
            status: 'Success',
            pendingReboot: true,
          }),
          expect.objectContaining({ instanceId: 'i-0a0000000000a0002', status: 'Success' }),
          expect.objectContaining({ instanceId: 'i-0a0000000000a0003', status: 'Failed' }),
        ],
      }),
    ]);
    expect(json.unmanaged).toEqual([expect.objectContaining({ instanceId: 'i-0a0000000000a0004' })]);
    expect(out.stderr).toContain('i-0a0000000000a0003: Failed');
    expect(summaries().length - before).toBe(1);
    // The CLI passes the caller's ARN from STS GetCallerIdentity through as the requester.
    const requested = sb.slackPosts().filter((p) => JSON.stringify(p.body).includes('Patch requested'));
    expect(JSON.stringify(requested.at(-1)?.body)).toMatch(/Requested by\*\\n`arn:aws:iam::\d{12}:/);
  });

  it('records the patch, so the report counts the instances it patched (not patch runs)', async () => {
    const out = await cli(['report', '--format', 'json']);
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout);
    expect(report.summary.patches).toEqual({ succeeded: 2, failed: 1 });
    expect(report.timeline).toContainEqual(
      expect.objectContaining({
        kind: 'patch',
        detail: expect.stringMatching(/^2 instances patched, 1 failed/),
      }),
    );
  });
});

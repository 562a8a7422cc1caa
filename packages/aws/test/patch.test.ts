import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  AMITypes,
  DescribeNodegroupCommand,
  EKSClient,
  ListNodegroupsCommand,
  NodegroupStatus,
  ResourceNotFoundException,
} from '@aws-sdk/client-eks';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeInstanceInformationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import type { SendCommandParams } from '@nodekeeper/core/patch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createLedgerTable,
  createPatchLedger,
  createPatchPort,
  getPatchCommandStatus,
  invokePatchFunction,
  listNodekeeperPatchCommands,
  listPatchInvocations,
  sendPatchCommand,
} from '../index.ts';
import { startDynaliteClient } from './dynalite.ts';
import { realcase } from './helpers.ts';

const eks = mockClient(EKSClient);
const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
const lambda = mockClient(LambdaClient);
const clients = {
  eks: new EKSClient({ region: 'us-east-1' }),
  ec2: new EC2Client({ region: 'us-east-1' }),
  ssm: new SSMClient({ region: 'us-east-1' }),
};
const port = createPatchPort(() => clients);
const send = { ssm: clients.ssm, once: clients.ssm };
const noSleep = async () => undefined;
const meta = { $metadata: {} };
const ASG = 'eks-general-0ec5b8e2';

afterEach(() => {
  eks.reset();
  ec2.reset();
  ssm.reset();
  lambda.reset();
});

function instance(id: string, tags: Record<string, string>) {
  return { InstanceId: id, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
}

const member = (id: string) =>
  instance(id, {
    'eks:cluster-name': 'prod-a',
    'eks:nodegroup-name': 'general',
    'aws:autoscaling:groupName': ASG,
  });

function nodegroup() {
  return {
    nodegroup: {
      nodegroupName: 'general',
      amiType: AMITypes.AL2023_x86_64_STANDARD,
      status: NodegroupStatus.ACTIVE,
      tags: {},
      resources: { autoScalingGroups: [{ name: ASG }] },
    },
  };
}

describe('createPatchPort.gatherFacts', () => {
  describe('when the tags find the instances', () => {
    it('filters by exact cluster and node group tags, running only, and reads the managed set', async () => {
      eks.on(ListNodegroupsCommand).resolves({ nodegroups: ['general'] });
      eks.on(DescribeNodegroupCommand).resolves(nodegroup());
      ec2
        .on(DescribeInstancesCommand)
        .resolves({ Reservations: [{ Instances: [member('i-0a'), member('i-0b')] }] });
      ssm.on(DescribeInstanceInformationCommand).resolves({
        InstanceInformationList: [
          { InstanceId: 'i-0a', PingStatus: 'Online', PlatformType: 'Linux', PlatformName: 'Amazon Linux' },
        ],
      });
      const out = await port.gatherFacts({
        region: 'us-east-1',
        cluster: 'prod-a',
        nodegroups: null,
        instanceIds: null,
      });
      expect(ec2).toReceiveCommandWith(DescribeInstancesCommand, {
        Filters: [
          { Name: 'tag:eks:cluster-name', Values: ['prod-a'] },
          { Name: 'tag:eks:nodegroup-name', Values: ['general'] },
          { Name: 'instance-state-name', Values: ['running'] },
        ],
      });
      expect(ssm).toReceiveCommandWith(DescribeInstanceInformationCommand, {
        Filters: [{ Key: 'InstanceIds', Values: ['i-0a', 'i-0b'] }],
      });
      expect(out).toMatchObject({
        kind: 'found',
        facts: {
          nodegroups: [
            {
              nodegroup: 'general',
              autoScalingGroups: [ASG],
              resolvedBy: 'tags',
              instances: [{ instanceId: 'i-0a' }, { instanceId: 'i-0b' }],
            },
          ],
          managed: { 'i-0a': { pingStatus: 'Online', platformType: 'Linux' } },
        },
      });
    });
  });

  describe('when the tags find no member of the Auto Scaling group', () => {
    it('falls back to aws:autoscaling:groupName', async () => {
      eks.on(DescribeNodegroupCommand).resolves(nodegroup());
      ec2
        .on(DescribeInstancesCommand)
        .resolvesOnce({ Reservations: [] })
        .resolves({
          Reservations: [{ Instances: [instance('i-0c', { 'aws:autoscaling:groupName': ASG })] }],
        });
      ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
      const out = await port.gatherFacts({
        region: 'us-east-1',
        cluster: 'prod-a',
        nodegroups: ['general'],
        instanceIds: null,
      });
      expect(ec2).toReceiveCommandWith(DescribeInstancesCommand, {
        Filters: [
          { Name: 'tag:aws:autoscaling:groupName', Values: [ASG] },
          { Name: 'instance-state-name', Values: ['running'] },
        ],
      });
      expect(out).toMatchObject({
        kind: 'found',
        facts: { nodegroups: [{ resolvedBy: 'auto-scaling-group', instances: [{ instanceId: 'i-0c' }] }] },
      });
    });
  });

  describe('when the cluster does not exist', () => {
    it('answers cluster-not-found', async () => {
      eks
        .on(ListNodegroupsCommand)
        .rejects(new ResourceNotFoundException({ message: 'No cluster found', $metadata: {} }));
      const out = await port.gatherFacts({
        region: 'us-east-1',
        cluster: 'nope',
        nodegroups: null,
        instanceIds: null,
      });
      expect(out).toEqual({ kind: 'cluster-not-found' });
      expect(ssm).not.toHaveReceivedCommand(SendCommandCommand);
    });
  });
});

const params: SendCommandParams = {
  DocumentName: 'AWS-RunPatchBaseline',
  InstanceIds: ['i-02573cafcfEXAMPLE', 'i-0471e04240EXAMPLE'],
  Parameters: {
    Operation: ['Install'],
    RebootOption: ['NoReboot'],
    SnapshotId: ['0f0f0f0f-1111-2222-3333-444444444444'],
  },
  MaxConcurrency: '10%',
  MaxErrors: '1',
  TimeoutSeconds: 600,
  Comment: 'nodekeeper patch req-1 prod-a/general',
};

describe('sendPatchCommand', () => {
  it('sends exactly the parameters core built and returns the command ID (published sample)', async () => {
    ssm
      .on(SendCommandCommand)
      .resolves({ ...realcase('ssm_send-command_runpatchbaseline-install.json'), ...meta });
    const out = await sendPatchCommand(send, params);
    expect(out).toEqual({ commandId: '5f403234-38c4-439f-a570-93623EXAMPLE' });
    expect(ssm).toReceiveCommandWith(SendCommandCommand, {
      DocumentName: 'AWS-RunPatchBaseline',
      InstanceIds: params.InstanceIds,
      Parameters: {
        Operation: ['Install'],
        RebootOption: ['NoReboot'],
        SnapshotId: ['0f0f0f0f-1111-2222-3333-444444444444'],
      },
      MaxConcurrency: '10%',
      MaxErrors: '1',
      TimeoutSeconds: 600,
      Comment: 'nodekeeper patch req-1 prod-a/general',
    });
  });

  it('refuses to send without explicit instance IDs', async () => {
    await expect(sendPatchCommand(send, { ...params, InstanceIds: [] })).rejects.toThrow(RangeError);
    expect(ssm).not.toHaveReceivedCommand(SendCommandCommand);
  });

  const noAnswer = () => Object.assign(new Error('socket hang up'), { name: 'TimeoutError', $metadata: {} });
  const sent = {
    CommandId: 'cmd-took',
    Comment: params.Comment,
    InstanceIds: [...params.InstanceIds].reverse(),
    DocumentName: 'AWS-RunPatchBaseline',
  };

  it('does not send again when the unanswered attempt was taken: it finds the command by Comment and instances', async () => {
    ssm.on(SendCommandCommand).rejects(noAnswer());
    ssm.on(ListCommandsCommand).resolves({ Commands: [sent], ...meta });
    const out = await sendPatchCommand(send, params, noSleep);
    expect(out).toEqual({ commandId: 'cmd-took' });
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(ssm).toReceiveCommandWith(ListCommandsCommand, {
      InstanceId: params.InstanceIds[0],
      Filters: [{ key: 'DocumentName', value: 'AWS-RunPatchBaseline' }],
    });
  });

  it('sends again when SSM has no such command, and ignores commands of other requests', async () => {
    ssm
      .on(SendCommandCommand)
      .rejectsOnce(noAnswer())
      .resolves({ Command: { CommandId: 'cmd-2' }, ...meta });
    ssm.on(ListCommandsCommand).resolves({
      Commands: [{ ...sent, CommandId: 'cmd-other', Comment: 'nodekeeper patch req-0 prod-a/general' }],
      ...meta,
    });
    expect(await sendPatchCommand(send, params, noSleep)).toEqual({ commandId: 'cmd-2' });
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 2);
  });

  it('never retries a refusal (4xx) and gives up after three unanswered attempts', async () => {
    ssm.on(SendCommandCommand).rejects(
      Object.assign(new Error('bad instance'), {
        name: 'InvalidInstanceId',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await expect(sendPatchCommand(send, params, noSleep)).rejects.toThrow(/InvalidInstanceId/);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(ssm).not.toHaveReceivedCommand(ListCommandsCommand);

    ssm.reset();
    ssm.on(SendCommandCommand).rejects(noAnswer());
    ssm.on(ListCommandsCommand).resolves({ Commands: [], ...meta });
    await expect(sendPatchCommand(send, params, noSleep)).rejects.toThrow(/socket hang up/);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 3);
    expect(ssm).toHaveReceivedCommandTimes(ListCommandsCommand, 2);
  });
});

describe('listPatchInvocations', () => {
  it('reads every instance with Details (published sample)', async () => {
    ssm
      .on(ListCommandInvocationsCommand)
      .resolves({ ...realcase('ssm_list-command-invocations.json'), ...meta });
    const rows = await listPatchInvocations(clients.ssm, 'ef7fdfd8-9b57-4151-a15c-db9a12345678');
    expect(ssm).toReceiveCommandWith(ListCommandInvocationsCommand, {
      CommandId: 'ef7fdfd8-9b57-4151-a15c-db9a12345678',
      Details: true,
    });
    expect(rows.map((r) => [r.instanceId, r.status, r.statusDetails])).toEqual([
      ['i-02573cafcfEXAMPLE', 'Success', 'Success'],
      ['i-0471e04240EXAMPLE', 'Success', 'Success'],
    ]);
    expect(rows[0]?.output).toContain('amazon-ssm-agent');
  });

  it('follows NextToken', async () => {
    ssm
      .on(ListCommandInvocationsCommand)
      .resolvesOnce({ CommandInvocations: [{ InstanceId: 'i-0a', Status: 'Success' }], NextToken: 't' })
      .resolves({ CommandInvocations: [{ InstanceId: 'i-0b', Status: 'Failed', StatusDetails: 'Failed' }] });
    expect((await listPatchInvocations(clients.ssm, 'c')).map((r) => r.instanceId)).toEqual(['i-0a', 'i-0b']);
  });
});

describe('ListCommands adapters', () => {
  it('recognises only nodekeeper comments (published sample has none)', async () => {
    const sample = realcase('ssm_list-commands_incl-runpatchbaseline.json') as {
      Commands: Array<Record<string, unknown>>;
    };
    ssm.on(ListCommandsCommand).resolves({
      Commands: [
        ...(sample.Commands as never[]),
        { CommandId: 'mine', Comment: 'nodekeeper patch req-9 prod-a/general', Status: 'InProgress' },
      ],
      ...meta,
    });
    const found = await listNodekeeperPatchCommands(clients.ssm);
    expect(found.map((c) => [c.commandId, c.requestId, c.status])).toEqual([['mine', 'req-9', 'InProgress']]);
    expect(ssm).toReceiveCommandWith(ListCommandsCommand, {
      Filters: [{ key: 'DocumentName', value: 'AWS-RunPatchBaseline' }],
    });
  });

  it('reads one command status', async () => {
    ssm
      .on(ListCommandsCommand)
      .resolves({ Commands: [{ CommandId: 'c', Status: 'Success', Comment: '', TargetCount: 2 }] });
    expect(await getPatchCommandStatus(clients.ssm, 'c')).toMatchObject({
      status: 'Success',
      requestId: null,
      targetCount: 2,
    });
  });
});

describe('invokePatchFunction', () => {
  it('invokes RequestResponse and returns the JSON answer', async () => {
    lambda
      .on(InvokeCommand)
      .resolves({ StatusCode: 200, Payload: new TextEncoder().encode('{"ok":true}') as never });
    const out = await invokePatchFunction(
      new LambdaClient({ region: 'us-east-1' }),
      'nodekeeper-prod-patch',
      { cluster: 'prod-a' },
    );
    expect(out).toEqual({ kind: 'ok', payload: { ok: true } });
    expect(lambda).toReceiveCommandWith(InvokeCommand, {
      FunctionName: 'nodekeeper-prod-patch',
      InvocationType: 'RequestResponse',
    });
  });

  it('returns a function error as a value', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: new TextEncoder().encode('{"errorType":"Error","errorMessage":"boom"}') as never,
    });
    const out = await invokePatchFunction(new LambdaClient({ region: 'us-east-1' }), 'f', {});
    expect(out).toEqual({ kind: 'function-error', errorType: 'Error', message: 'boom' });
  });
});

describe('createPatchLedger (dynalite)', () => {
  let stop: () => Promise<void>;
  let client: DynamoDBClient;
  beforeAll(async () => {
    ({ client, close: stop } = await startDynaliteClient());
    await createLedgerTable(client, 'patch-ledger');
  });
  afterAll(async () => {
    await stop();
  });

  it('creates a request once', async () => {
    const ledger = createPatchLedger(client, { tableName: 'patch-ledger' });
    const record = {
      requestId: 'req-a',
      status: 'accepted' as const,
      error: null,
      accountId: null,
      region: 'us-east-1',
      cluster: 'prod-a',
      operation: 'Scan' as const,
      reboot: false,
      requestedBy: null,
      createdAt: '2026-11-24T10:00:00.000Z',
      items: [],
      unmanaged: [],
    };
    expect(await ledger.createRequest(record)).toEqual({ kind: 'recorded' });
    expect(await ledger.createRequest(record)).toEqual({ kind: 'exists' });
    // A failure is never written over an accepted request.
    expect(await ledger.recordRequestFailure({ ...record, status: 'failed', error: 'x' })).toEqual({
      kind: 'exists',
    });
  });

  it('records a request that failed before sending once, and lets a retry of it replace the record', async () => {
    const ledger = createPatchLedger(client, { tableName: 'patch-ledger' });
    const failed = {
      requestId: 'req-f',
      status: 'failed' as const,
      error: 'DescribeNodegroup failed: ServerException',
      accountId: null,
      region: 'us-east-1',
      cluster: 'prod-a',
      operation: 'Install' as const,
      reboot: false,
      requestedBy: null,
      createdAt: '2026-11-24T10:00:00.000Z',
      items: [],
      unmanaged: [],
    };
    expect(await ledger.recordRequestFailure(failed)).toEqual({ kind: 'recorded' });
    expect(await ledger.recordRequestFailure(failed)).toEqual({ kind: 'exists' });
    const retry = { ...failed, status: 'accepted' as const, error: null };
    expect(await ledger.createRequest(retry)).toEqual({ kind: 'recorded' });
    expect(await ledger.createRequest(retry)).toEqual({ kind: 'exists' });
  });

  it('records a command and its results, and claims the summary exactly once', async () => {
    const ledger = createPatchLedger(client, { tableName: 'patch-ledger' });
    const now = '2026-11-24T10:00:00.000Z';
    await ledger.openGroup({
      groupId: 'g1',
      requestId: 'req-b',
      accountId: null,
      region: 'us-east-1',
      cluster: 'prod-a',
      nodegroup: 'general',
      operation: 'Install',
      reboot: false,
      commandIds: [],
      sendErrors: [],
      sealed: false,
      createdAt: now,
    });
    await ledger.recordCommand({
      commandId: 'c1',
      groupId: 'g1',
      requestId: 'req-b',
      accountId: null,
      region: 'us-east-1',
      cluster: 'prod-a',
      nodegroup: 'general',
      operation: 'Install',
      reboot: false,
      instanceIds: ['i-0a'],
      createdAt: now,
      status: 'Sent',
      finishedAt: null,
      results: [],
    });
    await ledger.sealGroup('g1', ['c1'], []);
    const result = {
      instanceId: 'i-0a',
      status: 'Success',
      statusDetails: 'Success',
      outcome: 'succeeded' as const,
      pendingReboot: true,
    };
    await ledger.recordCommandResult('c1', { status: 'Success', finishedAt: now, results: [result] });
    expect(await ledger.getCommand('c1')).toMatchObject({ status: 'Success', results: [result] });
    expect(await ledger.getGroup('g1')).toMatchObject({ sealed: true, commandIds: ['c1'] });
    const claims = await Promise.all([
      ledger.claimSummary('g1', 'a', now),
      ledger.claimSummary('g1', 'b', now),
    ]);
    expect(claims.map((c) => c.kind).sort()).toEqual(['claimed', 'claimed-by-other']);
    await ledger.markSummarySent('g1', { ts: null, delivered: true });
    expect(await ledger.claimSummary('g1', 'c', '2026-11-24T11:00:00.000Z')).toEqual({
      kind: 'already-sent',
    });
  });

  it('lists commands newest first from the time index, with a limit, and nothing else of the table', async () => {
    await createLedgerTable(client, 'patch-ledger-list');
    const ledger = createPatchLedger(client, { tableName: 'patch-ledger-list' });
    const command = (n: number) => ({
      commandId: `c-${n}`,
      groupId: 'g1',
      requestId: 'req-l',
      accountId: null,
      region: 'us-east-1',
      cluster: 'prod-a',
      nodegroup: 'general',
      operation: 'Scan' as const,
      reboot: false,
      instanceIds: ['i-0a'],
      createdAt: new Date(Date.parse('2026-11-01T00:00:00.000Z') + n * 60_000).toISOString(),
      status: 'Sent',
      finishedAt: null,
      results: [],
    });
    // Written out of order, beside a group of the same request (another kind of item).
    for (const n of [3, 1, 4, 0, 2]) await ledger.recordCommand(command(n));
    await ledger.openGroup({
      groupId: 'g1',
      requestId: 'req-l',
      accountId: null,
      region: 'us-east-1',
      cluster: 'prod-a',
      nodegroup: 'general',
      operation: 'Scan',
      reboot: false,
      commandIds: [],
      sendErrors: [],
      sealed: false,
      createdAt: '2026-11-02T00:00:00.000Z',
    });
    expect((await ledger.listCommands({ limit: 3 })).map((c) => c.commandId)).toEqual(['c-4', 'c-3', 'c-2']);
    expect((await ledger.listCommands({ limit: 10 })).map((c) => c.commandId)).toEqual([
      'c-4',
      'c-3',
      'c-2',
      'c-1',
      'c-0',
    ]);
  });

  it('lets a stale claim be taken over', async () => {
    const ledger = createPatchLedger(client, { tableName: 'patch-ledger', claimLeaseSeconds: 60 });
    expect(await ledger.claimSummary('g2', 'crashed', '2026-11-24T10:00:00.000Z')).toEqual({
      kind: 'claimed',
    });
    expect(await ledger.claimSummary('g2', 'retry', '2026-11-24T10:00:30.000Z')).toEqual({
      kind: 'claimed-by-other',
    });
    expect(await ledger.claimSummary('g2', 'retry', '2026-11-24T10:02:00.000Z')).toEqual({ kind: 'claimed' });
  });
});

import { DescribeInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { DescribeNodegroupCommand, type EKSClient } from '@aws-sdk/client-eks';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeInstanceInformationCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import {
  InstanceTag,
  type ManagedInstanceFacts,
  PATCH_DOCUMENT,
  type PatchAwsPort,
  type PatchFacts,
  type PatchInstanceFacts,
  type PatchNodegroupFacts,
  parsePatchComment,
  type SendCommandParams,
} from '@nodekeeper/core/patch';
import { type AwsClients, isThrottlingError } from './clients.ts';
import { describeCluster, listNodegroups } from './eks.ts';
import { AwsAdapterError, callAws, describeAwsError } from './errors.ts';
import { listPatchInvocations } from './patch-invocations.ts';
import './services/ec2.ts';
import './services/eks.ts';
import './services/ssm.ts';

/**
 * SSM Run Command adapters for in-place patching, and the patch port over them. Reads are
 * paginated with bounded page counts; the only mutating call is SendCommand.
 */

const MAX_PAGES = 100;
/** Values per DescribeInstanceInformation `InstanceIds` filter. */
const INSTANCE_INFO_BATCH = 50;

/** What DescribeNodegroup says that patching needs. */
export interface PatchNodegroupDescription {
  nodegroup: string;
  amiType: string;
  status: string;
  tags: Record<string, string>;
  autoScalingGroups: string[];
}

/** DescribeNodegroup for patching (includes the Auto Scaling groups); null when it does not exist. */
export async function describeNodegroupForPatch(
  eks: EKSClient,
  cluster: string,
  nodegroup: string,
): Promise<PatchNodegroupDescription | null> {
  try {
    const out = await callAws('eks', 'DescribeNodegroup', () =>
      eks.send(new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: nodegroup })),
    );
    const ng = out.nodegroup;
    if (!ng) return null;
    return {
      nodegroup: ng.nodegroupName ?? nodegroup,
      amiType: ng.amiType ?? '',
      status: ng.status ?? '',
      tags: { ...ng.tags },
      autoScalingGroups: (ng.resources?.autoScalingGroups ?? [])
        .map((g) => g.name ?? '')
        .filter((n) => n !== ''),
    };
  } catch (error) {
    if (error instanceof AwsAdapterError && error.code === 'ResourceNotFoundException') return null;
    throw error;
  }
}

function tagsOf(i: Instance): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of i.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  return tags;
}

async function describeRunningInstances(
  ec2: EC2Client,
  filters: Array<{ Name: string; Values: string[] }>,
  context: string,
): Promise<PatchInstanceFacts[]> {
  const found = new Map<string, PatchInstanceFacts>();
  let NextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const out = await callAws(
      'ec2',
      'DescribeInstances',
      () =>
        ec2.send(
          new DescribeInstancesCommand({
            Filters: [...filters, { Name: 'instance-state-name', Values: ['running'] }],
            MaxResults: 1000,
            NextToken,
          }),
        ),
      context,
    );
    for (const r of out.Reservations ?? []) {
      for (const i of r.Instances ?? []) {
        if (i.InstanceId) found.set(i.InstanceId, { instanceId: i.InstanceId, tags: tagsOf(i) });
      }
    }
    NextToken = out.NextToken;
    if (!NextToken) break;
  }
  return [...found.values()].sort((a, b) => a.instanceId.localeCompare(b.instanceId));
}

/**
 * The running instances of a node group: by the `eks:cluster-name` and `eks:nodegroup-name` tags,
 * falling back to the node group's Auto Scaling groups (`aws:autoscaling:groupName`) when the tags
 * find none that belong to them. Names are exact (they never contain filter wildcards: core
 * validates them). Read-only.
 */
export async function findNodegroupInstances(
  ec2: EC2Client,
  cluster: string,
  ng: Pick<PatchNodegroupDescription, 'nodegroup' | 'autoScalingGroups'>,
): Promise<{ instances: PatchInstanceFacts[]; resolvedBy: PatchNodegroupFacts['resolvedBy'] }> {
  const byTags = await describeRunningInstances(
    ec2,
    [
      { Name: `tag:${InstanceTag.clusterName}`, Values: [cluster] },
      { Name: `tag:${InstanceTag.nodegroupName}`, Values: [ng.nodegroup] },
    ],
    `${cluster}/${ng.nodegroup}`,
  );
  const inAsg = (i: PatchInstanceFacts) => {
    const asg = i.tags[InstanceTag.autoScalingGroup];
    return asg !== undefined && ng.autoScalingGroups.includes(asg);
  };
  if (ng.autoScalingGroups.length === 0 || byTags.some(inAsg)) {
    return { instances: byTags, resolvedBy: byTags.length > 0 ? 'tags' : 'none' };
  }
  const byAsg = await describeRunningInstances(
    ec2,
    [{ Name: `tag:${InstanceTag.autoScalingGroup}`, Values: ng.autoScalingGroups }],
    `${cluster}/${ng.nodegroup} Auto Scaling groups`,
  );
  const merged = new Map([...byTags, ...byAsg].map((i) => [i.instanceId, i]));
  return {
    instances: [...merged.values()].sort((a, b) => a.instanceId.localeCompare(b.instanceId)),
    resolvedBy: byAsg.length > 0 ? 'auto-scaling-group' : byTags.length > 0 ? 'tags' : 'none',
  };
}

/** DescribeInstanceInformation for these instances (50 a call): the SSM-managed subset. Read-only. */
export async function describeManagedInstances(
  ssm: SSMClient,
  instanceIds: readonly string[],
): Promise<Record<string, ManagedInstanceFacts>> {
  const ids = [...new Set(instanceIds)];
  const managed: Record<string, ManagedInstanceFacts> = {};
  for (let i = 0; i < ids.length; i += INSTANCE_INFO_BATCH) {
    const batch = ids.slice(i, i + INSTANCE_INFO_BATCH);
    let NextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const out = await callAws('ssm', 'DescribeInstanceInformation', () =>
        ssm.send(
          new DescribeInstanceInformationCommand({
            Filters: [{ Key: 'InstanceIds', Values: batch }],
            MaxResults: 50,
            NextToken,
          }),
        ),
      );
      for (const info of out.InstanceInformationList ?? []) {
        if (!info.InstanceId || !batch.includes(info.InstanceId)) continue;
        managed[info.InstanceId] = {
          instanceId: info.InstanceId,
          pingStatus: info.PingStatus ?? 'Unknown',
          platformType: info.PlatformType ?? '',
          platformName: info.PlatformName ?? '',
        };
      }
      NextToken = out.NextToken;
      if (!NextToken) break;
    }
  }
  return managed;
}

/** SendCommand attempts; the SDK's own retries are off for it (see {@link sendPatchCommand}). */
const SEND_ATTEMPTS = 3;
const SEND_BACKOFF_MS = 200;

/** Whether a failed SendCommand may be tried again: throttling, 5xx and answers that never came. */
function retryableSendError(error: unknown): boolean {
  if (isThrottlingError(error)) return true;
  const e = error as { $fault?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number') return status >= 500;
  // No HTTP answer at all (timeout, reset, refused): the command may or may not have been taken.
  return e.$fault !== 'client';
}

/**
 * The command nodekeeper already sent with these parameters (same Comment, which names the request
 * ID and node group, and the same instances), if SSM has it. Read-only: ListCommands for the
 * first instance and the patch document, newest first, two pages at most.
 */
export async function findSentPatchCommand(
  ssm: SSMClient,
  params: SendCommandParams,
): Promise<{ commandId: string } | null> {
  const want = [...params.InstanceIds].sort().join(',');
  let NextToken: string | undefined;
  for (let page = 0; page < 2; page += 1) {
    const out = await callAws('ssm', 'ListCommands', () =>
      ssm.send(
        new ListCommandsCommand({
          InstanceId: params.InstanceIds[0],
          Filters: [{ key: 'DocumentName', value: params.DocumentName }],
          MaxResults: 50,
          NextToken,
        }),
      ),
    );
    for (const c of out.Commands ?? []) {
      if (
        c.CommandId &&
        c.Comment === params.Comment &&
        [...(c.InstanceIds ?? [])].sort().join(',') === want
      ) {
        return { commandId: c.CommandId };
      }
    }
    NextToken = out.NextToken;
    if (!NextToken) break;
  }
  return null;
}

/**
 * Sends AWS-RunPatchBaseline to explicit instance IDs. SendCommand has no idempotency token, so
 * `once` must be an SSM client without SDK retries: this function retries itself, and before each
 * retry asks SSM ({@link findSentPatchCommand}, through `ssm`) whether the attempt whose answer
 * never arrived was taken. A command that took effect is therefore never sent twice.
 */
export async function sendPatchCommand(
  clients: { ssm: SSMClient; once: SSMClient },
  params: SendCommandParams,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<{ commandId: string }> {
  if (params.DocumentName !== PATCH_DOCUMENT || params.InstanceIds.length === 0) {
    throw new RangeError('sendPatchCommand sends AWS-RunPatchBaseline to explicit instance IDs only');
  }
  let lastError: unknown = null;
  for (let attempt = 1; attempt <= SEND_ATTEMPTS; attempt += 1) {
    if (attempt > 1) {
      const sent = await findSentPatchCommand(clients.ssm, params);
      if (sent !== null) return sent;
    }
    try {
      const out = await callAws(
        'ssm',
        'SendCommand',
        () =>
          clients.once.send(
            new SendCommandCommand({
              DocumentName: params.DocumentName,
              InstanceIds: params.InstanceIds,
              Parameters: {
                Operation: [...params.Parameters.Operation],
                RebootOption: [...params.Parameters.RebootOption],
                SnapshotId: [...params.Parameters.SnapshotId],
              },
              MaxConcurrency: params.MaxConcurrency,
              MaxErrors: params.MaxErrors,
              TimeoutSeconds: params.TimeoutSeconds,
              Comment: params.Comment,
            }),
          ),
        params.Comment,
      );
      const commandId = out.Command?.CommandId;
      if (!commandId) {
        throw new AwsAdapterError(
          'ssm',
          'SendCommand',
          new Error('SendCommand answered without a CommandId'),
        );
      }
      return { commandId };
    } catch (error) {
      const cause = error instanceof AwsAdapterError ? error.cause : error;
      if (!retryableSendError(cause) || attempt === SEND_ATTEMPTS) throw error;
      lastError = error;
      await sleep(SEND_BACKOFF_MS * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
    }
  }
  throw lastError;
}

/** One command as ListCommands reports it. */
export interface PatchCommandStatus {
  commandId: string;
  status: string;
  comment: string;
  /** The request ID when the comment is nodekeeper's, else null. */
  requestId: string | null;
  targetCount: number;
  completedCount: number;
  errorCount: number;
}

/** ListCommands for one command ID; null when SSM does not know it. Read-only. */
export async function getPatchCommandStatus(
  ssm: SSMClient,
  commandId: string,
): Promise<PatchCommandStatus | null> {
  try {
    const out = await callAws(
      'ssm',
      'ListCommands',
      () => ssm.send(new ListCommandsCommand({ CommandId: commandId })),
      commandId,
    );
    const c = out.Commands?.[0];
    if (!c) return null;
    return {
      commandId,
      status: c.Status ?? 'Pending',
      comment: c.Comment ?? '',
      requestId: parsePatchComment(c.Comment)?.requestId ?? null,
      targetCount: c.TargetCount ?? 0,
      completedCount: c.CompletedCount ?? 0,
      errorCount: c.ErrorCount ?? 0,
    };
  } catch (error) {
    if (error instanceof AwsAdapterError && error.code === 'InvalidCommandId') return null;
    throw error;
  }
}

/**
 * nodekeeper's AWS-RunPatchBaseline commands (recognised by their Comment), newest first, at most
 * `limit`. Read-only.
 */
export async function listNodekeeperPatchCommands(
  ssm: SSMClient,
  options: { limit?: number; invokedAfter?: string } = {},
): Promise<PatchCommandStatus[]> {
  const limit = Math.max(1, Math.min(1000, options.limit ?? 50));
  const found: PatchCommandStatus[] = [];
  let NextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES && found.length < limit; page += 1) {
    const out = await callAws('ssm', 'ListCommands', () =>
      ssm.send(
        new ListCommandsCommand({
          Filters: [
            { key: 'DocumentName', value: PATCH_DOCUMENT },
            ...(options.invokedAfter ? [{ key: 'InvokedAfter' as const, value: options.invokedAfter }] : []),
          ],
          MaxResults: 50,
          NextToken,
        }),
      ),
    );
    for (const c of out.Commands ?? []) {
      const parsed = parsePatchComment(c.Comment);
      if (!parsed || !c.CommandId) continue;
      found.push({
        commandId: c.CommandId,
        status: c.Status ?? 'Pending',
        comment: c.Comment ?? '',
        requestId: parsed.requestId,
        targetCount: c.TargetCount ?? 0,
        completedCount: c.CompletedCount ?? 0,
        errorCount: c.ErrorCount ?? 0,
      });
    }
    NextToken = out.NextToken;
    if (!NextToken) break;
  }
  return found.slice(0, limit);
}

/**
 * The patch port over per-region clients: facts from EKS (ListNodegroups, DescribeNodegroup),
 * EC2 (DescribeInstances) and SSM (DescribeInstanceInformation); SendCommand; ListCommandInvocations.
 */
export function createPatchPort(
  clientsFor: (
    region: string,
  ) => Pick<AwsClients, 'eks' | 'ec2' | 'ssm'> & Partial<Pick<AwsClients, 'context'>>,
  options: { accountId?: string | null } = {},
): PatchAwsPort {
  // SendCommand goes through a twin SSM client without SDK retries (same handler, limiter and
  // counters): sendPatchCommand retries itself, checking first whether the last attempt was taken.
  const once = new Map<string, SSMClient>();
  const sendClients = (region: string) => {
    const clients = clientsFor(region);
    let client = once.get(region);
    if (client === undefined) {
      const ctx = clients.context;
      client = ctx ? ctx.instrument(new SSMClient({ ...ctx.config, maxAttempts: 1 }), 'ssm') : clients.ssm;
      once.set(region, client);
    }
    return { ssm: clients.ssm, once: client };
  };
  return {
    async gatherFacts(target) {
      const { eks, ec2, ssm } = clientsFor(target.region);
      let names: string[];
      try {
        names = target.nodegroups ?? (await listNodegroups(eks, target.cluster));
      } catch (error) {
        if (describeAwsError(error).code === 'ResourceNotFoundException')
          return { kind: 'cluster-not-found' };
        throw error;
      }
      const nodegroups: PatchNodegroupFacts[] = [];
      for (const name of names) {
        const ng = await describeNodegroupForPatch(eks, target.cluster, name);
        if (ng === null) continue;
        const { instances, resolvedBy } = await findNodegroupInstances(ec2, target.cluster, ng);
        nodegroups.push({ ...ng, instances, resolvedBy });
      }
      if (target.nodegroups !== null && nodegroups.length === 0) {
        // Every named node group is missing: tell a missing cluster apart from missing node groups.
        try {
          await listNodegroups(eks, target.cluster);
        } catch (error) {
          if (describeAwsError(error).code === 'ResourceNotFoundException')
            return { kind: 'cluster-not-found' };
          throw error;
        }
      }
      const candidates = nodegroups.flatMap((n) => n.instances.map((i) => i.instanceId));
      const managed = await describeManagedInstances(ssm, candidates);
      const facts: PatchFacts = {
        accountId: options.accountId ?? null,
        region: target.region,
        cluster: target.cluster,
        nodegroups,
        managed,
      };
      return { kind: 'found', facts };
    },
    sendCommand: (region, params) => sendPatchCommand(sendClients(region), params),
    listInvocations: (region, commandId) => listPatchInvocations(clientsFor(region).ssm, commandId),
  };
}

/** What the deployed patch function answered. */
export type PatchInvokeResult =
  | { kind: 'ok'; payload: unknown }
  | { kind: 'function-error'; errorType: string; message: string };

/**
 * Invokes the deployed patch function synchronously (RequestResponse) with a patch payload and
 * returns its JSON answer. A function error is a value; transport and permission errors throw
 * AwsAdapterError.
 */
export async function invokePatchFunction(
  lambda: LambdaClient,
  functionName: string,
  payload: unknown,
): Promise<PatchInvokeResult> {
  const out = await callAws(
    'lambda',
    'Invoke',
    () =>
      lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      ),
    functionName,
  );
  const text = out.Payload ? new TextDecoder().decode(out.Payload) : 'null';
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new AwsAdapterError('lambda', 'Invoke', error, `${functionName} answered non-JSON`);
  }
  if (out.FunctionError) {
    const e = (body ?? {}) as { errorType?: unknown; errorMessage?: unknown };
    return {
      kind: 'function-error',
      errorType: typeof e.errorType === 'string' ? e.errorType : out.FunctionError,
      message: typeof e.errorMessage === 'string' ? e.errorMessage : text.slice(0, 500),
    };
  }
  return { kind: 'ok', payload: body };
}

/**
 * The first of `regions` where DescribeCluster finds `cluster`, or null. Read-only; a missing
 * cluster (ResourceNotFoundException) is not an error.
 */
export async function findClusterRegion(
  clientsFor: (region: string) => Pick<AwsClients, 'eks'>,
  cluster: string,
  regions: readonly string[],
): Promise<string | null> {
  for (const region of regions) {
    try {
      await describeCluster(clientsFor(region).eks, cluster);
      return region;
    } catch (error) {
      if (describeAwsError(error).code !== 'ResourceNotFoundException') throw error;
    }
  }
  return null;
}

import { randomUUID } from 'node:crypto';
import {
  type AwsClients,
  buildClients,
  callerIdentity,
  createLambdaClient,
  createPatchLedger,
  createPatchPort,
  createRunLedger,
  DEFAULT_LEDGER_TABLE,
  findClusterRegion,
  getPatchCommandStatus,
  invokePatchFunction,
  listPatchInvocations,
  quietLogger,
} from '@nodekeeper/aws';
import { ValidationError } from '@nodekeeper/core';
import { buildPatchCompletedMessage } from '@nodekeeper/core/messages';
import {
  combineCommandStatuses,
  isTerminalStatus,
  type PatchLedgerPort,
  type PatchResultItem,
  type PatchResultSummary,
  parsePatchRequest,
  patchCompletedEvent,
  patchScope,
  reportPatchCommand,
  startPatch,
  summarizeInvocations,
  type UnmanagedInstance,
} from '@nodekeeper/core/patch';
import type { RunDeps } from '@nodekeeper/core/runs';
import { notifierFromEnv, patchNotifyFrom, runThreadDeps } from '@nodekeeper/slack';
import { parseFlags } from '../args.ts';
import { HOME_REGION_HELP, homeRegionOf, loadConfig } from '../config.ts';
import { UsageError } from '../errors.ts';
import { renderTable, toJson } from '../output.ts';
import { type Command, ExitCode } from '../types/index.ts';

/** `nodekeeper patch --json` output. */
export interface PatchJson {
  requestId: string;
  cluster: string;
  region: string | null;
  operation: 'Scan' | 'Install';
  reboot: boolean;
  items: Array<{
    cluster: string;
    nodegroup: string;
    decision: string;
    reason: string | null;
    message: string;
    commandId: string | null;
    commandIds: string[];
    error: string | null;
    instances: Array<{ instanceId: string; status: string; statusDetails?: string; pendingReboot?: boolean }>;
  }>;
  unmanaged: UnmanagedInstance[];
}

const USAGE = `Usage: nodekeeper patch --cluster C [--nodegroup N ...] [--instance-id I ...]
                        [--operation Scan|Install] [--reboot] [--wait] [--json]
                        [--invoke FUNCTION] [--region R] [--config FILE]

Runs SSM Patch Manager (AWS-RunPatchBaseline) on the SSM-managed nodes of a cluster's node groups,
one command per node group, at the pace set by the config (patch.maxConcurrency, patch.maxErrors).
Commands name the verified instances of each node group explicitly; instance IDs you pass must
belong to the selected node groups of the cluster, or nothing is sent.

Refused, with a reason and without a command: Bottlerocket node groups (unsupported-platform:
Bottlerocket patches by image replacement, use \`nodekeeper roll\`), node groups tagged
nodekeeper.io/skip=true (opted-out), and node groups without SSM-managed instances
(no-managed-instances). Instances that are not SSM-managed are listed, never dropped.

Options:
  --cluster C          EKS cluster (must be selected by the config's clusters)
  --nodegroup N        only this node group (repeatable; default: every node group)
  --instance-id I      only this instance (repeatable; must belong to the cluster)
  --operation OP       Scan (default: report missing patches) or Install
  --reboot             with Install: RebootOption RebootIfNeeded instead of NoReboot.
                       WARNING: SSM reboots nodes WITHOUT draining Kubernetes pods.
                       Without it, installed patches wait for the next reboot (pending reboot).
  --wait               follow the commands, printing each instance's progress, until they end
  --poll-seconds N     with --wait: check every N seconds (default 15)
  --json               print {requestId, items:[{nodegroup, decision, reason, commandId,
                       instances:[{instanceId, status}]}], unmanaged}
  --invoke FUNCTION    call the deployed patch function (Lambda RequestResponse) instead of
                       sending the commands with your own credentials
  --region R           the cluster's region (default: the config region that has it)
  --config FILE        config file (default: ./nodekeeper.config.json)
  -h, --help           show this help

Patching in place leaves the launch template on the old AMI: new nodes boot unpatched until the
next AMI rollout (\`nodekeeper roll\`).

Ledger: recorded in NODEKEEPER_LEDGER_TABLE (default ${DEFAULT_LEDGER_TABLE}) in ${HOME_REGION_HELP},
so the deployed patch-status function and --wait post the summary exactly once, and
\`nodekeeper report\` counts the instances patched.
Slack: posted when NODEKEEPER_SLACK_WEBHOOK_URL (or NODEKEEPER_SLACK_BOT_TOKEN + _CHANNEL) is set.

Exit codes: 0 every command sent (and with --wait, every instance succeeded); 3 an instance failed
or a command could not be sent; 2 bad input (unknown operation, empty cluster, foreign instance ID,
cluster outside the config); 1 AWS errors.
`;

function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

function toJsonItems(items: PatchResultItem[]): PatchJson['items'] {
  return items.map((i) => ({
    cluster: i.cluster,
    nodegroup: i.nodegroup,
    decision: i.decision,
    reason: i.reason,
    message: i.message,
    commandId: i.commandIds[0] ?? null,
    commandIds: i.commandIds,
    error: i.error,
    instances: i.instances,
  }));
}

/**
 * Follows every command until it ends (bounded), printing an instance's status when it changes,
 * then writes final statuses into `items`. Returns the per-item summaries.
 */
async function waitForCommands(
  items: PatchResultItem[],
  clients: (region: string) => AwsClients,
  options: {
    pollSeconds: number;
    maxPolls: number;
    log: (line: string) => void;
    operation: 'Scan' | 'Install';
    reboot: boolean;
  },
): Promise<Map<PatchResultItem, { summary: PatchResultSummary; statuses: Map<string, string> }>> {
  const seen = new Map<string, string>();
  const done = new Map<string, string>();
  const pending = items.flatMap((i) => i.commandIds.map((commandId) => ({ item: i, commandId })));
  for (let poll = 0; poll < options.maxPolls && done.size < pending.length; poll += 1) {
    for (const { item, commandId } of pending) {
      if (done.has(commandId)) continue;
      const ssm = clients(item.region).ssm;
      const status = await getPatchCommandStatus(ssm, commandId);
      const invocations = await listPatchInvocations(ssm, commandId);
      for (const inv of invocations) {
        const key = `${commandId}/${inv.instanceId}`;
        if (seen.get(key) !== inv.status) {
          seen.set(key, inv.status);
          options.log(
            `${item.cluster}/${item.nodegroup} ${inv.instanceId}: ${inv.status}${inv.statusDetails && inv.statusDetails !== inv.status ? ` (${inv.statusDetails})` : ''}`,
          );
        }
      }
      if (status && isTerminalStatus(status.status)) done.set(commandId, status.status);
    }
    if (done.size < pending.length) await sleep(options.pollSeconds);
  }
  const out = new Map<PatchResultItem, { summary: PatchResultSummary; statuses: Map<string, string> }>();
  for (const item of items) {
    if (item.commandIds.length === 0) continue;
    const invocations = (
      await Promise.all(item.commandIds.map((id) => listPatchInvocations(clients(item.region).ssm, id)))
    ).flat();
    const summary = summarizeInvocations(invocations, {
      operation: options.operation,
      reboot: options.reboot,
    });
    const statuses = new Map(item.commandIds.map((id) => [id, done.get(id) ?? 'InProgress']));
    const byId = new Map(summary.instances.map((r) => [r.instanceId, r]));
    item.instances = item.instances.map((i) => {
      const r = byId.get(i.instanceId);
      return r
        ? {
            instanceId: i.instanceId,
            status: r.status,
            statusDetails: r.statusDetails,
            ...(r.pendingReboot ? { pendingReboot: true } : {}),
          }
        : i;
    });
    out.set(item, { summary, statuses });
  }
  return out;
}

export const patchCommand: Command = {
  name: 'patch',
  summary: 'Patch nodes in place with SSM Patch Manager (Scan or Install); --reboot reboots without draining',
  usage: USAGE,
  async run(args, ctx) {
    const { values } = parseFlags(args, {
      cluster: { type: 'string' },
      nodegroup: { type: 'string', multiple: true },
      'instance-id': { type: 'string', multiple: true },
      operation: { type: 'string' },
      reboot: { type: 'boolean' },
      wait: { type: 'boolean' },
      'poll-seconds': { type: 'string' },
      json: { type: 'boolean' },
      invoke: { type: 'string' },
      region: { type: 'string' },
      config: { type: 'string' },
    });
    if (values.cluster === undefined) throw new UsageError('--cluster is required');
    if (values.operation !== undefined && values.operation !== 'Scan' && values.operation !== 'Install') {
      throw new UsageError(`--operation must be Scan or Install (got '${values.operation}')`);
    }
    let pollSeconds = 15;
    if (values['poll-seconds'] !== undefined) {
      pollSeconds = Number(values['poll-seconds']);
      if (!Number.isInteger(pollSeconds) || pollSeconds < 1 || pollSeconds > 600)
        throw new UsageError('--poll-seconds must be a whole number from 1 to 600');
    }
    const request = parsePatchRequest({
      cluster: values.cluster,
      ...(values.nodegroup ? { nodegroups: values.nodegroup } : {}),
      ...(values['instance-id'] ? { instanceIds: values['instance-id'] } : {}),
      ...(values.operation ? { operation: values.operation } : {}),
      ...(values.region ? { region: values.region } : {}),
      reboot: Boolean(values.reboot),
    });
    const config = loadConfig(ctx, values.config);
    const scope = patchScope(request, config);
    if (scope.kind === 'invalid') throw new ValidationError('patch request outside the config', scope.issues);
    const log = (line: string) => ctx.stderr(`${line}\n`);
    const homeRegion = homeRegionOf(ctx, config);
    // Patching reaches the caller's own account only (decision 008).
    const targets = buildClients(null, { homeRegion });
    const clients = (region: string) => targets(null, region);
    try {
      // The caller's IAM ARN from STS (env USER where STS is unreachable), shown as "Requested by".
      const requestedBy = (await callerIdentity(clients(homeRegion).sts, ctx.env)).slice(0, 200);
      let items: PatchResultItem[];
      let unmanaged: UnmanagedInstance[];
      let requestId: string;
      let region: string | null;
      let ledger: PatchLedgerPort | null = null;
      const notifier = notifierFromEnv(ctx.env, {
        logger: quietLogger(),
        mentionOnFailure: config.slack.mentionOnFailure,
      });
      const notify = patchNotifyFrom(notifier, (error) => log(`slack: message undeliverable (${error})`));
      // Bot mode with a ledger: the request gets one Slack thread, edited as node groups report.
      let runs: RunDeps | undefined;

      if (values.invoke !== undefined) {
        const lambda = createLambdaClient(clients(homeRegion).context);
        const payload = {
          cluster: request.cluster,
          ...(request.nodegroups ? { nodegroups: request.nodegroups } : {}),
          ...(request.instanceIds ? { instanceIds: request.instanceIds } : {}),
          ...(request.region ? { region: request.region } : {}),
          operation: request.operation,
          reboot: request.reboot,
          requestedBy,
        };
        const answer = await invokePatchFunction(lambda, values.invoke, payload);
        if (answer.kind === 'function-error') {
          throw new Error(`patch function ${values.invoke} failed: ${answer.errorType}: ${answer.message}`);
        }
        const body = answer.payload as {
          ok?: boolean;
          kind?: string;
          error?: string;
          issues?: string[];
          requestId?: string;
          region?: string;
          items?: PatchResultItem[];
          unmanaged?: UnmanagedInstance[];
        };
        if (body?.ok === false) {
          if (body.error === 'invalid-request')
            throw new ValidationError('patch function rejected the request', body.issues ?? []);
          throw new Error(`patch function ${values.invoke}: ${body.error ?? 'unknown error'}`);
        }
        requestId = body?.requestId ?? 'unknown';
        region = body?.region ?? null;
        items = body?.items ?? [];
        unmanaged = body?.unmanaged ?? [];
      } else {
        region =
          scope.kind === 'region'
            ? scope.region
            : await findClusterRegion(clients, request.cluster, scope.regions);
        if (region === null) {
          throw new ValidationError(
            `cluster ${request.cluster} exists in none of ${config.regions.join(', ')}`,
          );
        }
        // Every patch is recorded (the report counts its instances), as the patch function does.
        const table = ctx.env.NODEKEEPER_LEDGER_TABLE ?? DEFAULT_LEDGER_TABLE;
        const home = clients(homeRegion);
        ledger = createPatchLedger(home.dynamodb, { tableName: table });
        runs = runThreadDeps(notifier, createRunLedger(home.dynamodb, { tableName: table }));
        requestId = `req-${randomUUID()}`;
        const result = await startPatch(
          { ...request, requestId, requestedBy },
          { region, snapshotId: randomUUID(), settings: config.patch },
          { aws: createPatchPort(clients), ledger, notify, now: () => new Date(), ...(runs ? { runs } : {}) },
        );
        if (result.kind === 'invalid') throw new ValidationError('invalid patch request', result.issues);
        if (result.kind === 'duplicate') throw new Error(`request ${requestId} is already recorded`);
        if (result.kind === 'failed') {
          throw new Error(`patch request ${requestId} sent nothing: ${result.error}`);
        }
        items = result.items;
        unmanaged = result.unmanaged;
      }

      let failed = items.some((i) => i.error !== null);
      if (values.wait) {
        const timeout = config.patch.timeoutSeconds ?? 3600;
        const results = await waitForCommands(items, clients, {
          pollSeconds,
          maxPolls: Math.ceil((timeout + 7200) / pollSeconds),
          log,
          operation: request.operation,
          reboot: request.reboot,
        });
        for (const [item, { summary, statuses }] of results) {
          if (summary.counts.failed > 0 || summary.counts.pending > 0) failed = true;
          const status = combineCommandStatuses([...statuses.values()]);
          if (ledger !== null) {
            // The same claim as the patch-status function: one summary per node group, whoever is first.
            for (const [commandId, s] of statuses) {
              await reportPatchCommand(
                {
                  commandId,
                  documentName: 'AWS-RunPatchBaseline',
                  status: s,
                  time: new Date().toISOString(),
                },
                {
                  aws: createPatchPort(clients),
                  ledger,
                  notify,
                  now: () => new Date(),
                  ...(runs ? { runs } : {}),
                },
                `cli:${randomUUID()}`,
              );
            }
          } else if (notify !== null && isTerminalStatus(status)) {
            await notify(
              buildPatchCompletedMessage(
                patchCompletedEvent(
                  { accountId: null, region: item.region, cluster: item.cluster, nodegroup: item.nodegroup },
                  {
                    commandId: item.commandIds[0] ?? '',
                    status,
                    operation: request.operation,
                    reboot: request.reboot,
                  },
                  summary,
                ),
              ),
            );
          }
          if (!values.json) {
            log(
              `${item.cluster}/${item.nodegroup}: ${status}: ${summary.counts.succeeded}/${summary.counts.targeted} succeeded, ${summary.counts.failed} failed, ${summary.pendingReboot.length} pending reboot`,
            );
          }
        }
        if (request.operation === 'Install' && !values.json) {
          log(
            'note: the launch template still points at the old AMI; new nodes boot unpatched until the next rollout (nodekeeper roll)',
          );
        }
      }

      const output: PatchJson = {
        requestId,
        cluster: request.cluster,
        region,
        operation: request.operation,
        reboot: request.reboot,
        items: toJsonItems(items),
        unmanaged,
      };
      if (values.json) {
        ctx.stdout(toJson(output));
      } else {
        const rows = output.items.map((i) => [
          `${i.cluster}/${i.nodegroup}`,
          i.decision,
          i.reason ?? '-',
          i.commandId ?? '-',
          i.instances.map((x) => `${x.instanceId}:${x.status}`).join(' ') || '-',
          i.error ?? i.message,
        ]);
        ctx.stdout(`request ${requestId}\n`);
        ctx.stdout(
          `${renderTable(['NODE GROUP', 'DECISION', 'REASON', 'COMMAND', 'INSTANCES', 'DETAIL'], rows)}\n`,
        );
        for (const u of unmanaged)
          ctx.stdout(`unmanaged: ${u.cluster}/${u.nodegroup} ${u.instanceId} (${u.reason})\n`);
      }
      return failed ? ExitCode.failed : ExitCode.ok;
    } finally {
      targets.destroy();
    }
  },
};

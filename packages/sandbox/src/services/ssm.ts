import { randomUUID } from 'node:crypto';
import type { FleetInstance } from '../fleet.ts';
import {
  ApiError,
  epochSeconds,
  jsonReply,
  paginate,
  parseJsonBody,
  type Reply,
  type SandboxRequest,
  type ServiceHandler,
} from '../protocol/http.ts';
import {
  type CommandInvocation,
  type CommandRecord,
  ipFor,
  PARAMETER_VERSIONS_KEPT,
  type ParameterRecord,
  privateDnsName,
  type SandboxState,
} from '../state.ts';
import type { EventSink } from './events.ts';

/** SSM over JSON 1.1 (`X-Amz-Target: AmazonSSM.<Operation>`): Parameter Store and Run Command. */

const OPERATIONS = [
  'GetParameter',
  'GetParameters',
  'GetParametersByPath',
  'GetParameterHistory',
  'PutParameter',
  'SendCommand',
  'ListCommands',
  'ListCommandInvocations',
  'GetCommandInvocation',
  'DescribeInstanceInformation',
] as const;

const DOCUMENTS: Record<string, { plugin: (platform: string) => string; parameters: string[] }> = {
  'AWS-RunPatchBaseline': {
    plugin: (p) => (p === 'Windows' ? 'PatchWindows' : 'PatchLinux'),
    parameters: [
      'Operation',
      'SnapshotId',
      'InstallOverrideList',
      'BaselineOverride',
      'RebootOption',
      'AssociationId',
    ],
  },
  'AWS-RunShellScript': {
    plugin: () => 'aws:runShellScript',
    parameters: ['commands', 'workingDirectory', 'executionTimeout'],
  },
  'AWS-RunPowerShellScript': {
    plugin: () => 'aws:runPowerShellScript',
    parameters: ['commands', 'workingDirectory', 'executionTimeout'],
  },
};

const validation = (message: string) => new ApiError(400, 'ValidationException', message);
const badToken = () => new ApiError(400, 'InvalidNextToken', 'The specified token is not valid.');
const NOTIFICATION = { NotificationArn: '', NotificationEvents: [], NotificationType: '' };
const CLOUDWATCH = { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false };

export type CommandStatus = 'Pending' | 'InProgress' | 'Success' | 'Failed' | 'TimedOut';
type Status = CommandStatus;

/** An invocation's status at `at` (epoch ms): it runs from `startAt` to `endAt`. Pure. */
export function invocationStatusAt(inv: CommandInvocation, at: number): CommandStatus {
  if (at < inv.startAt.getTime()) return 'Pending';
  if (at < inv.endAt.getTime()) return 'InProgress';
  return inv.outcome;
}

/** A command's status at `at` (epoch ms), from its invocations'. Pure. */
export function commandStatusAt(c: CommandRecord, at: number): CommandStatus {
  const statuses = c.invocations.map((inv) => invocationStatusAt(inv, at));
  if (statuses.length === 0) return 'Success';
  if (statuses.every((s) => s === 'Pending')) return 'Pending';
  if (statuses.some((s) => s === 'Pending' || s === 'InProgress')) return 'InProgress';
  if (statuses.every((s) => s === 'Success')) return 'Success';
  if (statuses.some((s) => s === 'Failed')) return 'Failed';
  return 'TimedOut';
}

/** `events`: the default event bus of this (account, region), told of Parameter Store changes. */
export function createSsmHandler(state: SandboxState, events?: EventSink): ServiceHandler {
  const { fleet } = state;

  function arnOf(name: string): string {
    const isPublic = name.startsWith('/aws/service/');
    const path = name.startsWith('/') ? name : `/${name}`;
    return `arn:aws:ssm:${fleet.region}:${isPublic ? '' : fleet.accountId}:parameter${path}`;
  }

  function parameterJson(p: ParameterRecord) {
    return {
      Name: p.name,
      Type: p.type,
      Value: p.value,
      Version: p.version,
      LastModifiedDate: epochSeconds(p.lastModified),
      ARN: arnOf(p.name),
      DataType: p.dataType,
    };
  }

  function maxResults(body: Record<string, unknown>, min: number, max: number, fallback: number): number {
    const raw = body.MaxResults;
    if (raw === undefined || raw === null) return fallback;
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) {
      throw validation(
        `1 validation error detected: Value '${String(raw)}' at 'maxResults' failed to satisfy constraint: Member must have value ${raw !== null && Number(raw) < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`}`,
      );
    }
    return raw;
  }

  function getParameter(body: Record<string, unknown>): Reply {
    const name = requiredString(body, 'Name');
    const p = state.parameters.get(name);
    if (!p) throw new ApiError(400, 'ParameterNotFound', `Parameter ${name} not found.`);
    return jsonReply(200, { Parameter: parameterJson(p) });
  }

  function getParameters(body: Record<string, unknown>): Reply {
    const names = stringList(body, 'Names');
    if (names.length === 0) {
      throw validation(
        "1 validation error detected: Value '[]' at 'names' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    }
    if (names.length > 10) {
      throw validation(
        `1 validation error detected: Value '[${names.join(', ')}]' at 'names' failed to satisfy constraint: Member must have length less than or equal to 10`,
      );
    }
    const found: ParameterRecord[] = [];
    const invalid: string[] = [];
    for (const n of new Set(names)) {
      const p = state.parameters.get(n);
      if (p) found.push(p);
      else invalid.push(n);
    }
    return jsonReply(200, { Parameters: found.map(parameterJson), InvalidParameters: invalid });
  }

  function getParametersByPath(body: Record<string, unknown>): Reply {
    const path = requiredString(body, 'Path');
    if (!path.startsWith('/')) throw validation('The parameter path must begin with a forward slash "/".');
    const recursive = body.Recursive === true;
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const matches = [...state.parameters.values()]
      .filter((p) => p.name.startsWith(prefix) && (recursive || !p.name.slice(prefix.length).includes('/')))
      .sort((a, b) => a.name.localeCompare(b.name));
    const { page, nextToken } = paginate(
      matches,
      maxResults(body, 1, 10, 10),
      optionalString(body, 'NextToken'),
      `path/${prefix}/${recursive}`,
      badToken,
    );
    return jsonReply(200, { Parameters: page.map(parameterJson), NextToken: nextToken });
  }

  /** Versions oldest first, as Parameter Store returns them; a name that does not exist is ParameterNotFound. */
  function getParameterHistory(body: Record<string, unknown>): Reply {
    const name = requiredString(body, 'Name');
    const p = state.parameters.get(name);
    if (!p) throw new ApiError(400, 'ParameterNotFound', `Parameter ${name} not found.`);
    const { page, nextToken } = paginate(
      p.history,
      maxResults(body, 1, 50, 50),
      optionalString(body, 'NextToken'),
      `history/${name}`,
      badToken,
    );
    return jsonReply(200, {
      Parameters: page.map((v) => ({
        Name: p.name,
        Type: p.type,
        Value: v.value,
        Version: v.version,
        LastModifiedDate: epochSeconds(v.lastModified),
        LastModifiedUser: `arn:aws:iam::${fleet.accountId}:user/sandbox`,
        Labels: [],
        Tier: 'Standard',
        Policies: [],
        DataType: p.dataType,
      })),
      NextToken: nextToken,
    });
  }

  function putParameter(body: Record<string, unknown>): Reply {
    const name = requiredString(body, 'Name');
    const value = requiredString(body, 'Value');
    if (/^\/?(aws|ssm)/i.test(name)) {
      throw validation(
        'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_',
      );
    }
    const type = optionalString(body, 'Type');
    if (type !== undefined && type !== 'String' && type !== 'StringList' && type !== 'SecureString') {
      throw validation(
        `1 validation error detected: Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]`,
      );
    }
    const existing = state.parameters.get(name);
    if (existing && body.Overwrite !== true) {
      throw new ApiError(
        400,
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    if (!existing && type === undefined)
      throw validation('A parameter type is required when you create a parameter.');
    const version = (existing?.version ?? 0) + 1;
    const lastModified = state.now();
    const record: ParameterRecord = {
      name,
      value,
      type: (type ?? existing?.type ?? 'String') as ParameterRecord['type'],
      version,
      lastModified,
      dataType: optionalString(body, 'DataType') ?? existing?.dataType ?? 'text',
      history: [...(existing?.history ?? []), { value, version, lastModified }].slice(
        -PARAMETER_VERSIONS_KEPT,
      ),
    };
    state.parameters.set(name, record);
    events?.parameterChanged({ name, type: record.type, arn: arnOf(name) }, existing ? 'Update' : 'Create');
    return jsonReply(200, { Version: record.version, Tier: 'Standard' });
  }

  function managed(i: FleetInstance): boolean {
    return i.ssmManaged && i.state === 'running';
  }

  function instanceTag(i: FleetInstance, key: string): string | undefined {
    if (key === 'eks:cluster-name') return i.cluster;
    if (key === 'eks:nodegroup-name') return i.cluster !== undefined ? i.nodegroup : undefined;
    return i.tags[key];
  }

  function resolveTargets(targets: Array<{ Key: string; Values: string[] }>): FleetInstance[] {
    // Every target must match (SSM ANDs tag targets); unmanaged instances are never targeted.
    return fleet.instances.filter(
      (i) =>
        managed(i) &&
        targets.every((t) => {
          if (t.Key === 'InstanceIds') return t.Values.flatMap((v) => v.split(',')).includes(i.instanceId);
          if (t.Key.startsWith('tag:')) {
            const v = instanceTag(i, t.Key.slice(4));
            return v !== undefined && t.Values.includes(v);
          }
          if (t.Key === 'tag-key') return t.Values.some((k) => instanceTag(i, k) !== undefined);
          return false;
        }),
    );
  }

  function concurrencyOf(spec: string, targets: number): number {
    const pct = /^(\d+)%$/.exec(spec);
    if (pct) return Math.max(1, Math.floor((targets * Number(pct[1])) / 100));
    return Math.max(1, Number(spec));
  }

  function sendCommand(body: Record<string, unknown>): Reply {
    const documentName = requiredString(body, 'DocumentName');
    const doc = DOCUMENTS[documentName];
    if (!doc)
      throw new ApiError(400, 'InvalidDocument', `Document with name ${documentName} does not exist.`);
    const instanceIds = stringList(body, 'InstanceIds');
    const targets = targetList(body);
    if (instanceIds.length === 0 && targets.length === 0) {
      throw validation('Either InstanceIds or Targets must be specified.');
    }
    if (instanceIds.length > 0 && targets.length > 0) {
      throw validation('InstanceIds and Targets cannot both be specified.');
    }
    if (instanceIds.length > 50)
      throw validation('Member must have length less than or equal to 50 at instanceIds');
    if (targets.length > 5) throw validation('Member must have length less than or equal to 5 at targets');
    for (const t of targets) {
      if (!(t.Key === 'InstanceIds' || t.Key === 'tag-key' || /^tag:.+/.test(t.Key))) {
        throw new ApiError(400, 'InvalidTarget', `Target key ${t.Key} is not supported.`);
      }
    }
    const parameters = parameterMap(body);
    for (const k of Object.keys(parameters)) {
      if (!doc.parameters.includes(k))
        throw new ApiError(
          400,
          'InvalidParameters',
          `Parameter "${k}" is not allowed in document ${documentName}.`,
        );
    }
    if (documentName === 'AWS-RunPatchBaseline') {
      const op = parameters.Operation?.[0];
      if (op !== 'Scan' && op !== 'Install')
        throw new ApiError(
          400,
          'InvalidParameters',
          'Parameter "Operation" has invalid value. Allowed values: Scan, Install.',
        );
      const reboot = parameters.RebootOption?.[0];
      if (reboot !== undefined && reboot !== 'RebootIfNeeded' && reboot !== 'NoReboot') {
        throw new ApiError(
          400,
          'InvalidParameters',
          'Parameter "RebootOption" has invalid value. Allowed values: RebootIfNeeded, NoReboot.',
        );
      }
    }
    const maxConcurrency = optionalString(body, 'MaxConcurrency') ?? '50';
    const maxErrors = optionalString(body, 'MaxErrors') ?? '0';
    const rateRe = /^([1-9][0-9]*|[1-9][0-9]?%|100%|0)$/;
    if (!rateRe.test(maxConcurrency) || maxConcurrency === '0')
      throw validation(`Value '${maxConcurrency}' at 'maxConcurrency' failed to satisfy constraint`);
    if (!rateRe.test(maxErrors) && maxErrors !== '0%')
      throw validation(`Value '${maxErrors}' at 'maxErrors' failed to satisfy constraint`);
    const timeoutSeconds = body.TimeoutSeconds === undefined ? 3600 : Number(body.TimeoutSeconds);
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 30 || timeoutSeconds > 2592000) {
      throw validation(
        `Value '${String(body.TimeoutSeconds)}' at 'timeoutSeconds' failed to satisfy constraint: Member must have value between 30 and 2592000`,
      );
    }
    const comment = optionalString(body, 'Comment') ?? '';
    if (comment.length > 100)
      throw validation('Member must have length less than or equal to 100 at comment');

    let selected: FleetInstance[];
    if (instanceIds.length > 0) {
      const bad = instanceIds.filter((id) => {
        const i = fleet.instances.find((x) => x.instanceId === id);
        return !i || !managed(i);
      });
      if (bad.length > 0)
        throw new ApiError(
          400,
          'InvalidInstanceId',
          `Instances [[${bad.join(', ')}]] not in a valid state for account ${fleet.accountId}`,
        );
      selected = fleet.instances.filter((i) => instanceIds.includes(i.instanceId));
    } else {
      selected = resolveTargets(targets);
    }
    const now = state.now();
    const concurrency = concurrencyOf(maxConcurrency, selected.length);
    const invocations: CommandInvocation[] = [];
    let batchStart = now.getTime() + 1000;
    for (let b = 0; b < selected.length; b += concurrency) {
      const batch = selected.slice(b, b + concurrency);
      let longest = 0;
      for (const i of batch) {
        invocations.push({
          instanceId: i.instanceId,
          startAt: new Date(batchStart),
          endAt: new Date(batchStart + i.patchSeconds * 1000),
          outcome: documentName === 'AWS-RunPatchBaseline' ? i.patchOutcome : 'Success',
          platform: i.platform,
        });
        longest = Math.max(longest, i.patchSeconds * 1000);
      }
      batchStart += longest;
    }
    const command: CommandRecord = {
      commandId: randomUUID(),
      documentName,
      documentVersion: optionalString(body, 'DocumentVersion') ?? '$DEFAULT',
      comment,
      parameters,
      instanceIds,
      targets,
      requestedAt: now,
      expiresAfter: new Date(now.getTime() + timeoutSeconds * 1000),
      maxConcurrency,
      maxErrors,
      timeoutSeconds,
      invocations,
    };
    state.commands.push(command);
    return jsonReply(200, { Command: commandJson(command) });
  }

  function invocationStatus(inv: CommandInvocation): Status {
    return invocationStatusAt(inv, state.now().getTime());
  }

  function commandStatus(c: CommandRecord): Status {
    return commandStatusAt(c, state.now().getTime());
  }

  function commandJson(c: CommandRecord) {
    const statuses = c.invocations.map(invocationStatus);
    const status = commandStatus(c);
    return {
      CommandId: c.commandId,
      DocumentName: c.documentName,
      DocumentVersion: c.documentVersion,
      Comment: c.comment,
      ExpiresAfter: epochSeconds(c.expiresAfter),
      Parameters: c.parameters,
      InstanceIds: c.instanceIds,
      Targets: c.targets,
      RequestedDateTime: epochSeconds(c.requestedAt),
      Status: status,
      StatusDetails: status,
      OutputS3Region: fleet.region,
      OutputS3BucketName: '',
      OutputS3KeyPrefix: '',
      MaxConcurrency: c.maxConcurrency,
      MaxErrors: c.maxErrors,
      TargetCount: c.invocations.length,
      CompletedCount: statuses.filter((s) => s !== 'Pending' && s !== 'InProgress').length,
      ErrorCount: statuses.filter((s) => s === 'Failed' || s === 'TimedOut').length,
      DeliveryTimedOutCount: 0,
      ServiceRole: '',
      NotificationConfig: NOTIFICATION,
      CloudWatchOutputConfig: CLOUDWATCH,
      TimeoutSeconds: c.timeoutSeconds,
    };
  }

  function output(c: CommandRecord, inv: CommandInvocation, status: Status) {
    const done = status === 'Success' || status === 'Failed' || status === 'TimedOut';
    if (!done) return { stdout: '', stderr: '', code: -1, details: status };
    if (c.documentName !== 'AWS-RunPatchBaseline') {
      return { stdout: '', stderr: '', code: 0, details: 'Success' };
    }
    const op = c.parameters.Operation?.[0] ?? 'Scan';
    const reboot = c.parameters.RebootOption?.[0] ?? 'RebootIfNeeded';
    const baseline =
      inv.platform === 'Windows'
        ? 'pb-016f7ac6bf2a3d1c7 (AWS-WindowsPredefinedPatchBaseline-OS)'
        : 'pb-0a3e7ff1f4c1e1d6b (AWS-AmazonLinux2023DefaultPatchBaseline)';
    const header = `Patch group: \nOperation type: ${op}\nReboot option: ${reboot}\nPatch baseline: ${baseline}\n`;
    if (status === 'Success') {
      const installed = op === 'Install' ? 3 : 0;
      const pending = op === 'Install' && reboot === 'NoReboot' ? 3 : 0;
      return {
        stdout: `${header}Installed: ${installed - pending}, InstalledPendingReboot: ${pending}, Missing: ${op === 'Scan' ? 3 : 0}, Failed: 0\nPatch operation completed successfully.\n`,
        stderr: '',
        code: 0,
        details: 'Success',
      };
    }
    if (status === 'TimedOut') {
      return {
        stdout: `${header}Patch operation in progress...\n`,
        stderr: 'Execution timed out.\n',
        code: -1,
        details: 'ExecutionTimedOut',
      };
    }
    const stderr =
      inv.platform === 'Bottlerocket'
        ? 'Unsupported platform: bottlerocket has no patch baseline; update the node image instead.\nfailed to run commands: exit status 1\n'
        : 'Failed to install package(s): kernel-6.12.40-63.114.amzn2023\nfailed to run commands: exit status 1\n';
    return { stdout: `${header}Installed: 2, Missing: 0, Failed: 1\n`, stderr, code: 1, details: 'Failed' };
  }

  function invocationJson(c: CommandRecord, inv: CommandInvocation, details: boolean) {
    const status = invocationStatus(inv);
    const out = output(c, inv, status);
    const plugin = DOCUMENTS[c.documentName]?.plugin(inv.platform) ?? 'aws:runShellScript';
    const started = status !== 'Pending';
    const finished = started && status !== 'InProgress';
    return {
      CommandId: c.commandId,
      InstanceId: inv.instanceId,
      InstanceName: '',
      Comment: c.comment,
      DocumentName: c.documentName,
      DocumentVersion: c.documentVersion,
      RequestedDateTime: epochSeconds(c.requestedAt),
      Status: status,
      StatusDetails: out.details,
      TraceOutput: '',
      StandardOutputUrl: '',
      StandardErrorUrl: '',
      CommandPlugins: details
        ? [
            {
              Name: plugin,
              Status: status,
              StatusDetails: out.details,
              ResponseCode: out.code,
              ResponseStartDateTime: started ? epochSeconds(inv.startAt) : undefined,
              ResponseFinishDateTime: finished ? epochSeconds(inv.endAt) : undefined,
              Output: out.stdout + (out.stderr ? `\n----------ERROR-------\n${out.stderr}` : ''),
              StandardOutputUrl: '',
              StandardErrorUrl: '',
              OutputS3Region: fleet.region,
              OutputS3BucketName: '',
              OutputS3KeyPrefix: '',
            },
          ]
        : [],
      ServiceRole: '',
      NotificationConfig: NOTIFICATION,
      CloudWatchOutputConfig: CLOUDWATCH,
    };
  }

  function listCommands(body: Record<string, unknown>): Reply {
    const commandId = optionalString(body, 'CommandId');
    const instanceId = optionalString(body, 'InstanceId');
    if (commandId !== undefined && !state.commands.some((c) => c.commandId === commandId)) {
      throw new ApiError(400, 'InvalidCommandId', '');
    }
    const filters = keyValueFilters(body, 'Filters', 'key', 'value');
    const commands = [...state.commands]
      .reverse()
      .filter((c) => commandId === undefined || c.commandId === commandId)
      .filter((c) => instanceId === undefined || c.invocations.some((i) => i.instanceId === instanceId))
      .filter((c) =>
        filters.every((f) => {
          if (f.key === 'Status') return commandStatus(c) === f.value;
          if (f.key === 'DocumentName') return c.documentName === f.value;
          if (f.key === 'InvokedAfter') return c.requestedAt.getTime() >= Date.parse(f.value);
          if (f.key === 'InvokedBefore') return c.requestedAt.getTime() <= Date.parse(f.value);
          throw new ApiError(400, 'InvalidFilterKey', `Filter key ${f.key} is not valid.`);
        }),
      );
    const { page, nextToken } = paginate(
      commands,
      maxResults(body, 1, 50, 50),
      optionalString(body, 'NextToken'),
      'commands',
      badToken,
    );
    return jsonReply(200, { Commands: page.map(commandJson), NextToken: nextToken });
  }

  function listCommandInvocations(body: Record<string, unknown>): Reply {
    const commandId = optionalString(body, 'CommandId');
    const instanceId = optionalString(body, 'InstanceId');
    if (commandId !== undefined && !state.commands.some((c) => c.commandId === commandId)) {
      throw new ApiError(400, 'InvalidCommandId', '');
    }
    const details = body.Details === true;
    const rows = [...state.commands]
      .reverse()
      .filter((c) => commandId === undefined || c.commandId === commandId)
      .flatMap((c) =>
        c.invocations
          .filter((i) => instanceId === undefined || i.instanceId === instanceId)
          .map((i) => ({ c, i })),
      );
    const { page, nextToken } = paginate(
      rows,
      maxResults(body, 1, 50, 50),
      optionalString(body, 'NextToken'),
      `invocations/${commandId ?? ''}/${instanceId ?? ''}`,
      badToken,
    );
    return jsonReply(200, {
      CommandInvocations: page.map(({ c, i }) => invocationJson(c, i, details)),
      NextToken: nextToken,
    });
  }

  function getCommandInvocation(body: Record<string, unknown>): Reply {
    const commandId = requiredString(body, 'CommandId');
    const instanceId = requiredString(body, 'InstanceId');
    const c = state.commands.find((x) => x.commandId === commandId);
    if (!c) throw new ApiError(400, 'InvalidCommandId', '');
    const inv = c.invocations.find((i) => i.instanceId === instanceId);
    if (!inv) throw new ApiError(400, 'InvocationDoesNotExist', '');
    const plugin = DOCUMENTS[c.documentName]?.plugin(inv.platform) ?? 'aws:runShellScript';
    const pluginName = optionalString(body, 'PluginName');
    if (pluginName !== undefined && pluginName !== plugin) throw new ApiError(400, 'InvalidPluginName', '');
    const status = invocationStatus(inv);
    const out = output(c, inv, status);
    const started = status !== 'Pending';
    const finished = started && status !== 'InProgress';
    const elapsed = finished ? (inv.endAt.getTime() - inv.startAt.getTime()) / 1000 : 0;
    return jsonReply(200, {
      CommandId: c.commandId,
      InstanceId: inv.instanceId,
      Comment: c.comment,
      DocumentName: c.documentName,
      DocumentVersion: c.documentVersion,
      PluginName: plugin,
      ResponseCode: out.code,
      ExecutionStartDateTime: started ? inv.startAt.toISOString() : '',
      ExecutionElapsedTime: finished ? `PT${elapsed.toFixed(3)}S` : '',
      ExecutionEndDateTime: finished ? inv.endAt.toISOString() : '',
      Status: status,
      StatusDetails: out.details,
      StandardOutputContent: out.stdout,
      StandardOutputUrl: '',
      StandardErrorContent: out.stderr,
      StandardErrorUrl: '',
      CloudWatchOutputConfig: CLOUDWATCH,
    });
  }

  function describeInstanceInformation(body: Record<string, unknown>): Reply {
    const filters = [
      ...keyValuesFilters(body, 'Filters', 'Key', 'Values'),
      ...keyValuesFilters(body, 'InstanceInformationFilterList', 'key', 'valueSet'),
    ];
    const rows = fleet.instances
      .map((i, index) => ({ i, index }))
      .filter(({ i }) => managed(i))
      .filter(({ i }) =>
        filters.every((f) => {
          const have =
            f.key === 'InstanceIds'
              ? i.instanceId
              : f.key === 'PlatformTypes'
                ? platformType(i)
                : f.key === 'PingStatus'
                  ? 'Online'
                  : f.key === 'ResourceType'
                    ? 'EC2Instance'
                    : f.key.startsWith('tag:')
                      ? instanceTag(i, f.key.slice(4))
                      : undefined;
          if (
            !['InstanceIds', 'PlatformTypes', 'PingStatus', 'ResourceType'].includes(f.key) &&
            !f.key.startsWith('tag:')
          ) {
            throw new ApiError(
              400,
              'InvalidInstanceInformationFilterValue',
              `Filter key ${f.key} is not valid.`,
            );
          }
          return have !== undefined && f.values.includes(have);
        }),
      );
    const { page, nextToken } = paginate(
      rows,
      maxResults(body, 5, 50, 50),
      optionalString(body, 'NextToken'),
      'instance-information',
      badToken,
    );
    return jsonReply(200, {
      InstanceInformationList: page.map(({ i, index }) => {
        const ip = i.privateIpAddress ?? ipFor(i.instanceId, index);
        return {
          InstanceId: i.instanceId,
          PingStatus: 'Online',
          LastPingDateTime: epochSeconds(new Date(state.now().getTime() - 60_000)),
          AgentVersion: i.platform === 'Windows' ? '3.3.1957.0' : '3.3.2299.0',
          IsLatestVersion: false,
          PlatformType: platformType(i),
          PlatformName:
            i.platform === 'Windows'
              ? 'Microsoft Windows Server 2022 Datacenter'
              : i.platform === 'Bottlerocket'
                ? 'Bottlerocket'
                : 'Amazon Linux',
          PlatformVersion:
            i.platform === 'Windows' ? '10.0.20348' : i.platform === 'Bottlerocket' ? '1.49.0' : '2023',
          ResourceType: 'EC2Instance',
          IPAddress: ip,
          ComputerName: privateDnsName(ip),
          AssociationStatus: 'Success',
        };
      }),
      NextToken: nextToken,
    });
  }

  return {
    service: 'ssm',
    operationOf(req) {
      const target = String(req.headers['x-amz-target'] ?? '');
      const op = target.startsWith('AmazonSSM.') ? target.slice('AmazonSSM.'.length) : '';
      return (OPERATIONS as readonly string[]).includes(op) ? op : `Unknown:${op}`;
    },
    handle(req) {
      state.tick();
      const body = parseJsonBody(req.body, 'SerializationException');
      switch (req.operation) {
        case 'GetParameter':
          return getParameter(body);
        case 'GetParameters':
          return getParameters(body);
        case 'GetParametersByPath':
          return getParametersByPath(body);
        case 'GetParameterHistory':
          return getParameterHistory(body);
        case 'PutParameter':
          return putParameter(body);
        case 'SendCommand':
          return sendCommand(body);
        case 'ListCommands':
          return listCommands(body);
        case 'ListCommandInvocations':
          return listCommandInvocations(body);
        case 'GetCommandInvocation':
          return getCommandInvocation(body);
        case 'DescribeInstanceInformation':
          return describeInstanceInformation(body);
        default:
          throw new ApiError(
            400,
            'UnknownOperationException',
            `The sandbox does not implement AmazonSSM.${req.operation.replace(/^Unknown:/, '')}`,
          );
      }
    },
    errorReply: (req, err) => jsonProtocolError(req, err),
    throttleError: () => new ApiError(400, 'ThrottlingException', 'Rate exceeded'),
    defaultErrorCode: (status) => (status >= 500 ? 'InternalServerError' : 'ValidationException'),
  };
}

function platformType(i: FleetInstance): string {
  return i.platform === 'Windows' ? 'Windows' : 'Linux';
}

/** JSON 1.0/1.1 error: `__type` in the body (and `x-amzn-ErrorType`), `message` beside it. */
export function jsonProtocolError(
  req: SandboxRequest,
  err: ApiError,
  contentType = 'application/x-amz-json-1.1',
): Reply {
  const type =
    err.code === 'UnknownOperationException'
      ? 'com.amazon.coral.service#UnknownOperationException'
      : err.code;
  const headers: Record<string, string> = {
    'content-type': contentType,
    'x-amzn-requestid': req.requestId,
    'x-amzn-errortype': type,
  };
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
  const body: Record<string, unknown> = { __type: type, ...err.fields };
  if (err.message !== '') body.message = err.message;
  return { status: err.status, headers, body: JSON.stringify(body) };
}

function requiredString(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || v === '') {
    throw validation(
      `1 validation error detected: Value null at '${key[0]?.toLowerCase()}${key.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return v;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ApiError(400, 'SerializationException', `${key} must be a string`);
  return v;
}

function stringList(body: Record<string, unknown>, key: string): string[] {
  const v = body[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new ApiError(400, 'SerializationException', `${key} must be a list of strings`);
  return v as string[];
}

function targetList(body: Record<string, unknown>): Array<{ Key: string; Values: string[] }> {
  const v = body.Targets;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ApiError(400, 'SerializationException', 'Targets must be a list');
  return v.map((t) => {
    const o = (t ?? {}) as Record<string, unknown>;
    return { Key: String(o.Key ?? ''), Values: stringList(o, 'Values') };
  });
}

function parameterMap(body: Record<string, unknown>): Record<string, string[]> {
  const v = body.Parameters;
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new ApiError(400, 'SerializationException', 'Parameters must be a map');
  return Object.fromEntries(Object.entries(v).map(([k, vals]) => [k, stringList({ x: vals }, 'x')]));
}

function keyValueFilters(
  body: Record<string, unknown>,
  key: string,
  k: string,
  val: string,
): Array<{ key: string; value: string }> {
  const v = body[key];
  if (!Array.isArray(v)) return [];
  return v.map((f) => {
    const o = (f ?? {}) as Record<string, unknown>;
    return { key: String(o[k] ?? ''), value: String(o[val] ?? '') };
  });
}

function keyValuesFilters(
  body: Record<string, unknown>,
  key: string,
  k: string,
  vals: string,
): Array<{ key: string; values: string[] }> {
  const v = body[key];
  if (!Array.isArray(v)) return [];
  return v.map((f) => {
    const o = (f ?? {}) as Record<string, unknown>;
    return { key: String(o[k] ?? ''), values: stringList(o, vals) };
  });
}

// The nodekeeper SST app under Pulumi mocks: what `sst deploy` would create, checked offline.
import { LedgerSchema } from '@nodekeeper/aws';
import { MAX_WAIT_HOURS } from '@nodekeeper/core/rollout';
import { ledgerTableRequest } from '@nodekeeper/sandbox';
import { beforeAll, describe, expect, it } from 'vitest';
import { FLEET_SCAN_INVOCATION_TIMEOUT_MS, INSPECT_TIMEOUT_MS } from '../../bench/fleet-fanout.ts';
import { parseScanEvent } from '../../functions/lib/scan.ts';
import { readSettings } from '../../functions/lib/settings.ts';
import { NODEJS_BUNDLE } from '../../stacks/bundle.ts';
import { functionPermissions, resourceNames, toSstPermissions } from '../../stacks/permissions.ts';
import { scheduleArn, substituteSchedulerContext } from '../helpers/scheduler.ts';
import { ACCOUNT_ID, type Harness, importStacks, installSstHarness, REGION } from './harness.ts';
import { scopeProblems } from './iam-rules.ts';

const STAGE = 'test';
const names = resourceNames(STAGE);
const rawConfig = {
  regions: ['us-east-1', 'eu-west-1'],
  clusters: ['prod-*', 'dev-*'],
  schedule: { cron: 'cron(0 3 ? * TUE-THU *)', timezone: 'Europe/Berlin', windowMinutes: 240 },
  // One parameter, and one per Kubernetes minor ({version}).
  goldenAmiParameters: ['/golden/eks-al2023/ami', '/golden/web/{version}/ami'],
};
// Stands in for core's parseConfig: the stacks only need a validated object back.
const parse = (raw: unknown) => ({ ...(raw as object), minAmiAgeDays: 0 });
const functionArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}`;

let h: Harness;
let outputs: Record<string, unknown>;

// biome-ignore lint/suspicious/noExplicitAny: mocked resource inputs are untyped JSON, read by path.
type Inputs = Record<string, any>;
function one(type: string, name: string): Inputs {
  const found = h.resources.filter((r) => r.type === type && r.name === name);
  expect(found.map((r) => r.name)).toEqual([name]);
  return found[0]?.inputs as Inputs;
}
function lambda(logicalName: string): Inputs {
  return one('aws:lambda/function:Function', `${logicalName}Function`);
}
type PolicyStatement = {
  actions: string[];
  resources: string[];
  conditions?: { test: string; variable: string; values: string[] }[];
};
/** True when an IAM resource pattern (`*` and `?` wildcards) matches an ARN, as IAM reads it. */
function iamMatches(pattern: string, arn: string): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(arn);
}
/** The resources the role's inline statements grant `action` on. */
function grantedOn(roleName: string, action: string): string[] {
  return inlineStatements(roleName)
    .filter((st) => st.actions.includes(action))
    .flatMap((st) => st.resources);
}
const DURABLE_POLICY = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy';
const BASIC_POLICY = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
const CHECKPOINT_ACTIONS = ['lambda:CheckpointDurableExecution', 'lambda:GetDurableExecutionState'];
/** A durable execution's ARN, as Lambda authorizes checkpoints against it (durable-security.html). */
const durableExecutionArn = (fn: string, version: string) =>
  `${functionArn(fn)}:${version}/durable-execution/exec-1/0f3c2a61-7d4e-4b8a-9c1d-2e5f6a7b8c9d`;

function inlineStatements(roleName: string): PolicyStatement[] {
  const role = one('aws:iam/role:Role', roleName);
  const policies = role.inlinePolicies as { name: string; policy: string }[];
  return policies.flatMap((p) => (JSON.parse(p.policy) as { Statement: PolicyStatement[] }).Statement);
}

beforeAll(async () => {
  h = await installSstHarness(STAGE);
  const { parseDeployConfig } = await import('../../stacks/config.ts');
  const { createNodekeeper } = await importStacks();
  const app = createNodekeeper(parseDeployConfig(rawConfig, parse), STAGE);
  await h.settle();
  outputs = await new Promise((resolve) =>
    h.pulumi.output(app.outputs).apply((v) => resolve(v as Record<string, unknown>)),
  );
});

describe('the nodekeeper app', () => {
  describe('when it schedules rollouts', () => {
    it('runs the config cron in the config time zone', () => {
      const schedule = one('aws:scheduler/schedule:Schedule', 'RolloutScheduleSchedule');
      expect(schedule.scheduleExpression).toBe('cron(0 3 ? * TUE-THU *)');
      expect(schedule.scheduleExpressionTimezone).toBe('Europe/Berlin');
      expect(schedule.state).toBe('ENABLED');
      expect(schedule.flexibleTimeWindow).toEqual({ mode: 'OFF' });
    });

    it('targets the scan function by qualified ARN', () => {
      const schedule = one('aws:scheduler/schedule:Schedule', 'RolloutScheduleSchedule');
      expect(schedule.target.arn).toBe(`${functionArn(names.functions['rollout-scan'])}:1`);
    });

    it("sends the scan Scheduler's four context attributes and nothing it does not document", () => {
      const { input } = one('aws:scheduler/schedule:Schedule', 'RolloutScheduleSchedule').target;
      expect([...new Set(String(input).match(/<aws\.scheduler\.[a-z-]+>/g))].sort()).toEqual([
        '<aws.scheduler.attempt-number>',
        '<aws.scheduler.execution-id>',
        '<aws.scheduler.schedule-arn>',
        '<aws.scheduler.scheduled-time>',
      ]);
    });

    it('keys a fire on schedule ARN and scheduled time, the same on every retry', () => {
      const schedule = one('aws:scheduler/schedule:Schedule', 'RolloutScheduleSchedule');
      const at = (scheduledTime: string, executionId: string, attemptNumber: number) =>
        parseScanEvent(
          JSON.parse(
            substituteSchedulerContext(schedule.target.input, {
              scheduleArn: scheduleArn(REGION, ACCOUNT_ID, schedule.name),
              scheduledTime,
              executionId,
              attemptNumber,
            }),
          ),
        );
      const first = at('2026-11-24T02:00:00Z', 'd32c5kddcf5bb8c3', 1);
      expect(first).toMatchObject({ time: '2026-11-24T02:00:00Z', source: 'aws.scheduler' });
      expect(at('2026-11-24T02:00:00Z', 'e81f3a09b7c2d4a6', 2).id).toBe(first.id);
      expect(at('2026-11-25T02:00:00Z', 'd32c5kddcf5bb8c3', 1).id).not.toBe(first.id);
    });

    it('rejects its Input when Scheduler has not substituted it, naming each field', () => {
      const { input } = one('aws:scheduler/schedule:Schedule', 'RolloutScheduleSchedule').target;
      expect(() => parseScanEvent(JSON.parse(input))).toThrow(
        expect.objectContaining({
          name: 'ValidationError',
          issues: [
            expect.stringMatching(/^scheduleArn: /),
            expect.stringMatching(/^scheduledTime: /),
            expect.stringMatching(/^attemptNumber: /),
          ],
        }),
      );
    });

    it('retries and dead-letters undeliverable invocations', () => {
      const schedule = one('aws:scheduler/schedule:Schedule', 'RolloutScheduleSchedule');
      const queue = one('aws:sqs/queue:Queue', 'RolloutScheduleDlqQueue');
      expect(schedule.target.retryPolicy).toEqual({ maximumRetryAttempts: 3 });
      expect(schedule.target.deadLetterConfig).toEqual({
        arn: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${queue.name}`,
      });
      const role = inlineStatements('RolloutScheduleRole');
      expect(role.map((s) => [s.actions, s.resources])).toEqual([
        [['lambda:InvokeFunction'], [`${functionArn(names.functions['rollout-scan'])}:1`]],
        [['sqs:SendMessage'], [`arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${queue.name}`]],
      ]);
    });
  });

  describe('when it deploys the rollout workflow', () => {
    it('makes it a durable function that outlasts the longest wait the config allows, with retention set', () => {
      const fn = lambda('RolloutWorkflowHandler');
      expect(fn.name).toBe(names.functions['rollout-workflow']);
      // An attempt and its forced retry may each wait rollout.maxWaitHours at most, plus a day to
      // spare; durable executions last a year at most.
      expect(fn.durableConfig.executionTimeout).toBeGreaterThanOrEqual(2 * MAX_WAIT_HOURS * 3600 + 86_400);
      expect(fn.durableConfig.executionTimeout).toBeLessThanOrEqual(366 * 86_400);
      expect(fn.durableConfig.retentionPeriod).toBe(30);
      expect(fn.publish).toBe(true);
      expect(fn.runtime).toBe('nodejs22.x');
      expect(fn.loggingConfig.logFormat).toBe('JSON');
    });

    it('grants checkpoints on its own durable executions only, not the managed policy on "*", and keeps its logs', () => {
      const role = one('aws:iam/role:Role', 'RolloutWorkflowHandlerRole');
      expect(role.managedPolicyArns).not.toContain(DURABLE_POLICY);
      expect(role.managedPolicyArns).toContain(BASIC_POLICY);
      const own = names.functions['rollout-workflow'];
      for (const action of CHECKPOINT_ACTIONS) {
        const granted = grantedOn('RolloutWorkflowHandlerRole', action);
        expect(granted, action).toEqual([`${functionArn(own)}:*`]);
        expect(
          granted.some((r) => iamMatches(r, durableExecutionArn(own, '1'))),
          action,
        ).toBe(true);
        expect(
          granted.some((r) => iamMatches(r, durableExecutionArn(names.functions['rollout-fanout'], '1'))),
          action,
        ).toBe(false);
      }
    });

    it('hands the scan the qualified workflow ARN', () => {
      const scan = lambda('RolloutScan');
      expect(scan.environment.variables.NODEKEEPER_WORKFLOW_ARN).toBe(
        `${functionArn(names.functions['rollout-workflow'])}:1`,
      );
      expect(outputs.workflowArn).toBe(`${functionArn(names.functions['rollout-workflow'])}:1`);
    });
  });

  describe('when it deploys the durable fleet scan', () => {
    it('makes it a durable function of a day, with 15-minute invocations and 2048 MB to plan a large fleet', () => {
      const fn = lambda('RolloutFleetScanHandler');
      expect(fn.name).toBe(names.functions['rollout-fanout']);
      expect(fn.durableConfig).toEqual({ executionTimeout: 86_400, retentionPeriod: 7 });
      expect([fn.timeout, fn.memorySize, fn.publish]).toEqual([900, 2048, true]);
      // The bench measures each invocation against the timeout deployed here.
      expect(fn.timeout * 1000).toBe(FLEET_SCAN_INVOCATION_TIMEOUT_MS);
      expect(fn.loggingConfig.logFormat).toBe('JSON');
    });

    it('grants checkpoints on its own durable executions only, not the managed policy on "*", and keeps its logs', () => {
      const role = one('aws:iam/role:Role', 'RolloutFleetScanHandlerRole');
      expect(role.managedPolicyArns).not.toContain(DURABLE_POLICY);
      expect(role.managedPolicyArns).toContain(BASIC_POLICY);
      const own = names.functions['rollout-fanout'];
      for (const action of CHECKPOINT_ACTIONS) {
        const granted = grantedOn('RolloutFleetScanHandlerRole', action);
        expect(granted, action).toEqual([`${functionArn(own)}:*`]);
        expect(
          granted.some((r) => iamMatches(r, durableExecutionArn(own, '1'))),
          action,
        ).toBe(true);
        expect(
          granted.some((r) => iamMatches(r, durableExecutionArn(names.functions['rollout-workflow'], '1'))),
          action,
        ).toBe(false);
      }
    });

    it('leaves no other role with the durable managed policy or the checkpoint actions', () => {
      const roles = h.resources
        .filter((r) => r.type === 'aws:iam/role:Role')
        .map((r) => ({ name: r.name, inputs: r.inputs as Inputs }));
      expect(roles.filter((r) => (r.inputs.managedPolicyArns ?? []).includes(DURABLE_POLICY))).toEqual([]);
      const checkpointing = roles
        .filter((r) =>
          ((r.inputs.inlinePolicies ?? []) as { policy: string }[]).some((p) =>
            (JSON.parse(p.policy) as { Statement: PolicyStatement[] }).Statement.some((st) =>
              (st.actions ?? []).some((a) => CHECKPOINT_ACTIONS.includes(a)),
            ),
          ),
        )
        .map((r) => r.name)
        .sort();
      expect(checkpointing).toEqual(['RolloutFleetScanHandlerRole', 'RolloutWorkflowHandlerRole']);
    });

    it('runs one fleet scan invocation at a time, like the scan (reserved concurrency 1)', () => {
      expect(lambda('RolloutFleetScanHandler').reservedConcurrentExecutions).toBe(1);
      expect(lambda('RolloutScan').reservedConcurrentExecutions).toBe(1);
    });

    it('hands the scan the qualified fleet scan ARN, which the scan may start executions on', async () => {
      const fleetArn = `${functionArn(names.functions['rollout-fanout'])}:1`;
      const env = lambda('RolloutScan').environment.variables as Record<string, string>;
      expect(env.NODEKEEPER_FLEET_SCAN_ARN).toBe(fleetArn);
      // The scan's own settings reader finds it under the name the stack sets.
      expect(readSettings(env).fleetScanArn).toBe(fleetArn);
      // What the scan's starter sends with that value, against what its role allows.
      const { createFleetScanStarter } = await import('@nodekeeper/aws/lambda');
      const sent: Array<{ FunctionName?: string; InvocationType?: string }> = [];
      const lambdaClient = {
        send: async (command: { input: { FunctionName?: string; InvocationType?: string } }) => {
          sent.push(command.input);
          return {};
        },
      } as unknown as Parameters<typeof createFleetScanStarter>[0];
      await createFleetScanStarter(lambdaClient, env.NODEKEEPER_FLEET_SCAN_ARN ?? '').start({
        executionName: 'fleet_test',
        event: {},
      });
      expect(sent).toMatchObject([{ FunctionName: fleetArn, InvocationType: 'Event' }]);
      const invoke = inlineStatements('RolloutScanRole').filter((st) =>
        st.actions.includes('lambda:InvokeFunction'),
      );
      expect(invoke.flatMap((st) => st.resources)).toEqual([
        `${functionArn(names.functions['rollout-workflow'])}:*`,
        `${functionArn(names.functions['rollout-fanout'])}:*`,
      ]);
      expect(sent[0]?.FunctionName?.startsWith(functionArn(names.functions['rollout-fanout']))).toBe(true);
    });

    it('gives the fleet scan the qualified workflow and inspect ARNs, and may invoke that inspect function and its versions only', () => {
      const env = lambda('RolloutFleetScanHandler').environment.variables as Record<string, string>;
      const inspect = functionArn(names.functions['rollout-inspect']);
      expect(env.NODEKEEPER_WORKFLOW_ARN).toBe(`${functionArn(names.functions['rollout-workflow'])}:1`);
      // Pinned: the chained invoke runs the inspect code deployed with this fleet scan.
      expect(env.NODEKEEPER_INSPECT_FUNCTION).toBe(`${inspect}:1`);
      expect(env.NODEKEEPER_FLEET_SCAN_ARN).toBeUndefined();
      // The fleet scan's settings reader finds both under the names the stack sets.
      expect(readSettings(env)).toMatchObject({
        workflowArn: env.NODEKEEPER_WORKFLOW_ARN,
        inspectFunction: `${inspect}:1`,
        fleetScanArn: null,
      });
      const invoke = grantedOn('RolloutFleetScanHandlerRole', 'lambda:InvokeFunction');
      expect(invoke).toEqual([
        `${functionArn(names.functions['rollout-workflow'])}:*`,
        inspect,
        `${inspect}:*`,
      ]);
      // The deployed value and the bare function are covered; no other function sharing the prefix is.
      expect(invoke.some((r) => iamMatches(r, env.NODEKEEPER_INSPECT_FUNCTION ?? ''))).toBe(true);
      expect(invoke.some((r) => iamMatches(r, inspect))).toBe(true);
      expect(invoke.some((r) => iamMatches(r, `${inspect}-other`))).toBe(false);
      expect(invoke.some((r) => iamMatches(r, `${inspect}-other:1`))).toBe(false);
    });

    it('reads no fleet itself: no EKS, EC2 or AMI parameter action, no spoke role', () => {
      const actions = inlineStatements('RolloutFleetScanHandlerRole').flatMap((st) => st.actions);
      expect(actions.filter((a) => /^(eks|ec2|sts):/.test(a))).toEqual([]);
      expect(actions).not.toContain('ssm:GetParameters');
      expect(actions).toContain('ssm:GetParameter');
    });

    it('deploys the inspect function plain (not durable) and published, 512 MB and 15 minutes, without Slack or reserved concurrency', () => {
      const fn = lambda('RolloutInspect');
      expect(fn.name).toBe(names.functions['rollout-inspect']);
      expect(fn.durableConfig).toBeUndefined();
      expect(fn.publish).toBe(true);
      expect([fn.timeout, fn.memorySize, fn.reservedConcurrentExecutions]).toEqual([900, 512, undefined]);
      expect(fn.timeout * 1000).toBe(INSPECT_TIMEOUT_MS);
      const actions = inlineStatements('RolloutInspectRole').flatMap((st) => st.actions);
      expect(actions.filter((a) => /^(dynamodb|lambda):/.test(a))).toEqual([]);
      expect(actions).toContain('eks:DescribeNodegroup');
    });
  });

  describe('when it configures functions', () => {
    const logical = [
      'RolloutScan',
      'RolloutFleetScanHandler',
      'RolloutInspect',
      'RolloutWorkflowHandler',
      'Patch',
      'PatchStatus',
      'SlackCommand',
    ];

    it('runs every function on nodejs22.x with the validated config in NODEKEEPER_CONFIG', () => {
      for (const name of logical) {
        const fn = lambda(name);
        expect(fn.runtime, name).toBe('nodejs22.x');
        const env = fn.environment.variables;
        expect(JSON.parse(env.NODEKEEPER_CONFIG), name).toEqual({ ...rawConfig, minAmiAgeDays: 0 });
        expect(env.NODEKEEPER_LEDGER_TABLE, name).toBe(names.ledgerTable);
        expect(env.NODEKEEPER_PAUSE_PARAMETER, name).toBe('/nodekeeper/test/paused');
      }
    });

    it('never retries the patch function asynchronously', () => {
      expect(
        one('aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig', 'PatchEventInvokeConfig')
          .maximumRetryAttempts,
      ).toBe(0);
    });

    it('never retries slack-command asynchronously, and gives its worker a minute', () => {
      expect(
        one('aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig', 'SlackCommandEventInvokeConfig')
          .maximumRetryAttempts,
      ).toBe(0);
      expect(lambda('SlackCommand').timeout).toBe(60);
    });

    it('caps slack-command with reserved concurrency, so a flood of 401s cannot starve the other functions', () => {
      expect(lambda('SlackCommand').reservedConcurrentExecutions).toBe(10);
      for (const name of ['RolloutWorkflowHandler', 'RolloutInspect', 'Patch', 'PatchStatus'])
        expect(lambda(name).reservedConcurrentExecutions, name).toBeUndefined();
    });

    it('lets the scan, the fleet scan, its inspect function and the workflow run past Lambda recursive loop detection (continuations)', () => {
      const configs = h.resources.filter(
        (r) => r.type === 'aws:lambda/functionRecursionConfig:FunctionRecursionConfig',
      );
      expect(Object.fromEntries(configs.map((r) => [r.inputs.functionName, r.inputs.recursiveLoop]))).toEqual(
        {
          [lambda('RolloutScan').name]: 'Allow',
          [lambda('RolloutFleetScanHandler').name]: 'Allow',
          [lambda('RolloutInspect').name]: 'Allow',
          [lambda('RolloutWorkflowHandler').name]: 'Allow',
        },
      );
    });

    it('runs one scan at a time, and lets each rollout workflow ask that scan for a continuation', async () => {
      expect(lambda('RolloutScan').reservedConcurrentExecutions).toBe(1);
      // The workflow names the scan as the stack rendered it, and its role may invoke exactly that.
      const scanName = lambda('RolloutScan').name;
      const env = lambda('RolloutWorkflowHandler').environment.variables as Record<string, string>;
      expect(env.NODEKEEPER_SCAN_FUNCTION).toBe(scanName);
      const invoke = inlineStatements('RolloutWorkflowHandlerRole').filter((st) =>
        st.actions.includes('lambda:InvokeFunction'),
      );
      expect(invoke.flatMap((st) => st.resources)).toEqual([functionArn(scanName)]);
      // What the workflow's adapter sends is a trigger the deployed scan's parser accepts.
      const { createContinuationPort } = await import('@nodekeeper/aws');
      const sent: Array<{ fn: string; payload: unknown }> = [];
      const port = createContinuationPort(
        {
          invoke: async (fn, payload) => {
            sent.push({ fn, payload: JSON.parse(JSON.stringify(payload)) });
            return { kind: 'accepted', lambdaRequestId: null };
          },
        },
        env.NODEKEEPER_SCAN_FUNCTION ?? '',
      );
      await port.request({ id: 'continuation:abc', runId: 'scan-1', time: '2026-11-24T03:20:00.000Z' });
      expect(sent.map((x) => x.fn)).toEqual([scanName]);
      expect(parseScanEvent(sent[0]?.payload)).toEqual({
        id: 'continuation:abc',
        time: '2026-11-24T03:20:00.000Z',
        source: 'nodekeeper.continuation',
        continuation: { runId: 'scan-1' },
      });
    });

    it('builds each handler from functions/', () => {
      expect(Object.fromEntries(h.builds.map((b) => [b.functionID, b.handler]))).toEqual({
        RolloutScan: 'functions/rollout-scan.handler',
        RolloutFleetScanHandler: 'functions/rollout-fanout.handler',
        RolloutInspect: 'functions/rollout-inspect.handler',
        RolloutWorkflowHandler: 'functions/rollout-workflow.handler',
        Patch: 'functions/patch.handler',
        PatchStatus: 'functions/patch-status.handler',
        SlackCommand: 'functions/slack-command.handler',
      });
    });

    it('bundles every handler minified and split, as the cold-start bench builds it', () => {
      for (const b of h.builds) {
        expect(b.properties, b.functionID).toMatchObject({ ...NODEJS_BUNDLE, architecture: 'arm64' });
      }
      expect(h.builds).toHaveLength(7);
    });
  });

  describe('when it links secrets', () => {
    it('links each secret only to the functions that use it', () => {
      expect(Object.fromEntries(h.builds.map((b) => [b.functionID, b.links]))).toEqual({
        RolloutScan: ['SlackBotToken', 'SlackWebhookUrl'],
        RolloutFleetScanHandler: ['SlackBotToken', 'SlackWebhookUrl'],
        RolloutInspect: [],
        RolloutWorkflowHandler: ['SlackBotToken', 'SlackWebhookUrl'],
        Patch: ['SlackBotToken', 'SlackWebhookUrl'],
        PatchStatus: ['SlackBotToken', 'SlackWebhookUrl'],
        SlackCommand: ['SlackBotToken', 'SlackSigningSecret'],
      });
    });
  });

  describe('when it grants IAM', () => {
    const roles = {
      'rollout-scan': 'RolloutScanRole',
      'rollout-fanout': 'RolloutFleetScanHandlerRole',
      'rollout-inspect': 'RolloutInspectRole',
      'rollout-workflow': 'RolloutWorkflowHandlerRole',
      patch: 'PatchRole',
      'patch-status': 'PatchStatusRole',
      'slack-command': 'SlackCommandRole',
    } as const;
    const expected = functionPermissions(
      { ...rawConfig },
      { partition: 'aws', accountId: ACCOUNT_ID, region: REGION, stage: STAGE },
    );

    it('attaches exactly the statements of stacks/permissions.ts', () => {
      for (const [fn, role] of Object.entries(roles)) {
        const sst = toSstPermissions(expected[fn as keyof typeof roles]);
        const deployed = inlineStatements(role).map(({ actions, resources, conditions }) => ({
          actions,
          resources,
          ...(conditions ? { conditions } : {}),
        }));
        expect(deployed, fn).toEqual(sst);
      }
    });

    it('grants reads of the golden parameters, with * for {version} (every minor’s, later ones too)', () => {
      for (const role of [roles['rollout-scan'], roles['rollout-inspect'], roles['slack-command']]) {
        const granted = (action: string) =>
          inlineStatements(role)
            .filter((s) => s.actions.includes(action))
            .flatMap((s) => s.resources)
            .filter((r) => r.includes(':parameter/golden/'));
        const arns = ['us-east-1', 'eu-west-1'].flatMap((region) => [
          `arn:aws:ssm:${region}:${ACCOUNT_ID}:parameter/golden/eks-al2023/ami`,
          `arn:aws:ssm:${region}:${ACCOUNT_ID}:parameter/golden/web/*/ami`,
        ]);
        expect(granted('ssm:GetParameters'), role).toEqual(arns);
        expect(granted('ssm:GetParameterHistory'), role).toEqual(arns);
      }
    });

    it('uses no action wildcards and scopes every mutation', () => {
      for (const role of Object.values(roles)) {
        for (const s of inlineStatements(role)) {
          const conditions = s.conditions
            ? Object.fromEntries(s.conditions.map((c) => [c.test, { [c.variable]: c.values }]))
            : undefined;
          expect(scopeProblems({ actions: s.actions, resources: s.resources, conditions }), role).toEqual([]);
        }
      }
    });

    it('outputs the hub roles each spoke role trusts: readers and writers apart', () => {
      const arn = (role: string) => one('aws:iam/role:Role', role).name;
      const list = (value: unknown) => String(value).split(',');
      expect(list(outputs.hubReadRoleArns).map((a) => a.split('/').pop())).toEqual(
        [roles['rollout-scan'], roles['rollout-inspect'], roles['patch-status'], roles['slack-command']].map(
          arn,
        ),
      );
      expect(list(outputs.hubWriteRoleArns).map((a) => a.split('/').pop())).toEqual(
        [roles['rollout-workflow'], roles.patch].map(arn),
      );
    });
  });

  describe('when it stores the ledger', () => {
    it('uses pk/sk, a gsi1 index, a gsi2 index by type and time, TTL on expiresAt and point-in-time recovery', () => {
      const table = one('aws:dynamodb/table:Table', 'LedgerTable');
      expect(table.name).toBe(names.ledgerTable);
      expect([table.hashKey, table.rangeKey]).toEqual(['pk', 'sk']);
      expect(table.globalSecondaryIndexes).toEqual([
        { name: 'gsi1', hashKey: 'gsi1pk', rangeKey: 'gsi1sk', projectionType: 'ALL' },
        { name: 'gsi2', hashKey: 'type', rangeKey: 'createdAt', projectionType: 'ALL' },
      ]);
      expect(table.ttl).toEqual({ attributeName: 'expiresAt', enabled: true });
      expect(table.pointInTimeRecovery).toEqual({ enabled: true });
      expect(table.billingMode).toBe('PAY_PER_REQUEST');
    });

    it("declares the table the sandbox creates and the adapter's LedgerSchema reads", () => {
      // The seam: tests and the demo run against the sandbox's table, AWS against this one.
      const table = one('aws:dynamodb/table:Table', 'LedgerTable');
      const rendered = {
        attributes: [...table.attributes]
          .map((a: { name: string; type: string }) => ({ AttributeName: a.name, AttributeType: a.type }))
          .sort((a, b) => a.AttributeName.localeCompare(b.AttributeName)),
        keys: [
          { AttributeName: table.hashKey, KeyType: 'HASH' },
          { AttributeName: table.rangeKey, KeyType: 'RANGE' },
        ],
        indexes: table.globalSecondaryIndexes.map(
          (g: { name: string; hashKey: string; rangeKey: string; projectionType: string }) => ({
            IndexName: g.name,
            KeySchema: [
              { AttributeName: g.hashKey, KeyType: 'HASH' },
              { AttributeName: g.rangeKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: g.projectionType },
          }),
        ),
        billing: table.billingMode,
      };
      const sandbox = ledgerTableRequest(names.ledgerTable) as {
        AttributeDefinitions: { AttributeName: string; AttributeType: string }[];
        KeySchema: unknown[];
        GlobalSecondaryIndexes: unknown[];
        BillingMode: string;
        TableName: string;
      };
      expect(rendered).toEqual({
        attributes: [...sandbox.AttributeDefinitions].sort((a, b) =>
          a.AttributeName.localeCompare(b.AttributeName),
        ),
        keys: sandbox.KeySchema,
        indexes: sandbox.GlobalSecondaryIndexes,
        billing: sandbox.BillingMode,
      });
      expect([LedgerSchema.partitionKey, LedgerSchema.sortKey]).toEqual([table.hashKey, table.rangeKey]);
      expect(
        table.globalSecondaryIndexes.map((g: { name: string; hashKey: string; rangeKey: string }) => [
          g.name,
          g.hashKey,
          g.rangeKey,
        ]),
      ).toEqual([
        [LedgerSchema.gsi, LedgerSchema.gsiPartitionKey, LedgerSchema.gsiSortKey],
        [LedgerSchema.timeIndex, LedgerSchema.timeIndexPartitionKey, LedgerSchema.timeIndexSortKey],
      ]);
      expect(table.ttl.attributeName).toBe(LedgerSchema.ttlAttribute);
    });
  });

  describe('when SSM reports patch commands', () => {
    it('routes AWS-RunPatchBaseline status changes on the default bus to patch-status', () => {
      const rule = one('aws:cloudwatch/eventRule:EventRule', 'PatchStatusRule');
      expect(rule.eventBusName).toBeUndefined();
      expect(JSON.parse(rule.eventPattern)).toEqual({
        source: ['aws.ssm'],
        'detail-type': ['EC2 Command Status-change Notification'],
        detail: { 'document-name': ['AWS-RunPatchBaseline'] },
      });
      const target = one('aws:cloudwatch/eventTarget:EventTarget', 'PatchStatusTarget');
      expect(target.arn).toBe(functionArn(names.functions['patch-status']));
      const permission = one('aws:lambda/permission:Permission', 'PatchStatusInvoke');
      expect([permission.principal, permission.function]).toEqual([
        'events.amazonaws.com',
        names.functions['patch-status'],
      ]);
    });
  });

  describe('when golden AMI parameters are configured', () => {
    it('starts a scan on their Parameter Store changes through the qualified ARN', () => {
      const rule = one('aws:cloudwatch/eventRule:EventRule', 'GoldenAmiRule');
      expect(JSON.parse(rule.eventPattern)).toEqual({
        source: ['aws.ssm'],
        'detail-type': ['Parameter Store Change'],
        detail: {
          name: ['/golden/eks-al2023/ami', { wildcard: '/golden/web/*/ami' }],
          operation: ['Create', 'Update'],
        },
      });
      const target = one('aws:cloudwatch/eventTarget:EventTarget', 'GoldenAmiTarget');
      expect(target.arn).toBe(`${functionArn(names.functions['rollout-scan'])}:1`);
      const permission = one('aws:lambda/permission:Permission', 'GoldenAmiInvoke');
      expect([permission.principal, permission.qualifier]).toEqual(['events.amazonaws.com', '1']);
    });
  });

  describe('when Slack calls the slash command', () => {
    it('serves it on a public Function URL without CORS, and names the patch function', () => {
      const url = one('aws:lambda/functionUrl:FunctionUrl', 'SlackCommandUrl');
      expect(url.authorizationType).toBe('NONE');
      expect(url.cors).toBeUndefined();
      expect(lambda('SlackCommand').environment.variables.NODEKEEPER_PATCH_FUNCTION).toBe(
        names.functions.patch,
      );
      expect(outputs.slackCommandUrl).toMatch(/^https:\/\/.+\.lambda-url\./);
    });
  });

  describe('when it creates the pause flag', () => {
    it('creates /nodekeeper/{stage}/paused as "false"', () => {
      const parameter = one('aws:ssm/parameter:Parameter', 'PauseFlag');
      expect([parameter.name, parameter.type, parameter.value]).toEqual([
        '/nodekeeper/test/paused',
        'String',
        'false',
      ]);
    });
  });
});

// Composes the stack modules into the nodekeeper app and returns its outputs. sst.config.ts
// calls this from run(); the infra tests call it under Pulumi mocks.
import type { DeployConfig } from './config.ts';
import { createStackContext } from './context.ts';
import { createGoldenTrigger } from './golden.ts';
import { createLedger } from './ledger.ts';
import { createObservability } from './observability.ts';
import { createPatch } from './patch.ts';
import { createPauseFlag } from './pause.ts';
import { createRegionalEventForwarding } from './regional-events.ts';
import { createRollout } from './rollout.ts';
import { createSchedule } from './schedule.ts';
import { createSlackCommand, createSlackSecrets } from './slack.ts';

/** Creates every nodekeeper resource for a stage. Returns the components and the app's outputs. */
export function createNodekeeper(deploy: DeployConfig, stage: string) {
  const ctx = createStackContext(deploy, stage);
  const ledger = createLedger(ctx);
  const pauseFlag = createPauseFlag(ctx);
  const secrets = createSlackSecrets();
  const rollout = createRollout(ctx, secrets);
  const schedule = createSchedule(ctx, rollout.scan);
  const golden = createGoldenTrigger(ctx, rollout.scan, rollout.scanQualifiedArn);
  const patch = createPatch(ctx, secrets);
  // SSM's events reach only their own region's bus: forward the other regions' to the home rules.
  const regionalEvents = createRegionalEventForwarding(ctx, [
    { id: 'PatchStatus', rule: patch.rule },
    ...(golden ? [{ id: 'GoldenAmi', rule: golden }] : []),
  ]);
  const slackCommand = createSlackCommand(ctx, secrets, ctx.names.functions.patch);
  const observability = createObservability(ctx, {
    functions: ctx.names.functions,
    scanFunction: ctx.names.functions['rollout-scan'],
    fleetScanFunction: ctx.names.functions['rollout-fanout'],
    workflowFunction: ctx.names.functions['rollout-workflow'],
    scheduleDlqName: schedule.dlq.nodes.queue.name,
    cron: ctx.config.schedule?.cron ?? '',
  });

  const outputs = {
    slackCommandUrl: slackCommand.url,
    patchFunction: patch.patch.name,
    workflowArn: rollout.workflowArn,
    ledgerTable: ledger.name,
    pauseParameter: pauseFlag.name,
    scheduleDlqUrl: schedule.dlq.url,
    // Subscribe to this topic for alarms (independent of Slack); docs/deploy.md#observability.
    alarmTopicArn: observability.alarmTopicArn,
    // Only with `observability.dashboard` in the config.
    ...(observability.dashboardName ? { dashboardName: observability.dashboardName } : {}),
    // The hub roles each spoke role must trust (`npm run iam -- --spoke --read-hub-role-arn …
    // --write-hub-role-arn …`): the functions that only read, and those that change node groups.
    // The fleet scan assumes no spoke role: its inspect function reads each target.
    hubReadRoleArns: $resolve([
      rollout.scan.nodes.role.arn,
      rollout.inspect.nodes.role.arn,
      patch.patchStatus.nodes.role.arn,
      slackCommand.nodes.role.arn,
    ]).apply((arns) => arns.join(',')),
    hubWriteRoleArns: $resolve([
      rollout.workflow.nodes.function.nodes.role.arn,
      patch.patch.nodes.role.arn,
    ]).apply((arns) => arns.join(',')),
  };
  return {
    ctx,
    ledger,
    pauseFlag,
    secrets,
    rollout,
    schedule,
    golden,
    patch,
    regionalEvents,
    slackCommand,
    observability,
    outputs,
  };
}

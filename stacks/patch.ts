// Patching: the on-demand patch function (SSM Run Command AWS-RunPatchBaseline), and patch-status,
// which SSM's command status events on the default event bus trigger.
import { functionDefaults, type StackContext } from './context.ts';
import { PATCH_DOCUMENT } from './permissions.ts';
import type { SlackSecrets } from './slack.ts';

/**
 * The EventBridge pattern for patch command results (default bus). It names no `region` or
 * `account`, so it also matches the events other regions forward here (stacks/regional-events.ts).
 */
export const PATCH_STATUS_EVENT_PATTERN = {
  source: ['aws.ssm'],
  'detail-type': ['EC2 Command Status-change Notification'],
  detail: { 'document-name': [PATCH_DOCUMENT] },
};

/** Creates patch, patch-status and the default-bus rule between SSM and patch-status. */
export function createPatch(ctx: StackContext, secrets: SlackSecrets) {
  const patch = new sst.aws.Function('Patch', {
    ...functionDefaults,
    name: ctx.names.functions.patch,
    description: 'nodekeeper: patch a cluster or node groups in place with SSM',
    handler: 'functions/patch.handler',
    memory: '512 MB',
    timeout: '5 minutes',
    // SendCommand is not idempotent: an asynchronous retry would patch (and reboot) twice.
    retries: 0,
    environment: ctx.environment(),
    // Posts the "patch requested" and refusal messages.
    link: [secrets.webhookUrl, secrets.botToken],
    permissions: ctx.permissions('patch'),
  });

  const patchStatus = new sst.aws.Function('PatchStatus', {
    ...functionDefaults,
    name: ctx.names.functions['patch-status'],
    description: 'nodekeeper: record and report patch command results',
    handler: 'functions/patch-status.handler',
    memory: '256 MB',
    timeout: '1 minute',
    environment: ctx.environment(),
    link: [secrets.webhookUrl, secrets.botToken],
    permissions: ctx.permissions('patch-status'),
  });

  // SSM publishes only to the default bus; omitting eventBusName selects it.
  const rule = new aws.cloudwatch.EventRule('PatchStatusRule', {
    name: `nodekeeper-${ctx.stage}-patch-status`,
    description: 'nodekeeper: AWS-RunPatchBaseline command status changes',
    eventPattern: JSON.stringify(PATCH_STATUS_EVENT_PATTERN),
  });
  new aws.cloudwatch.EventTarget('PatchStatusTarget', {
    rule: rule.name,
    arn: patchStatus.arn,
    retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 6 * 60 * 60 },
  });
  new aws.lambda.Permission('PatchStatusInvoke', {
    action: 'lambda:InvokeFunction',
    function: patchStatus.name,
    principal: 'events.amazonaws.com',
    sourceArn: rule.arn,
  });

  return { patch, patchStatus, rule };
}

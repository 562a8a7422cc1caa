// Golden AMIs: when one of the operator's own AMI parameters changes (EC2 Image Builder, a
// pipeline), EventBridge starts a scan at once instead of waiting for the schedule.
import type { StackContext } from './context.ts';
import { goldenParameterEventPattern } from './golden-pattern.ts';

/**
 * Creates the rule only when the config lists golden AMI parameters. It targets the scan's
 * qualified ARN (a version), and the invoke permission is granted on that version.
 */
export function createGoldenTrigger(
  ctx: StackContext,
  scan: sst.aws.Function,
  scanQualifiedArn: $util.Output<string>,
) {
  const pattern = goldenParameterEventPattern(ctx.config.goldenAmiParameters ?? []);
  if (!pattern) return undefined;
  const rule = new aws.cloudwatch.EventRule('GoldenAmiRule', {
    name: `nodekeeper-${ctx.stage}-golden-ami`,
    description: 'nodekeeper: golden AMI parameter changed',
    eventPattern: JSON.stringify(pattern),
  });
  new aws.cloudwatch.EventTarget('GoldenAmiTarget', {
    rule: rule.name,
    arn: scanQualifiedArn,
    retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 6 * 60 * 60 },
  });
  new aws.lambda.Permission('GoldenAmiInvoke', {
    action: 'lambda:InvokeFunction',
    function: scan.name,
    qualifier: scan.nodes.function.apply((fn: aws.lambda.Function) => fn.version),
    principal: 'events.amazonaws.com',
    sourceArn: rule.arn,
  });
  return rule;
}

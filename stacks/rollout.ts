// Rollouts: the scan function (plans, posts the plan, starts executions) and the rollout
// workflow, a Lambda durable function that follows each node group update to its end.
import { functionDefaults, type StackContext } from './context.ts';
import type { SlackSecrets } from './slack.ts';

/**
 * Durable execution limits of one rollout. An update takes tens of minutes to hours; 14 days holds
 * two waits of the longest `rollout.maxWaitHours` (144 h: an attempt and its forced retry) with a
 * day to spare (test/infra/rollout-timeout.test.ts). Durable executions may last up to a year.
 */
export const ROLLOUT_EXECUTION_TIMEOUT = '14 days';
export const ROLLOUT_RETENTION = '30 days';

/**
 * The scan runs one invocation at a time: continuation scans (asked for by rollouts that end) and
 * scheduled fires queue behind each other (Lambda retries throttled asynchronous invocations for
 * up to 6 hours), and each scan returns only once its starts show in the ledger, so the next one
 * counts them in its budgets (docs/rollouts.md, "A window keeps rolling").
 */
export const SCAN_RESERVED_CONCURRENCY = 1;

/** Creates the workflow and the scan; the scan starts executions on the workflow's qualified ARN. */
export function createRollout(ctx: StackContext, secrets: SlackSecrets) {
  const workflow = new sst.aws.Workflow('RolloutWorkflow', {
    name: ctx.names.functions['rollout-workflow'],
    description: 'nodekeeper: durable rollout of one node group',
    handler: 'functions/rollout-workflow.handler',
    runtime: functionDefaults.runtime,
    architecture: functionDefaults.architecture,
    nodejs: functionDefaults.nodejs,
    logging: { retention: functionDefaults.logging.retention, format: 'json' },
    memory: '512 MB',
    timeout: { execution: ROLLOUT_EXECUTION_TIMEOUT, invocation: '5 minutes' },
    retention: ROLLOUT_RETENTION,
    // The scan's name (not its ARN: the scan depends on the workflow) for continuation scans.
    environment: ctx.environment({ NODEKEEPER_SCAN_FUNCTION: ctx.names.functions['rollout-scan'] }),
    link: [secrets.webhookUrl, secrets.botToken],
    permissions: ctx.permissions('rollout-workflow'),
  });

  // Durable functions are published on every deploy; running executions stay on their version.
  const workflowArn = workflow.nodes.function.nodes.function.apply(
    (fn: aws.lambda.Function) => fn.qualifiedArn,
  );

  const scan = new sst.aws.Function('RolloutScan', {
    ...functionDefaults,
    name: ctx.names.functions['rollout-scan'],
    description: 'nodekeeper: scan the fleet, plan, start rollouts',
    handler: 'functions/rollout-scan.handler',
    memory: '1024 MB',
    timeout: '15 minutes',
    concurrency: { reserved: SCAN_RESERVED_CONCURRENCY },
    // Published, so the schedule and the golden-AMI rule invoke a qualified ARN (a version).
    versioning: true,
    environment: workflowArn.apply((arn: string) => ctx.environment({ NODEKEEPER_WORKFLOW_ARN: arn })),
    link: [secrets.webhookUrl, secrets.botToken],
    permissions: ctx.permissions('rollout-scan'),
  });

  // Scan → workflow → continuation scan → … is a chain of Lambda-to-Lambda invocations, which
  // Lambda's recursive loop detection stops after about 16 hops (a window of more than ~8 rounds).
  // The chain is bounded by nodekeeper itself: a continuation is asked for only while the plan holds
  // work for the budget, a scan outside the window starts nothing, scans run one at a time and a
  // continuation an earlier scan covered returns at once (docs/rollouts.md, "A window keeps rolling").
  for (const [name, fn] of [
    ['RolloutScanRecursion', scan.nodes.function],
    ['RolloutWorkflowRecursion', workflow.nodes.function.nodes.function],
  ] as const) {
    new aws.lambda.FunctionRecursionConfig(name, {
      functionName: (fn as $util.Output<aws.lambda.Function>).apply((f: aws.lambda.Function) => f.name),
      recursiveLoop: 'Allow',
    });
  }

  return {
    workflow,
    workflowArn,
    scan,
    scanQualifiedArn: scan.nodes.function.apply((fn: aws.lambda.Function) => fn.qualifiedArn),
  };
}

// Rollouts: the scan function (plans, posts the plan, starts executions), the rollout workflow, a
// Lambda durable function that follows each node group update to its end, and for fleets of more
// than `rollout.fanOutAboveTargets` (account, region) targets the durable fleet scan with its
// inspect function (one invocation per target).
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

/**
 * Durable execution limits of one fleet scan: its inspect invocations (each up to 15 minutes,
 * `rollout.fanOutConcurrency` at once) and then the scan program. A day holds 96 rounds of
 * 15-minute inspections (4,800 targets at the default concurrency of 50; the bench's 500 targets
 * took 3 minutes); docs/deploy.md says when a low concurrency could run it out. Its execution history is kept a week: long enough
 * to read why a scan failed, short enough that the checkpointed inspections (up to 256 KiB per
 * target) are not stored for a month.
 */
export const FLEET_SCAN_EXECUTION_TIMEOUT = '1 day';
export const FLEET_SCAN_RETENTION = '7 days';

/**
 * Memory of the fleet scan's invocation that plans: it holds every target's inspection at once
 * (the merged fleet and catalog) and plans them. The bench's 100,000 node groups over 500 targets
 * peaked at 570 MB of heap in that invocation (bench/README.md, durable fleet scan): 2048 MB leaves
 * room for larger fleets. The scan has 1024 MB for fleets of up to `rollout.fanOutAboveTargets`
 * targets.
 */
export const FLEET_SCAN_MEMORY = '2048 MB';

/**
 * The AWS managed policy SST attaches to every durable function's role. It grants
 * `lambda:CheckpointDurableExecution` and `lambda:GetDurableExecutionState` on `"Resource": "*"`
 * (and the logs AWSLambdaBasicExecutionRole already grants), so the stacks detach it and each
 * durable function's own statement (stacks/permissions.ts) grants those on its own executions.
 */
export const DURABLE_MANAGED_POLICY = 'AWSLambdaBasicDurableExecutionRolePolicy';
const BASIC_EXECUTION_POLICY = 'AWSLambdaBasicExecutionRole';

/** SST role transform: drops DURABLE_MANAGED_POLICY and refuses to leave the role without logs. */
function withoutDurableManagedPolicy(args: aws.iam.RoleArgs): void {
  args.managedPolicyArns = $output(args.managedPolicyArns ?? []).apply((arns: string[]) => {
    const kept = arns.filter((arn) => !arn.endsWith(`/${DURABLE_MANAGED_POLICY}`));
    if (!kept.some((arn) => arn.endsWith(`/${BASIC_EXECUTION_POLICY}`))) {
      throw new Error(
        `a durable function's role has no ${BASIC_EXECUTION_POLICY} (logs) once ${DURABLE_MANAGED_POLICY} is detached: ${arns.join(', ') || 'no managed policies'}`,
      );
    }
    return kept;
  });
}

/**
 * Creates the workflow, the inspect function, the fleet scan and the scan; the scan and the fleet
 * scan start executions on the workflow's qualified ARN, and the scan hands large fleets to the
 * fleet scan's.
 */
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
    transform: { function: { role: withoutDurableManagedPolicy } },
  });

  // Durable functions are published on every deploy; running executions stay on their version.
  const workflowArn = workflow.nodes.function.nodes.function.apply(
    (fn: aws.lambda.Function) => fn.qualifiedArn,
  );

  // Inspects one (account, region) target for the fleet scan: the scan's fleet reads, nothing else.
  // Published, and invoked by the durable backend on the fleet scan's behalf on its qualified ARN,
  // so an execution's inspections run the code deployed with it (AWS's durable best practices).
  const inspect = new sst.aws.Function('RolloutInspect', {
    ...functionDefaults,
    name: ctx.names.functions['rollout-inspect'],
    description: 'nodekeeper: inspect one account and region for the fleet scan (read-only)',
    handler: 'functions/rollout-inspect.handler',
    memory: '512 MB',
    timeout: '15 minutes',
    versioning: true,
    environment: ctx.environment(),
    permissions: ctx.permissions('rollout-inspect'),
  });
  const inspectArn = inspect.nodes.function.apply((fn: aws.lambda.Function) => fn.qualifiedArn);

  // The fleet scan: the scan of a fleet above `rollout.fanOutAboveTargets` targets, handed over by
  // the scan (one execution per scan event, started on the qualified ARN). It does not depend on the
  // scan, so the scan can name it without a cycle.
  const fleetScan = new sst.aws.Workflow('RolloutFleetScan', {
    name: ctx.names.functions['rollout-fanout'],
    description: 'nodekeeper: durable fleet scan, one inspect invocation per account and region',
    handler: 'functions/rollout-fanout.handler',
    runtime: functionDefaults.runtime,
    architecture: functionDefaults.architecture,
    nodejs: functionDefaults.nodejs,
    logging: { retention: functionDefaults.logging.retention, format: 'json' },
    memory: FLEET_SCAN_MEMORY,
    timeout: { execution: FLEET_SCAN_EXECUTION_TIMEOUT, invocation: '15 minutes' },
    retention: FLEET_SCAN_RETENTION,
    environment: $resolve([workflowArn, inspectArn]).apply(([workflow, inspectQualified]) =>
      ctx.environment({ NODEKEEPER_WORKFLOW_ARN: workflow, NODEKEEPER_INSPECT_FUNCTION: inspectQualified }),
    ),
    link: [secrets.webhookUrl, secrets.botToken],
    permissions: ctx.permissions('rollout-fanout'),
    // The Workflow component takes no `concurrency`: reserved concurrency goes on the function.
    // Scans never overlap (SCAN_RESERVED_CONCURRENCY), and a fleet scan is a scan: a suspended
    // execution (waiting for its inspections) holds no concurrency, and the program's
    // plan → start → wait-until-visible runs inside the one invocation that resumes with the last
    // inspection, so reserved concurrency 1 still serializes that critical section.
    transform: {
      function: {
        function: (args: aws.lambda.FunctionArgs) => {
          args.reservedConcurrentExecutions = SCAN_RESERVED_CONCURRENCY;
        },
        role: withoutDurableManagedPolicy,
      },
    },
  });
  const fleetScanArn = fleetScan.nodes.function.nodes.function.apply(
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
    environment: $resolve([workflowArn, fleetScanArn]).apply(([workflow, fleet]) =>
      ctx.environment({ NODEKEEPER_WORKFLOW_ARN: workflow, NODEKEEPER_FLEET_SCAN_ARN: fleet }),
    ),
    link: [secrets.webhookUrl, secrets.botToken],
    permissions: ctx.permissions('rollout-scan'),
  });

  // Scan → workflow → continuation scan → … is a chain of Lambda-to-Lambda invocations, which
  // Lambda's recursive loop detection stops after about 16 hops (a window of more than ~8 rounds).
  // The chain is bounded by nodekeeper itself: a continuation is asked for only while the plan holds
  // work for the budget, a scan outside the window starts nothing, scans run one at a time and a
  // continuation an earlier scan covered returns at once (docs/rollouts.md, "A window keeps rolling").
  // Above the fan-out threshold each round also passes through the fleet scan (scan → fleet scan →
  // workflow) and the inspect function (once per round on every path), so both are allowed too; the
  // inspect function invokes nothing.
  for (const [name, fn] of [
    ['RolloutScanRecursion', scan.nodes.function],
    ['RolloutWorkflowRecursion', workflow.nodes.function.nodes.function],
    ['RolloutFleetScanRecursion', fleetScan.nodes.function.nodes.function],
    ['RolloutInspectRecursion', inspect.nodes.function],
  ] as const) {
    new aws.lambda.FunctionRecursionConfig(name, {
      functionName: (fn as $util.Output<aws.lambda.Function>).apply((f: aws.lambda.Function) => f.name),
      recursiveLoop: 'Allow',
    });
  }

  return {
    workflow,
    workflowArn,
    fleetScan,
    fleetScanArn,
    inspect,
    scan,
    scanQualifiedArn: scan.nodes.function.apply((fn: aws.lambda.Function) => fn.qualifiedArn),
  };
}

// Observability: alarms that notify an SNS topic the operator subscribes to, independent of Slack,
// and (config `observability.dashboard`) a CloudWatch dashboard: fleet freshness, rollouts,
// patches, nodekeeper's own health. Metric names and dimensions come from core's definitions, so
// the stacks and the handlers agree (test/infra/observability.test.ts holds the seam).
import { METRICS_NAMESPACE, METRICS_SERVICE, MetricName, scanAlarmWindow } from '@nodekeeper/core/metrics';
import type { StackContext } from './context.ts';
import { DurableMetric, dashboardBody } from './dashboard.ts';

export { ALARM_METRICS, DurableMetric, dashboardBody } from './dashboard.ts';

/** Evaluation of the event-driven alarms: 5-minute periods. */
export const ALARM_PERIOD_SECONDS = 300;
/** "Repeated" Slack failures: at least this many undeliverable posts within an hour. */
export const SLACK_FAILURES_THRESHOLD = 3;
export const SLACK_FAILURES_PERIOD_SECONDS = 3600;

export type ObservabilityInputs = {
  /** Physical function names (resourceNames(stage).functions). */
  functions: Record<string, string>;
  scanFunction: string;
  /** The durable fleet scan (rollout-fanout): the scan of fleets above `rollout.fanOutAboveTargets`. */
  fleetScanFunction: string;
  workflowFunction: string;
  /** Name of the schedule's dead-letter queue. */
  scheduleDlqName: $util.Input<string>;
  /** The schedule's cron; the "scan is not running" alarm derives its window from it. */
  cron: string;
};

const service = { service: METRICS_SERVICE };

/**
 * Creates the alarm topic and the alarms, and the dashboard when the config's
 * `observability.dashboard` asks for it. Returns them, the topic ARN and the dashboard's name (null
 * without one).
 */
export function createObservability(ctx: StackContext, inputs: ObservabilityInputs) {
  const prefix = `nodekeeper-${ctx.stage}`;
  const topic = new aws.sns.Topic('AlarmTopic', {
    name: `${prefix}-alarms`,
    displayName: 'nodekeeper alarms',
  });
  const actions = {
    alarmActions: [topic.arn],
    okActions: [topic.arn],
  };

  const countAbove = (
    name: string,
    description: string,
    metric: { namespace: string; metricName: string; dimensions: Record<string, $util.Input<string>> },
  ) =>
    new aws.cloudwatch.MetricAlarm(name, {
      name: `${prefix}-${name
        .replace(/Alarm$/, '')
        .replace(/([a-z])([A-Z])/g, '$1-$2')
        .toLowerCase()}`,
      alarmDescription: description,
      ...metric,
      statistic: 'Sum',
      period: ALARM_PERIOD_SECONDS,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      ...actions,
    });

  const rolloutFailed = countAbove('RolloutFailedAlarm', 'nodekeeper: a node group rollout failed', {
    namespace: METRICS_NAMESPACE,
    metricName: MetricName.rolloutsFailed,
    dimensions: service,
  });
  // One alarm for a failed scan, whichever function ran it: the scan's errors, and the fleet scan's
  // durable executions that failed or timed out (how a fleet scan that does not recover ends).
  // Metric math keeps the alarm count; CloudWatch bills each metric it reads (ALARM_METRICS).
  const durable = (functionName: string, metricName: string) => ({
    namespace: 'AWS/Lambda',
    metricName,
    dimensions: { FunctionName: functionName },
    stat: 'Sum',
    period: ALARM_PERIOD_SECONDS,
  });
  const scanErrors = new aws.cloudwatch.MetricAlarm('ScanErrorsAlarm', {
    name: `${prefix}-scan-errors`,
    alarmDescription:
      'nodekeeper: a scan failed (the scan function failed, or a durable fleet scan execution failed or timed out)',
    metricQueries: [
      { id: 'm1', returnData: false, metric: durable(inputs.scanFunction, 'Errors') },
      { id: 'm2', returnData: false, metric: durable(inputs.fleetScanFunction, DurableMetric.failed) },
      { id: 'm3', returnData: false, metric: durable(inputs.fleetScanFunction, DurableMetric.timedOut) },
      {
        id: 'e1',
        expression: 'FILL(m1, 0) + FILL(m2, 0) + FILL(m3, 0)',
        label: 'Scan errors, failed or timed-out fleet scans',
        returnData: true,
      },
    ],
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    ...actions,
  });

  const window = scanAlarmWindow(inputs.cron);
  const scanNotRunning = new aws.cloudwatch.MetricAlarm('ScanNotRunningAlarm', {
    name: `${prefix}-scan-not-running`,
    alarmDescription:
      `nodekeeper: the scan function was not invoked for 2 schedule periods (${inputs.cron}; longest gap ` +
      `${Math.round(window.maxGapSeconds / 3600)} h${window.capped ? '; capped at the 7 days CloudWatch evaluates' : ''})`,
    namespace: 'AWS/Lambda',
    metricName: 'Invocations',
    dimensions: { FunctionName: inputs.scanFunction },
    statistic: 'Sum',
    period: window.periodSeconds,
    evaluationPeriods: window.evaluationPeriods,
    datapointsToAlarm: window.evaluationPeriods,
    threshold: 1,
    comparisonOperator: 'LessThanThreshold',
    // Lambda publishes Invocations only when there are some: no data means no scan.
    treatMissingData: 'breaching',
    ...actions,
  });

  const dlqDepth = new aws.cloudwatch.MetricAlarm('ScheduleDlqAlarm', {
    name: `${prefix}-schedule-dlq`,
    alarmDescription: 'nodekeeper: EventBridge Scheduler could not deliver a scan (schedule DLQ not empty)',
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: inputs.scheduleDlqName },
    statistic: 'Maximum',
    period: ALARM_PERIOD_SECONDS,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    ...actions,
  });

  const workflowErrors = countAbove(
    'WorkflowErrorsAlarm',
    'nodekeeper: the rollout workflow function failed',
    {
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: inputs.workflowFunction },
    },
  );

  const workflowExecutions = new aws.cloudwatch.MetricAlarm('WorkflowExecutionsFailedAlarm', {
    name: `${prefix}-workflow-executions-failed`,
    alarmDescription: 'nodekeeper: a durable rollout execution failed or timed out',
    metricQueries: [
      ...[DurableMetric.failed, DurableMetric.timedOut].map((metricName, i) => ({
        id: `m${i + 1}`,
        returnData: false,
        metric: durable(inputs.workflowFunction, metricName),
      })),
      { id: 'e1', expression: 'FILL(m1, 0) + FILL(m2, 0)', label: 'Failed or timed out', returnData: true },
    ],
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    ...actions,
  });

  const slackFailures = new aws.cloudwatch.MetricAlarm('SlackFailuresAlarm', {
    name: `${prefix}-slack-failures`,
    alarmDescription: `nodekeeper: ${SLACK_FAILURES_THRESHOLD} or more Slack posts undeliverable within an hour`,
    namespace: METRICS_NAMESPACE,
    metricName: MetricName.slackDeliveryFailures,
    dimensions: service,
    statistic: 'Sum',
    period: SLACK_FAILURES_PERIOD_SECONDS,
    evaluationPeriods: 1,
    threshold: SLACK_FAILURES_THRESHOLD,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    treatMissingData: 'notBreaching',
    ...actions,
  });

  const alarms = {
    rolloutFailed,
    scanErrors,
    scanNotRunning,
    dlqDepth,
    workflowErrors,
    workflowExecutions,
    slackFailures,
  };

  const { dashboard: withDashboard, clusterMetrics } = ctx.config.observability;
  const dashboard = withDashboard
    ? new aws.cloudwatch.Dashboard('Dashboard', {
        dashboardName: prefix,
        dashboardBody: $resolve([
          aws.getRegionOutput({}).region,
          $output(inputs.scheduleDlqName),
          ...Object.values(alarms).map((a) => a.arn),
        ]).apply(([region, dlqName, ...alarmArns]) =>
          JSON.stringify(
            dashboardBody({
              region: region as string,
              dlqName: dlqName as string,
              alarmArns: alarmArns as string[],
              functions: inputs.functions,
              workflowFunction: inputs.workflowFunction,
              scanFunction: inputs.scanFunction,
              fleetScanFunction: inputs.fleetScanFunction,
              clusterMetrics,
            }),
          ),
        ),
      })
    : null;

  return {
    topic,
    alarms,
    dashboard,
    alarmTopicArn: topic.arn,
    dashboardName: dashboard ? dashboard.dashboardName : null,
  };
}

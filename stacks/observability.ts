// Observability: alarms that notify an SNS topic the operator subscribes to, independent of Slack,
// and (config `observability.dashboard`) a CloudWatch dashboard: fleet freshness, rollouts,
// patches, nodekeeper's own health. Metric names and dimensions come from core's definitions, so
// the stacks and the handlers agree (test/infra/observability.test.ts holds the seam).
import { METRICS_NAMESPACE, METRICS_SERVICE, MetricName, scanAlarmWindow } from '@nodekeeper/core/metrics';
import type { StackContext } from './context.ts';

/** Evaluation of the event-driven alarms: 5-minute periods. */
export const ALARM_PERIOD_SECONDS = 300;
/** "Repeated" Slack failures: at least this many undeliverable posts within an hour. */
export const SLACK_FAILURES_THRESHOLD = 3;
export const SLACK_FAILURES_PERIOD_SECONDS = 3600;

/**
 * Alarm metrics CloudWatch bills (standard resolution, one per metric an alarm reads: the durable
 * executions alarm reads two). The bench prices them; test/infra/observability.test.ts counts them
 * in the rendered stack.
 */
export const ALARM_METRICS = 8;

/** Lambda's metrics for durable executions (AWS/Lambda, dimension FunctionName). */
export const DurableMetric = {
  failed: 'DurableExecutionFailed',
  timedOut: 'DurableExecutionTimedOut',
  started: 'DurableExecutionStarted',
  succeeded: 'DurableExecutionSucceeded',
  running: 'ApproximateRunningDurableExecutions',
} as const;

export type ObservabilityInputs = {
  /** Physical function names (resourceNames(stage).functions). */
  functions: Record<string, string>;
  scanFunction: string;
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
  const scanErrors = countAbove('ScanErrorsAlarm', 'nodekeeper: the scan function failed', {
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensions: { FunctionName: inputs.scanFunction },
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
        metric: {
          namespace: 'AWS/Lambda',
          metricName,
          dimensions: { FunctionName: inputs.workflowFunction },
          stat: 'Sum',
          period: ALARM_PERIOD_SECONDS,
        },
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

type Widget = Record<string, unknown>;

/**
 * The dashboard body (CloudWatch dashboard JSON). It reads only the dimension sets the handlers
 * emit: per-cluster freshness only with `clusterMetrics`. Pure: everything it needs is an argument.
 */
export function dashboardBody(o: {
  region: string;
  dlqName: string;
  alarmArns: string[];
  functions: Record<string, string>;
  scanFunction: string;
  workflowFunction: string;
  clusterMetrics: boolean;
}): { widgets: Widget[] } {
  const ns = METRICS_NAMESPACE;
  const fleet = (name: string, stat: string, label: string) => [
    ns,
    name,
    'service',
    METRICS_SERVICE,
    { stat, label },
  ];
  const search = (dims: string, name: string, stat: string, period: number, id: string) => ({
    expression: `SEARCH('{${ns},${dims}} MetricName="${name}"', '${stat}', ${period})`,
    id,
    label: '',
  });
  const lambdaEach = (metric: string, stat: string) =>
    Object.values(o.functions).map((fn) => ['AWS/Lambda', metric, 'FunctionName', fn, { stat, label: fn }]);
  let y = 0;
  const row = (height: number, widgets: Array<{ w: number; widget: Widget }>) => {
    let x = 0;
    const placed = widgets.map(({ w, widget }) => {
      const out = { ...widget, x, y, width: w, height };
      x += w;
      return out;
    });
    y += height;
    return placed;
  };
  const metricWidget = (title: string, metrics: unknown[], extra: Record<string, unknown> = {}) => ({
    type: 'metric',
    properties: {
      title,
      region: o.region,
      view: 'timeSeries',
      stacked: false,
      period: 3600,
      metrics,
      ...extra,
    },
  });
  return {
    widgets: [
      ...row(2, [
        {
          w: 24,
          widget: {
            type: 'text',
            properties: {
              markdown:
                '# nodekeeper\nFleet freshness, rollouts, patches, and nodekeeper itself. Alarms notify the SNS topic in the stack output `alarmTopicArn`. For a per-node-group view run `nodekeeper report --format html`.',
            },
          },
        },
      ]),
      ...row(6, [
        {
          w: 12,
          widget: metricWidget('Fleet freshness: node groups behind the latest AMI', [
            fleet(MetricName.nodegroupsBehind, 'Maximum', 'fleet'),
            [search('service,wave', MetricName.nodegroupsBehind, 'Maximum', 3600, 'w1')],
          ]),
        },
        {
          w: 12,
          widget: metricWidget('Fleet freshness: oldest AMI (days)', [
            fleet(MetricName.maxAmiAgeDays, 'Maximum', 'fleet'),
            [search('service,wave', MetricName.maxAmiAgeDays, 'Maximum', 3600, 'w2')],
          ]),
        },
      ]),
      ...(o.clusterMetrics
        ? row(6, [
            {
              w: 24,
              widget: metricWidget('Node groups behind the latest AMI by cluster', [
                [
                  search(
                    'service,account,region,cluster',
                    MetricName.nodegroupsBehind,
                    'Maximum',
                    3600,
                    'k1',
                  ),
                ],
              ]),
            },
          ])
        : []),
      ...row(6, [
        {
          w: 12,
          widget: metricWidget(
            'Rollouts and failures (per day)',
            [
              fleet(MetricName.rolloutsStarted, 'Sum', 'started'),
              fleet(MetricName.rolloutsSucceeded, 'Sum', 'succeeded'),
              fleet(MetricName.rolloutsFailed, 'Sum', 'failed'),
            ],
            { view: 'bar', period: 86_400 },
          ),
        },
        {
          w: 12,
          widget: metricWidget('Rollout duration (seconds)', [
            fleet(MetricName.rolloutDurationSeconds, 'Maximum', 'max'),
            fleet(MetricName.rolloutDurationSeconds, 'Average', 'average'),
          ]),
        },
      ]),
      ...row(6, [
        {
          w: 12,
          widget: metricWidget(
            'Patch results (instances per day)',
            [
              fleet(MetricName.patchInstancesSucceeded, 'Sum', 'succeeded'),
              fleet(MetricName.patchInstancesFailed, 'Sum', 'failed'),
            ],
            { view: 'bar', period: 86_400 },
          ),
        },
        {
          w: 12,
          widget: metricWidget('Failed rollouts by cluster (per day)', [
            [search('service,account,region,cluster,wave', MetricName.rolloutsFailed, 'Sum', 86_400, 'c1')],
          ]),
        },
      ]),
      ...row(6, [
        {
          w: 8,
          widget: metricWidget("nodekeeper's Lambda errors", lambdaEach('Errors', 'Sum'), { period: 300 }),
        },
        {
          w: 8,
          widget: metricWidget("nodekeeper's Lambda duration (p95, ms)", lambdaEach('Duration', 'p95'), {
            period: 300,
          }),
        },
        {
          w: 8,
          widget: metricWidget(
            'Scan: invocations and duration',
            [
              [
                'AWS/Lambda',
                'Invocations',
                'FunctionName',
                o.scanFunction,
                { stat: 'Sum', label: 'invocations' },
              ],
              [
                ns,
                MetricName.scanDurationSeconds,
                'service',
                METRICS_SERVICE,
                { stat: 'Maximum', label: 'scan seconds', yAxis: 'right' },
              ],
            ],
            { period: 3600 },
          ),
        },
      ]),
      ...row(6, [
        {
          w: 8,
          widget: metricWidget(
            'Durable rollout executions',
            Object.values(DurableMetric).map((m) => [
              'AWS/Lambda',
              m,
              'FunctionName',
              o.workflowFunction,
              { stat: m === DurableMetric.running ? 'Maximum' : 'Sum', label: m },
            ]),
            { period: 3600 },
          ),
        },
        {
          w: 8,
          widget: metricWidget(
            'Schedule DLQ depth and Slack delivery failures',
            [
              [
                'AWS/SQS',
                'ApproximateNumberOfMessagesVisible',
                'QueueName',
                o.dlqName,
                { stat: 'Maximum', label: 'DLQ messages' },
              ],
              fleet(MetricName.slackDeliveryFailures, 'Sum', 'Slack failures'),
            ],
            { period: 300 },
          ),
        },
        {
          w: 8,
          widget: {
            type: 'alarm',
            properties: { title: 'Alarms', alarms: o.alarmArns, sortBy: 'stateUpdatedTimestamp' },
          },
        },
      ]),
    ],
  };
}

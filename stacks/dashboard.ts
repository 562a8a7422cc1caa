// The dashboard's body and what the alarms cost, as plain data: no SST globals, so the bench and the
// tests import it directly (stacks/observability.ts creates the resources).
import { METRICS_NAMESPACE, METRICS_SERVICE, MetricName } from '@nodekeeper/core/metrics';

/**
 * Alarm metrics CloudWatch bills (standard resolution, one per metric an alarm reads: the durable
 * executions alarm reads two, the scan errors alarm three: the scan's errors and the fleet scan's
 * failed and timed-out executions). The bench prices them; test/infra/observability.test.ts counts
 * them in the rendered stack.
 */
export const ALARM_METRICS = 10;

/** Lambda's metrics for durable executions (AWS/Lambda, dimension FunctionName). */
export const DurableMetric = {
  failed: 'DurableExecutionFailed',
  timedOut: 'DurableExecutionTimedOut',
  started: 'DurableExecutionStarted',
  succeeded: 'DurableExecutionSucceeded',
  running: 'ApproximateRunningDurableExecutions',
} as const;

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
  fleetScanFunction: string;
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
              // Above rollout.fanOutAboveTargets the scan hands each event to a durable fleet scan.
              [
                'AWS/Lambda',
                DurableMetric.started,
                'FunctionName',
                o.fleetScanFunction,
                { stat: 'Sum', label: 'fleet scans' },
              ],
              [
                'AWS/Lambda',
                DurableMetric.failed,
                'FunctionName',
                o.fleetScanFunction,
                { stat: 'Sum', label: 'fleet scans failed' },
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

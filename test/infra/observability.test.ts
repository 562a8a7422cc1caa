// The dashboard, the alarms and the alarm topic under Pulumi mocks (its own process: mocks are global),
// and the seam between what they read and the EMF the handlers write.
import { readFileSync } from 'node:fs';
import {
  METRIC_DEFINITIONS,
  MetricName,
  type MetricOptions,
  NO_WAVE,
  type NodegroupFreshness,
  scanMetricBatches,
} from '@nodekeeper/core/metrics';
import type { RolloutRecord } from '@nodekeeper/core/rollout';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createMetrics,
  emitPatchResults,
  emitRolloutOutcome,
  emitSlackFailure,
  publishBatches,
} from '../../functions/lib/metrics.ts';
import { ALARM_METRICS, dashboardBody } from '../../stacks/dashboard.ts';
import { resourceNames } from '../../stacks/permissions.ts';
import {
  alarmReads,
  dashboardReads,
  type EmittedSeries,
  emittedSeries,
  type MetricRead,
  reads,
} from '../helpers/cloudwatch.ts';
import { ACCOUNT_ID, type Harness, importStacks, installSstHarness, REGION } from './harness.ts';

const STAGE = 'obs';
const names = resourceNames(STAGE);
const rawConfig = {
  regions: ['us-east-1'],
  clusters: ['prod-*', 'dev-*'],
  // Daily at 03:00: two schedule periods are two days.
  schedule: { cron: 'cron(0 3 * * ? *)', timezone: 'Europe/Berlin', windowMinutes: 240 },
  observability: { dashboard: true },
};
const topicArn = `arn:aws:mock:${REGION}:${ACCOUNT_ID}:AlarmTopic`;

let h: Harness;
let outputs: Record<string, unknown>;

// biome-ignore lint/suspicious/noExplicitAny: mocked resource inputs are untyped JSON, read by path.
type Inputs = Record<string, any>;
function alarm(logicalName: string): Inputs {
  const found = h.resources.filter(
    (r) => r.type === 'aws:cloudwatch/metricAlarm:MetricAlarm' && r.name === logicalName,
  );
  expect(found.map((r) => r.name)).toEqual([logicalName]);
  return found[0]?.inputs as Inputs;
}
function dashboard(): { widgets: Inputs[] } {
  const found = h.resources.filter((r) => r.type === 'aws:cloudwatch/dashboard:Dashboard');
  expect(found).toHaveLength(1);
  return JSON.parse(String(found[0]?.inputs.dashboardBody)) as { widgets: Inputs[] };
}
function widget(title: string): Inputs {
  const found = dashboard().widgets.filter((w) => w.properties?.title === title);
  expect(found, title).toHaveLength(1);
  return found[0] as Inputs;
}
const metricNamesOf = (w: Inputs) =>
  (w.properties.metrics as unknown[][]).map((m) =>
    typeof m[0] === 'object' && m[0] !== null ? (m[0] as { expression: string }).expression : m[1],
  );

beforeAll(async () => {
  h = await installSstHarness(STAGE);
  const { parseDeployConfig } = await import('../../stacks/config.ts');
  const { createNodekeeper } = await importStacks();
  const app = createNodekeeper(
    parseDeployConfig(rawConfig, (raw) => raw),
    STAGE,
  );
  await h.settle();
  outputs = await new Promise((resolve) =>
    h.pulumi.output(app.outputs).apply((v) => resolve(v as Record<string, unknown>)),
  );
});

describe('observability', () => {
  describe('when it creates the alarm topic', () => {
    it('creates one SNS topic and outputs its ARN for the operator to subscribe to', () => {
      const topics = h.resources.filter((r) => r.type === 'aws:sns/topic:Topic');
      expect(topics.map((t) => [t.name, t.inputs.name])).toEqual([['AlarmTopic', 'nodekeeper-obs-alarms']]);
      expect(outputs.alarmTopicArn).toBe(topicArn);
      expect(outputs.dashboardName).toBe('nodekeeper-obs');
    });

    it('sends every alarm and its recovery to the topic', () => {
      const alarms = h.resources.filter((r) => r.type === 'aws:cloudwatch/metricAlarm:MetricAlarm');
      expect(alarms.map((a) => a.name).sort()).toEqual([
        'RolloutFailedAlarm',
        'ScanErrorsAlarm',
        'ScanNotRunningAlarm',
        'ScheduleDlqAlarm',
        'SlackFailuresAlarm',
        'WorkflowErrorsAlarm',
        'WorkflowExecutionsFailedAlarm',
      ]);
      for (const a of alarms) {
        expect(a.inputs.alarmActions, a.name).toEqual([topicArn]);
        expect(a.inputs.okActions, a.name).toEqual([topicArn]);
        expect(a.inputs.name, a.name).toMatch(/^nodekeeper-obs-[a-z-]+$/);
      }
    });
  });

  describe('when a rollout fails', () => {
    it('alarms on any RolloutsFailed in the nodekeeper namespace, fleet-wide', () => {
      expect(alarm('RolloutFailedAlarm')).toMatchObject({
        namespace: 'nodekeeper',
        metricName: 'RolloutsFailed',
        dimensions: { service: 'nodekeeper' },
        statistic: 'Sum',
        threshold: 0,
        comparisonOperator: 'GreaterThanThreshold',
        treatMissingData: 'notBreaching',
      });
    });
  });

  describe('when the scan function is unhealthy', () => {
    it('alarms on any scan function error, and on any fleet scan execution that failed or timed out', () => {
      const a = alarm('ScanErrorsAlarm');
      expect(a).toMatchObject({
        name: 'nodekeeper-obs-scan-errors',
        threshold: 0,
        comparisonOperator: 'GreaterThanThreshold',
        evaluationPeriods: 1,
        treatMissingData: 'notBreaching',
      });
      const queries = a.metricQueries as Inputs[];
      expect(queries.map((q) => [q.id, q.metric?.metricName ?? q.expression, q.returnData])).toEqual([
        ['m1', 'Errors', false],
        ['m2', 'DurableExecutionFailed', false],
        ['m3', 'DurableExecutionTimedOut', false],
        ['e1', 'FILL(m1, 0) + FILL(m2, 0) + FILL(m3, 0)', true],
      ]);
      expect(queries.slice(0, 3).map((q) => q.metric.dimensions.FunctionName)).toEqual([
        names.functions['rollout-scan'],
        names.functions['rollout-fanout'],
        names.functions['rollout-fanout'],
      ]);
      for (const q of queries.slice(0, 3)) {
        expect(q.metric).toMatchObject({ namespace: 'AWS/Lambda', stat: 'Sum', period: 300 });
      }
    });

    it('charts the fleet scans the scan hands over, started and failed, beside its invocations', () => {
      const metrics = widget('Scan: invocations and duration').properties.metrics as unknown[][];
      expect(metrics.filter((m) => m[3] === names.functions['rollout-fanout']).map((m) => m[1])).toEqual([
        'DurableExecutionStarted',
        'DurableExecutionFailed',
      ]);
    });

    it('alarms when the daily scan was not invoked for 2 days, missing data breaching', () => {
      expect(alarm('ScanNotRunningAlarm')).toMatchObject({
        namespace: 'AWS/Lambda',
        metricName: 'Invocations',
        dimensions: { FunctionName: names.functions['rollout-scan'] },
        statistic: 'Sum',
        period: 86_400,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        threshold: 1,
        comparisonOperator: 'LessThanThreshold',
        treatMissingData: 'breaching',
      });
    });
  });

  describe('when the schedule cannot deliver', () => {
    it('alarms when the schedule DLQ holds any message', () => {
      const queue = h.resources.find(
        (r) => r.type === 'aws:sqs/queue:Queue' && r.name === 'RolloutScheduleDlqQueue',
      );
      expect(alarm('ScheduleDlqAlarm')).toMatchObject({
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: queue?.inputs.name ?? 'RolloutScheduleDlqQueue' },
        statistic: 'Maximum',
        threshold: 0,
        comparisonOperator: 'GreaterThanThreshold',
      });
    });
  });

  describe('when a durable workflow fails', () => {
    it('alarms on the workflow function errors', () => {
      expect(alarm('WorkflowErrorsAlarm')).toMatchObject({
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: { FunctionName: names.functions['rollout-workflow'] },
        threshold: 0,
        comparisonOperator: 'GreaterThanThreshold',
      });
    });

    it('alarms on failed or timed-out durable executions', () => {
      const a = alarm('WorkflowExecutionsFailedAlarm');
      expect(a).toMatchObject({
        threshold: 0,
        comparisonOperator: 'GreaterThanThreshold',
        evaluationPeriods: 1,
      });
      const queries = a.metricQueries as Inputs[];
      expect(queries.map((q) => q.metric?.metricName ?? q.expression)).toEqual([
        'DurableExecutionFailed',
        'DurableExecutionTimedOut',
        'FILL(m1, 0) + FILL(m2, 0)',
      ]);
      for (const q of queries.slice(0, 2)) {
        expect(q.metric).toMatchObject({
          namespace: 'AWS/Lambda',
          dimensions: { FunctionName: names.functions['rollout-workflow'] },
          stat: 'Sum',
        });
      }
      expect(queries.map((q) => q.returnData)).toEqual([false, false, true]);
    });
  });

  describe('when Slack keeps failing', () => {
    it('alarms on 3 or more delivery failures within an hour', () => {
      expect(alarm('SlackFailuresAlarm')).toMatchObject({
        namespace: 'nodekeeper',
        metricName: 'SlackDeliveryFailures',
        dimensions: { service: 'nodekeeper' },
        statistic: 'Sum',
        period: 3600,
        threshold: 3,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
      });
    });
  });

  describe('when it builds the dashboard', () => {
    it('names it after the stage and lays widgets out without overlap', () => {
      const cells = new Set<string>();
      for (const w of dashboard().widgets) {
        for (let x = w.x; x < w.x + w.width; x++) {
          for (let y = w.y; y < w.y + w.height; y++) {
            expect(cells.has(`${x},${y}`)).toBe(false);
            cells.add(`${x},${y}`);
          }
        }
        expect(w.x + w.width).toBeLessThanOrEqual(24);
        if (w.type === 'metric') expect(w.properties.region).toBe(REGION);
      }
    });

    it('shows fleet freshness per fleet and per wave', () => {
      expect(metricNamesOf(widget('Fleet freshness: node groups behind the latest AMI'))).toEqual([
        'NodegroupsBehind',
        `SEARCH('{nodekeeper,service,wave} MetricName="NodegroupsBehind"', 'Maximum', 3600)`,
      ]);
      expect(metricNamesOf(widget('Fleet freshness: oldest AMI (days)'))[0]).toBe('MaxAmiAgeDays');
    });

    it('shows rollouts and failures, durations and patch results', () => {
      expect(metricNamesOf(widget('Rollouts and failures (per day)'))).toEqual([
        'RolloutsStarted',
        'RolloutsSucceeded',
        'RolloutsFailed',
      ]);
      expect(metricNamesOf(widget('Rollout duration (seconds)'))).toEqual([
        'RolloutDurationSeconds',
        'RolloutDurationSeconds',
      ]);
      expect(metricNamesOf(widget('Patch results (instances per day)'))).toEqual([
        'PatchInstancesSucceeded',
        'PatchInstancesFailed',
      ]);
    });

    it("shows nodekeeper's own errors and durations for every function", () => {
      const fns = Object.values(names.functions);
      const errors = widget("nodekeeper's Lambda errors").properties.metrics as unknown[][];
      expect(errors.map((m) => [m[0], m[1], m[3]])).toEqual(fns.map((fn) => ['AWS/Lambda', 'Errors', fn]));
      const durations = widget("nodekeeper's Lambda duration (p95, ms)").properties.metrics as unknown[][];
      expect(durations.map((m) => [m[1], m[3]])).toEqual(fns.map((fn) => ['Duration', fn]));
      expect(metricNamesOf(widget('Durable rollout executions'))).toContain('DurableExecutionFailed');
    });

    it('charts every nodekeeper metric somewhere', () => {
      const body = JSON.stringify(dashboard());
      for (const d of METRIC_DEFINITIONS) expect(body, d.name).toContain(`"${d.name}"`);
      expect(body).toContain(MetricName.scanDurationSeconds);
    });

    it('lists every alarm in an alarm widget', () => {
      const alarms = widget('Alarms').properties.alarms as string[];
      expect(alarms).toHaveLength(7);
      for (const arn of alarms) expect(arn).toMatch(/^arn:aws:mock:us-east-1:111122223333:[A-Za-z]+Alarm$/);
    });
  });

  describe('when CloudWatch bills the alarms', () => {
    it('reads as many alarm metrics as the bench prices', () => {
      const alarms = h.resources.filter((r) => r.type === 'aws:cloudwatch/metricAlarm:MetricAlarm');
      const metrics = alarms.flatMap((a) => alarmReads(a.inputs as Inputs));
      expect(metrics).toHaveLength(ALARM_METRICS);
    });
  });
});

// --- The docs: the metrics table in docs/deploy.md is the definitions --------------------------------

describe('docs/deploy.md', () => {
  it('lists every metric with its statistic and the dimension sets it is emitted with', () => {
    const doc = readFileSync(new URL('../../docs/deploy.md', import.meta.url), 'utf8');
    const sets = (cell: string) =>
      cell.trim() === ''
        ? []
        : cell
            .split(';')
            .map((set) =>
              set.trim() === 'fleet'
                ? ['service']
                : ['service', ...[...set.matchAll(/`([a-z]+)`/g)].map((m) => m[1])],
            );
    const rows = [...doc.matchAll(/^\| `(\w+)` \((\w+)\) \|[^|]*\|([^|]*)\|([^|]*)\|$/gm)].map((m) => ({
      name: m[1],
      statistic: m[2],
      dimensionSets: sets(m[3] ?? ''),
      clusterDimensionSets: sets(m[4] ?? ''),
    }));
    expect(rows).toEqual(
      METRIC_DEFINITIONS.map((d) => ({
        name: d.name,
        statistic: d.statistic,
        dimensionSets: d.dimensionSets.map((set) => [...set]),
        clusterDimensionSets: d.clusterDimensionSets.map((set) => [...set]),
      })),
    );
  });
});

// --- The seam: what the dashboard and the alarms read vs. the EMF the handlers write -------------

/** Every EMF document the handlers write for a fleet in two waves and two clusters, under `options`. */
function emitEverything(options: MetricOptions): EmittedSeries[] {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(
      ...String(chunk)
        .split('\n')
        .filter((l) => l.trim() !== ''),
    );
    return true;
  });
  const metrics = createMetrics();
  const row = (cluster: string, wave: string | null, behind: boolean): NodegroupFreshness => ({
    accountId: null,
    region: REGION,
    cluster,
    nodegroup: 'general',
    wave,
    amiType: 'AL2023_x86_64_STANDARD',
    current: { releaseVersion: '1.33.4-20261001', imageId: null, date: null, dateSource: null, ageDays: 50 },
    latest: null,
    daysBehind: behind ? 40 : 0,
    behind,
  });
  // The scan: rollout-scan's emitScanMetrics publishes these batches for its plan.
  publishBatches(
    metrics,
    scanMetricBatches(
      [row('dev-a', 'dev', false), row('prod-a', 'prod', true), row('misc', null, true)],
      1200,
      options,
    ),
  );
  const record = (outcome: RolloutRecord['outcome'], cluster: string): RolloutRecord =>
    ({
      key: `k-${cluster}`,
      accountId: '444455556666',
      region: REGION,
      cluster,
      nodegroup: 'general',
      wave: 'prod',
      outcome,
      startedAt: '2026-11-24T03:00:00.000Z',
      finishedAt: outcome === 'started' ? null : '2026-11-24T03:20:00.000Z',
    }) as unknown as RolloutRecord;
  for (const outcome of ['started', 'succeeded', 'failed'] as const) {
    emitRolloutOutcome(metrics, record(outcome, 'prod-a'), options);
  }
  emitPatchResults(
    metrics,
    { accountId: null, region: REGION, cluster: 'prod-a', counts: { targeted: 3, succeeded: 2, failed: 1 } },
    options,
  );
  emitSlackFailure(metrics);
  vi.restoreAllMocks();
  return emittedSeries(lines);
}

/** The reads of a dashboard for `clusterMetrics` and of the rendered alarms, in the nodekeeper namespace. */
function stackReads(clusterMetrics: boolean, withDashboard = true): MetricRead[] {
  const alarms = h.resources
    .filter((r) => r.type === 'aws:cloudwatch/metricAlarm:MetricAlarm')
    .flatMap((a) => alarmReads(a.inputs as Inputs));
  const board = withDashboard
    ? dashboardReads(
        dashboardBody({
          region: REGION,
          dlqName: 'dlq',
          alarmArns: [],
          functions: names.functions,
          scanFunction: names.functions['rollout-scan'],
          fleetScanFunction: names.functions['rollout-fanout'],
          workflowFunction: names.functions['rollout-workflow'],
          clusterMetrics,
        }),
      )
    : [];
  return [...board, ...alarms].filter((r) => r.namespace === 'nodekeeper');
}

const key = (s: { name: string; dimensions: Record<string, unknown> }) =>
  `${s.name} {${Object.keys(s.dimensions).sort().join(',')}}`;

describe('the seam between the stacks and the handlers', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('checks the dashboard the stack rendered (cluster metrics off in this config)', () => {
    const rendered = dashboardReads(dashboard()).filter((r) => r.namespace === 'nodekeeper');
    const checked = stackReads(false).filter((r) => !r.source.startsWith('alarm'));
    expect(rendered).toEqual(checked);
  });

  for (const clusterMetrics of [false, true]) {
    describe(`when cluster metrics are ${clusterMetrics ? 'on' : 'off'}`, () => {
      it('emits every metric the dashboard or an alarm reads, with exactly the dimensions read', () => {
        const emitted = emitEverything({ clusterMetrics });
        for (const read of stackReads(clusterMetrics)) {
          const matches = emitted.filter((s) => reads(read, s));
          expect(
            matches.length,
            `${read.source}: ${key(read)} ${JSON.stringify(read.dimensions)}`,
          ).toBeGreaterThan(0);
        }
      });
    });
  }

  describe('when cluster metrics are off (the default)', () => {
    it('emits nothing the dashboard and the alarms do not read', () => {
      const read = new Set(stackReads(false).map(key));
      const unread = [...new Set(emitEverything({ clusterMetrics: false }).map(key))].filter(
        (k) => !read.has(k),
      );
      expect(unread).toEqual([]);
    });

    it("emits each metric exactly with its definition's dimension sets", () => {
      const emitted = emitEverything({ clusterMetrics: false });
      for (const d of METRIC_DEFINITIONS) {
        const sets = [...new Set(emitted.filter((s) => s.name === d.name).map(key))].sort();
        expect(sets, d.name).toEqual(
          d.dimensionSets.map((set) => `${d.name} {${[...set].sort().join(',')}}`).sort(),
        );
      }
    });

    it('lets the alarms alone read only fleet-wide series', () => {
      for (const read of stackReads(false, false))
        expect(read.dimensions, read.source).toEqual({ service: 'nodekeeper' });
    });
  });

  describe('when cluster metrics are on', () => {
    it('adds per-cluster series the dashboard charts by cluster', () => {
      const emitted = emitEverything({ clusterMetrics: true });
      const perCluster = stackReads(true).filter(
        (r) => 'cluster' in r.dimensions && r.name === MetricName.nodegroupsBehind,
      );
      expect(perCluster).toHaveLength(1);
      expect(
        emitted
          .filter((s) => perCluster.some((r) => reads(r, s)))
          .map((s) => s.dimensions.cluster)
          .sort(),
      ).toEqual(['dev-a', 'misc', 'prod-a']);
      expect(emitted.some((s) => s.dimensions.wave === NO_WAVE)).toBe(true);
    });
  });
});

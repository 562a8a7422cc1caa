/**
 * Reads CloudWatch definitions and EMF the way CloudWatch does, for the seam between what the
 * stacks read (dashboard widgets, alarms) and what the handlers emit (EMF documents on stdout).
 */

/**
 * One metric a dashboard widget or an alarm reads. `dimensions` names every dimension of the
 * metric: a value, or null for a SEARCH schema (`{namespace,dim1,dim2}` matches metrics with
 * exactly those dimensions, any values).
 */
export interface MetricRead {
  namespace: string;
  name: string;
  dimensions: Record<string, string | null>;
  source: string;
}

/** One metric an EMF document writes: its name and one value per dimension of one set. */
export interface EmittedSeries {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

const SEARCH = /SEARCH\('\{([^}]*)\}\s+MetricName="([^"]+)"'/;

/** The metrics the widgets of a dashboard body read: explicit metric arrays and SEARCH schemas. */
export function dashboardReads(body: { widgets: Array<Record<string, unknown>> }): MetricRead[] {
  const reads: MetricRead[] = [];
  for (const widget of body.widgets) {
    if (widget.type !== 'metric') continue;
    const properties = widget.properties as { title: string; metrics: unknown[][] };
    for (const entry of properties.metrics) {
      const first = entry[0];
      if (typeof first === 'object' && first !== null && 'expression' in first) {
        const m = SEARCH.exec(String((first as { expression: string }).expression));
        if (!m) throw new Error(`unreadable expression in "${properties.title}"`);
        const [namespace = '', ...dims] = (m[1] ?? '').split(',').map((s) => s.trim());
        reads.push({
          namespace,
          name: m[2] ?? '',
          dimensions: Object.fromEntries(dims.map((d) => [d, null])),
          source: properties.title,
        });
        continue;
      }
      const plain = entry.filter((x): x is string => typeof x === 'string');
      const [namespace = '', name = '', ...pairs] = plain;
      const dimensions: Record<string, string> = {};
      for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i] as string] = pairs[i + 1] as string;
      reads.push({ namespace, name, dimensions, source: properties.title });
    }
  }
  return reads;
}

type AlarmInputs = {
  name?: string;
  namespace?: string;
  metricName?: string;
  dimensions?: Record<string, string>;
  metricQueries?: Array<{
    metric?: { namespace: string; metricName: string; dimensions?: Record<string, string> };
  }>;
};

/** The metrics an alarm reads: its one metric, or each metric of its metric-math queries. */
export function alarmReads(alarm: AlarmInputs): MetricRead[] {
  const source = `alarm ${alarm.name ?? ''}`;
  if (alarm.metricName !== undefined) {
    return [
      {
        namespace: alarm.namespace ?? '',
        name: alarm.metricName,
        dimensions: { ...(alarm.dimensions ?? {}) },
        source,
      },
    ];
  }
  return (alarm.metricQueries ?? []).flatMap((q) =>
    q.metric
      ? [
          {
            namespace: q.metric.namespace,
            name: q.metric.metricName,
            dimensions: { ...(q.metric.dimensions ?? {}) },
            source,
          },
        ]
      : [],
  );
}

type Emf = {
  _aws: {
    CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }>;
  };
} & Record<string, unknown>;

/** The metrics EMF documents (one JSON object per line) write: each metric once per dimension set. */
export function emittedSeries(lines: readonly string[]): EmittedSeries[] {
  const out: EmittedSeries[] = [];
  for (const line of lines) {
    const doc = JSON.parse(line) as Emf;
    for (const directive of doc._aws.CloudWatchMetrics) {
      for (const set of directive.Dimensions) {
        const dimensions = Object.fromEntries(set.map((d) => [d, String(doc[d])]));
        for (const m of directive.Metrics)
          out.push({ namespace: directive.Namespace, name: m.Name, dimensions });
      }
    }
  }
  return out;
}

/** True when `series` is a metric `read` selects: same namespace and name, exactly its dimensions. */
export function reads(read: MetricRead, series: EmittedSeries): boolean {
  const names = Object.keys(read.dimensions).sort();
  const have = Object.keys(series.dimensions).sort();
  return (
    read.namespace === series.namespace &&
    read.name === series.name &&
    names.length === have.length &&
    names.every((d, i) => d === have[i]) &&
    names.every((d) => read.dimensions[d] === null || read.dimensions[d] === series.dimensions[d])
  );
}

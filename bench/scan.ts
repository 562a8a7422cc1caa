/**
 * Benchmark 1: fleet scan. `inspectFleet` over a generated fleet served by the sandbox, with a
 * jittered latency on every AWS call; unthrottled (concurrency N and 1) and throttled (AWS-like token
 * buckets in the sandbox, the client's default rate control). The unthrottled run's answers are
 * recorded and replayed with no SDK and no HTTP (bench/replay.ts): the structural ratio, free of
 * per-call CPU. The live ratio is against a bound that includes the per-call CPU measured in the run.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import {
  type AwsClients,
  type CallStats,
  createClients,
  defaultRateLimits,
  inspectDefaults,
  inspectFleet,
  type RateLimitOverrides,
  rateBucketOf,
} from '@nodekeeper/aws';
import type { FaultRule } from '@nodekeeper/sandbox';
import {
  type FleetFileInput,
  generateFleet,
  type InspectionCallCounts,
  minimalInspectionCalls,
} from '../test/fixtures/large-fleet.ts';
import { emptyRecording, type Recording, recordAnswers, replayClients } from './replay.ts';
import { startSandboxProcess } from './sandbox-process.ts';

const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const logger = new Logger({ serviceName: 'bench', logLevel: 'SILENT' });

/**
 * Sandbox token buckets of the throttled scenario: one per service (every operation of it shares
 * it), or, with `operation`, one for that operation alone (EC2 meters each API in its own bucket).
 */
export interface ServerBucket {
  service: 'eks' | 'ec2' | 'ssm';
  operation?: keyof InspectionCallCounts;
  burst: number;
  ratePerSecond: number;
}

export interface ScanBenchOptions {
  clusters: number;
  nodegroupsPerCluster: number;
  /** Fleet of the serial run (concurrency 1); the full bench uses the same fleet. */
  serial: { clusters: number; nodegroupsPerCluster: number };
  latencyMs: number;
  /** Every call's latency is spread uniformly over ±jitterMs (seeded), in the sandbox and the replay. */
  jitterMs: number;
  /** Replays of the recorded answers (different jitter seeds); the median is reported. */
  replays: number;
  /** Inspector concurrency of the unthrottled and throttled runs. Default: the inspector's own. */
  concurrency?: number;
  /** Sandbox buckets of the throttled run. */
  serverBuckets: ServerBucket[];
  /** Client-side limits of the throttled run; undefined = the client's defaults. */
  clientRateLimits?: RateLimitOverrides;
}

/**
 * AWS's buckets as published: EC2 100 burst / 20 per s for each non-mutating API (DescribeImages and
 * DescribeLaunchTemplateVersions each their own), Parameter Store 40 TPS for GetParameter(s); EKS
 * publishes none, so EC2's non-mutating bucket stands in for all its reads (one bucket).
 */
export const awsLikeBuckets: ServerBucket[] = [
  { service: 'ec2', operation: 'DescribeImages', burst: 100, ratePerSecond: 20 },
  { service: 'ec2', operation: 'DescribeLaunchTemplateVersions', burst: 100, ratePerSecond: 20 },
  { service: 'eks', burst: 100, ratePerSecond: 20 },
  { service: 'ssm', operation: 'GetParameters', burst: 40, ratePerSecond: 40 },
];

export interface ScanRun {
  /** The warm-up scan, when one ran: this process's first, with JIT and module loading. */
  cold: { wallMs: number; cpuMs: number } | null;
  wallMs: number;
  /** CPU of this process while the inspection ran. */
  cpuMs: number;
  apiCalls: number;
  nodegroups: number;
  errors: number;
  stats: CallStats;
  byOperation: Record<string, number>;
}

/** The zero-CPU replay of the recorded answers: the inspector's structure alone. */
export interface StructuralResults {
  replays: number;
  /** Median wall time of the replays. */
  wallMs: number;
  /** max(depth × latency, calls × latency ÷ concurrency). */
  lowerBoundMs: number;
  /** Median and worst replay ÷ lowerBoundMs. */
  ratioToLowerBound: number;
  worstRatio: number;
  apiCalls: number;
  /** Answers recorded in the live run (batched answers replayed per item). */
  recordedAnswers: number;
}

export interface ScanResults {
  nodegroups: number;
  clusters: number;
  latencyMs: number;
  jitterMs: number;
  concurrency: number;
  /** Dependent calls on the longest path (ListClusters → … → target DescribeImages). */
  criticalPathDepth: number;
  wallMs: number;
  /** Zero-CPU bound: max(depth × latency, calls × latency ÷ concurrency). */
  lowerBoundMs: number;
  /** wallMs ÷ lowerBoundMs (the CPU of every call counted against the inspector). */
  ratioToLowerBound: number;
  /** CPU of the scanning process during the live run ÷ its calls (SDK serde, signing, sockets, the inspector). */
  cpuPerCallMs: number;
  /** max(depth × (latency + cpu), calls × (latency + cpu) ÷ concurrency, calls × cpu). */
  liveLowerBoundMs: number;
  /** wallMs ÷ liveLowerBoundMs. */
  liveRatio: number;
  /** The process's first scan (JIT, lazy module loading), before the measured one: wall, CPU per call, ÷ its own live bound. */
  cold: { wallMs: number; cpuPerCallMs: number; liveRatio: number } | null;
  structural: StructuralResults;
  serialNodegroups: number;
  serialWallMs: number;
  /** serialWallMs scaled to the main fleet's call count, ÷ wallMs (equal fleets: plain ratio). */
  speedupVsSerial: number;
  apiCalls: number;
  minApiCalls: number;
  apiCallsByOperation: Record<string, number>;
  minApiCallsByOperation: InspectionCallCounts;
  throttled: {
    wallMs: number;
    lowerBoundMs: number;
    ratioToLowerBound: number;
    failedCalls: number;
    retries: number;
    throttledAttempts: number;
    apiCalls: number;
    serverBuckets: ServerBucket[];
    clientBuckets: Record<string, { burst: number; ratePerSecond: number } | null>;
  };
}

const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);

/**
 * Dependent calls on the longest path: ListClusters → DescribeCluster/ListNodegroups →
 * DescribeNodegroup → DescribeLaunchTemplateVersions → DescribeImages (current) → GetParameters →
 * DescribeImages (targets). Levels without calls in this fleet are left out. Pure.
 */
export function criticalPathDepth(min: InspectionCallCounts): number {
  const custom = min.DescribeLaunchTemplateVersions > 0;
  // With custom templates, one DescribeImages level is the current images, the other the targets.
  const imageLevels = Math.min(min.DescribeImages, custom ? 2 : 1);
  return 3 + (custom ? 1 : 0) + imageLevels + (min.GetParameters > 0 ? 1 : 0);
}

/** The service whose sandbox bucket an operation draws from. */
function serviceOf(operation: keyof InspectionCallCounts): 'eks' | 'ec2' | 'ssm' {
  if (operation === 'GetParameters') return 'ssm';
  if (operation === 'DescribeLaunchTemplateVersions' || operation === 'DescribeImages') return 'ec2';
  return 'eks';
}

/** The client bucket an operation draws from: its category, and for EC2 the API too (per-API buckets). */
function clientBucketKey(operation: keyof InspectionCallCounts): string | null {
  const service = serviceOf(operation);
  const bucket = rateBucketOf(service, operation);
  if (bucket === null) return null;
  return service === 'ec2' ? `${bucket}/${operation}` : bucket;
}

/**
 * Throttled lower bound: every bucket must serve its calls, the first `burst` at once and the rest
 * at `ratePerSecond` (buckets drain in parallel), plus one latency; never below the critical path.
 * Each server and each client bucket counts the calls that draw from it. Pure.
 */
export function throttledLowerBoundMs(
  min: InspectionCallCounts,
  server: ServerBucket[],
  client: Record<string, { burst: number; ratePerSecond: number } | null>,
  latencyMs: number,
): number {
  const ops = Object.entries(min) as Array<[keyof InspectionCallCounts, number]>;
  const drain = (calls: number, l: { burst: number; ratePerSecond: number }) =>
    (Math.max(0, calls - l.burst) / l.ratePerSecond) * 1000;
  let worst = 0;
  for (const b of server) {
    const calls = ops
      .filter(([op]) => serviceOf(op) === b.service && (b.operation === undefined || b.operation === op))
      .reduce((n, [, c]) => n + c, 0);
    worst = Math.max(worst, drain(calls, b));
  }
  for (const [key, limit] of Object.entries(client)) {
    if (limit === null) continue;
    const calls = ops.filter(([op]) => clientBucketKey(op) === key).reduce((n, [, c]) => n + c, 0);
    worst = Math.max(worst, drain(calls, limit));
  }
  return Math.max(criticalPathDepth(min) * latencyMs, worst + latencyMs);
}

/** The client buckets the inspector's operations draw from (EC2: per API), with their effective limits. */
function clientBuckets(
  overrides: RateLimitOverrides | undefined,
): Record<string, { burst: number; ratePerSecond: number } | null> {
  const ops: Array<keyof InspectionCallCounts> = [
    'ListClusters',
    'DescribeNodegroup',
    'DescribeLaunchTemplateVersions',
    'DescribeImages',
    'GetParameters',
  ];
  const out: Record<string, { burst: number; ratePerSecond: number } | null> = {};
  for (const op of ops) {
    const bucket = rateBucketOf(serviceOf(op), op);
    const key = clientBucketKey(op);
    if (bucket === null || key === null) continue;
    if (overrides === false) out[key] = null;
    else out[key] = bucket in (overrides ?? {}) ? (overrides?.[bucket] ?? null) : defaultRateLimits[bucket];
  }
  return out;
}

async function runOnce(
  input: FleetFileInput,
  options: {
    latencyMs: number;
    jitterMs: number;
    concurrency: number;
    faults: FaultRule[];
    rateLimits: RateLimitOverrides;
    record?: Recording;
    /**
     * Scans once first in this process (own clients, same sandbox), as a warm Lambda container
     * would have: the measured scan then pays no JIT compilation or lazy module loading.
     */
    warmUp?: boolean;
  },
): Promise<ScanRun> {
  // The sandbox runs in its own process: AWS's CPU is not the scanner's.
  const sb = await startSandboxProcess(input);
  let clients: AwsClients | null = null;
  try {
    await sb.setFaults([
      { service: '*', latencyMs: options.latencyMs, jitter: { ms: options.jitterMs, seed: 1 } },
      ...options.faults,
    ]);
    let cold: { wallMs: number; cpuMs: number } | null = null;
    if (options.warmUp) {
      const first = createClients({
        region: input.region,
        endpoint: sb.endpoint,
        credentials,
        rateLimits: false,
      });
      try {
        const cpu = process.cpuUsage();
        const started = performance.now();
        await inspectFleet({
          clients: first,
          accountId: input.accountId,
          region: input.region,
          clusterPatterns: ['*'],
          concurrency: options.concurrency,
          logger,
        });
        const used = process.cpuUsage(cpu);
        cold = { wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
      } finally {
        first.destroy();
      }
    }
    const callsBefore = (await sb.calls()).length;
    clients = createClients({
      region: input.region,
      endpoint: sb.endpoint,
      credentials,
      rateLimits: options.rateLimits,
    });
    if (options.record) recordAnswers(clients, options.record);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const { fleet } = await inspectFleet({
      clients,
      accountId: input.accountId,
      region: input.region,
      clusterPatterns: ['*'],
      concurrency: options.concurrency,
      logger,
    });
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const byOperation: Record<string, number> = {};
    for (const c of (await sb.calls()).slice(callsBefore)) {
      if (c.status === 200) byOperation[c.operation] = (byOperation[c.operation] ?? 0) + 1;
    }
    const stats = clients.stats();
    return {
      cold,
      wallMs,
      cpuMs: (used.user + used.system) / 1000,
      apiCalls: stats.calls,
      nodegroups: fleet.nodegroups.length,
      errors: fleet.errors.length,
      stats,
      byOperation,
    };
  } finally {
    clients?.destroy();
    await sb.close();
  }
}

/** Runs the three scan scenarios and derives the ratios. */
export async function runScanBench(o: ScanBenchOptions, log: (line: string) => void): Promise<ScanResults> {
  const concurrency = o.concurrency ?? inspectDefaults.concurrency;
  const input = generateFleet({ clusters: o.clusters, nodegroupsPerCluster: o.nodegroupsPerCluster });
  const min = minimalInspectionCalls(input);
  const minApiCalls = sum(min);
  const depth = criticalPathDepth(min);

  log(`scan: unthrottled, ${o.clusters}×${o.nodegroupsPerCluster} groups, concurrency ${concurrency}`);
  const recording = emptyRecording();
  const latency = { latencyMs: o.latencyMs, jitterMs: o.jitterMs };
  const fast = await runOnce(input, {
    ...latency,
    concurrency,
    faults: [],
    rateLimits: false,
    record: recording,
    warmUp: true,
  });
  const lowerBoundMs = Math.max(depth * o.latencyMs, (fast.apiCalls * o.latencyMs) / concurrency);
  const cpuPerCallMs = fast.cpuMs / fast.apiCalls;
  const liveLowerBoundMs = liveBoundMs(fast.apiCalls, cpuPerCallMs, depth, o.latencyMs, concurrency);

  log(`scan: ${o.replays} zero-CPU replays of ${recording.answers} recorded answers`);
  const replays: Array<{ wallMs: number; calls: number }> = [];
  for (let seed = 1; seed <= o.replays; seed++) {
    const replay = replayClients(recording, { ...latency, seed: seed + 100 });
    const started = performance.now();
    const { fleet } = await inspectFleet({
      clients: replay.clients,
      accountId: input.accountId,
      region: input.region,
      clusterPatterns: ['*'],
      concurrency,
      logger,
    });
    const wallMs = performance.now() - started;
    if (fleet.nodegroups.length !== fast.nodegroups || fleet.errors.length > 0)
      throw new Error(
        `replay inspected ${fleet.nodegroups.length} node groups (${fleet.errors.length} errors)`,
      );
    replays.push({ wallMs, calls: replay.calls() });
  }
  replays.sort((a, b) => a.wallMs - b.wallMs);
  const median = replays[Math.floor(replays.length / 2)] ?? { wallMs: 0, calls: 0 };
  const worst = replays[replays.length - 1] ?? median;
  const structuralBound = Math.max(depth * o.latencyMs, (median.calls * o.latencyMs) / concurrency);

  const serialInput = generateFleet(o.serial);
  const serialMin = sum(minimalInspectionCalls(serialInput));
  log(`scan: serial, ${o.serial.clusters}×${o.serial.nodegroupsPerCluster} groups, concurrency 1`);
  // The same jittered latency and the same SDK path: the same per-call cost as the concurrent run.
  const serial = await runOnce(serialInput, {
    ...latency,
    concurrency: 1,
    faults: [],
    rateLimits: false,
  });
  // A smaller serial fleet (quick mode) is scaled by its call count; equal fleets compare directly.
  const serialScaled = serial.wallMs * (minApiCalls / serialMin);

  const client = clientBuckets(o.clientRateLimits);
  log(
    `scan: throttled (${o.serverBuckets.map((b) => `${b.operation ?? b.service} ${b.burst}/${b.ratePerSecond}/s`).join(', ')})`,
  );
  const slow = await runOnce(input, {
    ...latency,
    concurrency,
    faults: o.serverBuckets.map((b) => ({
      service: b.service,
      ...(b.operation !== undefined ? { operation: b.operation } : {}),
      throttle: { burst: b.burst, ratePerSecond: b.ratePerSecond },
    })),
    rateLimits: o.clientRateLimits ?? {},
  });
  const throttledLower = throttledLowerBoundMs(min, o.serverBuckets, client, o.latencyMs);

  return {
    nodegroups: fast.nodegroups,
    clusters: o.clusters,
    latencyMs: o.latencyMs,
    jitterMs: o.jitterMs,
    concurrency,
    criticalPathDepth: depth,
    wallMs: Math.round(fast.wallMs),
    lowerBoundMs: Math.round(lowerBoundMs),
    ratioToLowerBound: round(fast.wallMs / lowerBoundMs),
    cpuPerCallMs: round(cpuPerCallMs),
    liveLowerBoundMs: Math.round(liveLowerBoundMs),
    liveRatio: round(fast.wallMs / liveLowerBoundMs),
    cold: fast.cold === null ? null : coldFigures(fast.cold, fast.apiCalls, depth, o.latencyMs, concurrency),
    structural: {
      replays: replays.length,
      wallMs: Math.round(median.wallMs),
      lowerBoundMs: Math.round(structuralBound),
      ratioToLowerBound: round(median.wallMs / structuralBound, 3),
      worstRatio: round(worst.wallMs / structuralBound, 3),
      apiCalls: median.calls,
      recordedAnswers: recording.answers,
    },
    serialNodegroups: serial.nodegroups,
    serialWallMs: Math.round(serial.wallMs),
    speedupVsSerial: round(serialScaled / fast.wallMs, 1),
    apiCalls: fast.apiCalls,
    minApiCalls,
    apiCallsByOperation: fast.byOperation,
    minApiCallsByOperation: min,
    throttled: {
      wallMs: Math.round(slow.wallMs),
      lowerBoundMs: Math.round(throttledLower),
      ratioToLowerBound: round(slow.wallMs / throttledLower),
      failedCalls: slow.stats.failed + slow.errors,
      retries: slow.stats.retries,
      throttledAttempts: slow.stats.throttled,
      apiCalls: slow.apiCalls,
      serverBuckets: o.serverBuckets,
      clientBuckets: client,
    },
  };
}

/** A live bound (see ScanResults.liveLowerBoundMs) for `calls` calls at `cpuPerCallMs` each. Pure. */
export function liveBoundMs(
  calls: number,
  cpuPerCallMs: number,
  depth: number,
  latencyMs: number,
  concurrency: number,
): number {
  const perCall = latencyMs + cpuPerCallMs;
  return Math.max(depth * perCall, (calls * perCall) / concurrency, calls * cpuPerCallMs);
}

function coldFigures(
  cold: { wallMs: number; cpuMs: number },
  calls: number,
  depth: number,
  latencyMs: number,
  concurrency: number,
): { wallMs: number; cpuPerCallMs: number; liveRatio: number } {
  const cpuPerCallMs = cold.cpuMs / calls;
  const bound = liveBoundMs(calls, cpuPerCallMs, depth, latencyMs, concurrency);
  return {
    wallMs: Math.round(cold.wallMs),
    cpuPerCallMs: round(cpuPerCallMs),
    liveRatio: round(cold.wallMs / bound),
  };
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

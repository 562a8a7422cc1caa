/**
 * Benchmark 1: fleet scan. `inspectFleet` over a generated fleet served by the sandbox, with a fixed
 * latency on every AWS call; unthrottled (concurrency N and 1) and throttled (AWS-like token buckets
 * in the sandbox, the client's default rate control).
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
import { startSandboxProcess } from './sandbox-process.ts';

const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };
const logger = new Logger({ serviceName: 'bench', logLevel: 'SILENT' });

/** Sandbox token buckets of the throttled scenario, one per service (every operation of it shares one). */
export interface ServerBucket {
  service: 'eks' | 'ec2' | 'ssm';
  burst: number;
  ratePerSecond: number;
}

export interface ScanBenchOptions {
  clusters: number;
  nodegroupsPerCluster: number;
  /** Fleet of the serial run (concurrency 1); the full bench uses the same fleet. */
  serial: { clusters: number; nodegroupsPerCluster: number };
  latencyMs: number;
  /** Inspector concurrency of the unthrottled and throttled runs. Default: the inspector's own. */
  concurrency?: number;
  /** Sandbox buckets of the throttled run. */
  serverBuckets: ServerBucket[];
  /** Client-side limits of the throttled run; undefined = the client's defaults. */
  clientRateLimits?: RateLimitOverrides;
}

/** AWS's documented EC2 describe bucket (100 burst, 20/s), applied to EKS and SSM as well. */
export const awsLikeBuckets: ServerBucket[] = [
  { service: 'ec2', burst: 100, ratePerSecond: 20 },
  { service: 'eks', burst: 100, ratePerSecond: 20 },
  { service: 'ssm', burst: 100, ratePerSecond: 20 },
];

export interface ScanRun {
  wallMs: number;
  apiCalls: number;
  nodegroups: number;
  errors: number;
  stats: CallStats;
  byOperation: Record<string, number>;
}

export interface ScanResults {
  nodegroups: number;
  clusters: number;
  latencyMs: number;
  concurrency: number;
  /** Dependent calls on the longest path (ListClusters → … → target DescribeImages). */
  criticalPathDepth: number;
  wallMs: number;
  lowerBoundMs: number;
  ratioToLowerBound: number;
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

/**
 * Throttled lower bound: every bucket must serve its calls, the first `burst` at once and the rest
 * at `ratePerSecond` (buckets drain in parallel), plus one latency; never below the critical path.
 * Uses the tighter of the server and client limits. Pure.
 */
export function throttledLowerBoundMs(
  min: InspectionCallCounts,
  server: ServerBucket[],
  client: Record<string, { burst: number; ratePerSecond: number } | null>,
  latencyMs: number,
): number {
  const perService: Record<string, number> = {};
  for (const [op, n] of Object.entries(min) as Array<[keyof InspectionCallCounts, number]>) {
    const s = serviceOf(op);
    perService[s] = (perService[s] ?? 0) + n;
  }
  let worst = 0;
  for (const [service, calls] of Object.entries(perService)) {
    const limits = [
      server.find((b) => b.service === service),
      ...Object.entries(client)
        .filter(([bucket]) => bucket.startsWith(`${service}:`))
        .map(([, l]) => l),
    ].filter((l): l is { burst: number; ratePerSecond: number } => Boolean(l));
    for (const l of limits) {
      const ms = (Math.max(0, calls - l.burst) / l.ratePerSecond) * 1000;
      worst = Math.max(worst, ms);
    }
  }
  return Math.max(criticalPathDepth(min) * latencyMs, worst + latencyMs);
}

/** The client buckets the inspector's operations draw from, with their effective limits. */
function clientBuckets(
  overrides: RateLimitOverrides | undefined,
): Record<string, { burst: number; ratePerSecond: number } | null> {
  const ops: Array<[string, string]> = [
    ['eks', 'ListClusters'],
    ['eks', 'DescribeNodegroup'],
    ['ec2', 'DescribeImages'],
    ['ssm', 'GetParameters'],
  ];
  const out: Record<string, { burst: number; ratePerSecond: number } | null> = {};
  for (const [service, op] of ops) {
    const bucket = rateBucketOf(service, op);
    if (bucket === null) continue;
    if (overrides === false) out[bucket] = null;
    else
      out[bucket] = bucket in (overrides ?? {}) ? (overrides?.[bucket] ?? null) : defaultRateLimits[bucket];
  }
  return out;
}

async function runOnce(
  input: FleetFileInput,
  options: { latencyMs: number; concurrency: number; faults: FaultRule[]; rateLimits: RateLimitOverrides },
): Promise<ScanRun> {
  // The sandbox runs in its own process: AWS's CPU is not the scanner's.
  const sb = await startSandboxProcess(input);
  let clients: AwsClients | null = null;
  try {
    await sb.setFaults([{ service: '*', latencyMs: options.latencyMs }, ...options.faults]);
    clients = createClients({
      region: input.region,
      endpoint: sb.endpoint,
      credentials,
      rateLimits: options.rateLimits,
    });
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
    const byOperation: Record<string, number> = {};
    for (const c of await sb.calls()) {
      if (c.status === 200) byOperation[c.operation] = (byOperation[c.operation] ?? 0) + 1;
    }
    const stats = clients.stats();
    return {
      wallMs,
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
  const fast = await runOnce(input, { latencyMs: o.latencyMs, concurrency, faults: [], rateLimits: false });
  const lowerBoundMs = Math.max(depth * o.latencyMs, (fast.apiCalls * o.latencyMs) / concurrency);

  const serialInput = generateFleet(o.serial);
  const serialMin = sum(minimalInspectionCalls(serialInput));
  log(`scan: serial, ${o.serial.clusters}×${o.serial.nodegroupsPerCluster} groups, concurrency 1`);
  const serial = await runOnce(serialInput, {
    latencyMs: o.latencyMs,
    concurrency: 1,
    faults: [],
    rateLimits: false,
  });
  // A smaller serial fleet (quick mode) is scaled by its call count; equal fleets compare directly.
  const serialScaled = serial.wallMs * (minApiCalls / serialMin);

  const client = clientBuckets(o.clientRateLimits);
  log(
    `scan: throttled (${o.serverBuckets.map((b) => `${b.service} ${b.burst}/${b.ratePerSecond}/s`).join(', ')})`,
  );
  const slow = await runOnce(input, {
    latencyMs: o.latencyMs,
    concurrency,
    faults: o.serverBuckets.map((b) => ({
      service: b.service,
      throttle: { burst: b.burst, ratePerSecond: b.ratePerSecond },
    })),
    rateLimits: o.clientRateLimits ?? {},
  });
  const throttledLower = throttledLowerBoundMs(min, o.serverBuckets, client, o.latencyMs);

  return {
    nodegroups: fast.nodegroups,
    clusters: o.clusters,
    latencyMs: o.latencyMs,
    concurrency,
    criticalPathDepth: depth,
    wallMs: Math.round(fast.wallMs),
    lowerBoundMs: Math.round(lowerBoundMs),
    ratioToLowerBound: round(fast.wallMs / lowerBoundMs),
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

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

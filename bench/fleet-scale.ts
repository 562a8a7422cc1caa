/**
 * Benchmark 5: fleet scale. One hub scans A accounts × R regions × C clusters × N node groups
 * through a role in each account (STS AssumeRole against the sandbox, which checks trust and
 * external IDs), the way the scan function does: every (account, region) inspected with its own
 * client set and rate limits, `TARGET_CONCURRENCY` targets at once, then merged and planned.
 * The sandbox (own process) adds a fixed latency to every call and meters AWS-like token buckets
 * per account and region, as AWS does.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { createTargetClientCache, inspectTargets, rolesOf, TARGET_CONCURRENCY } from '@nodekeeper/aws';
import { fleetTargets, parseConfig } from '@nodekeeper/core/config';
import { mergeInspections, plan, policyFromConfig } from '@nodekeeper/core/plan';
import type { FaultRule } from '@nodekeeper/sandbox';
import { type FleetFileInput, generateFleet, minimalInspectionCalls } from '../test/fixtures/large-fleet.ts';
import { startSandboxProcess } from './sandbox-process.ts';

const credentials = { accessKeyId: 'AKIASANDBOXEXAMPLE', secretAccessKey: 'sandbox-secret' };
const logger = new Logger({ serviceName: 'bench', logLevel: 'SILENT' });
const HUB = '111122223333';
/** Lambda's hard limit for one invocation. */
export const LAMBDA_TIMEOUT_MS = 15 * 60 * 1000;
/** The scan function's configured timeout (stacks/rollout.ts). */
export const SCAN_TIMEOUT_MS = 15 * 60 * 1000;

export interface FleetScaleOptions {
  accounts: number;
  regions: string[];
  clustersPerTarget: number;
  nodegroupsPerCluster: number;
  latencyMs: number;
  /** Per account and region, for each of EKS, EC2 and SSM. */
  bucket: { burst: number; ratePerSecond: number };
}

export interface FleetScaleResults {
  accounts: number;
  regions: number;
  targets: number;
  clusters: number;
  nodegroups: number;
  latencyMs: number;
  bucketPerAccountRegion: { burst: number; ratePerSecond: number };
  targetConcurrency: number;
  wallMs: number;
  /** The scan's share of one Lambda invocation (15 minutes). */
  shareOfLambdaLimit: number;
  planned: { roll: number; current: number; skip: number; errors: number };
  apiCalls: number;
  minApiCalls: number;
  assumeRoleCalls: number;
  failedCalls: number;
  /** Answers with an error status (every one of them a throttle here); the SDK retried each. */
  errorAnswers: number;
  peakMemoryMb: number;
}

function accountId(i: number): string {
  return String(200000000000 + i * 1111);
}

/** The shape of a multi-account bench fleet: accounts × regions × clusters × node groups. */
export interface MultiAccountFleetOptions {
  accounts: number;
  regions: string[];
  clustersPerTarget: number;
  nodegroupsPerCluster: number;
}

/**
 * The fleet both multi-account benches scan (fleet scale, the durable fleet scan): `accounts`
 * spokes, each with a read role the sandbox trusts (external ID `nk-<account>`), a generated
 * partition per (account, region), the hub's own public parameters and images, and the config's
 * targets for them.
 */
export function multiAccountFleet(options: MultiAccountFleetOptions) {
  const accounts = Array.from({ length: options.accounts }, (_, i) => accountId(i + 1));
  const role = (account: string) => `arn:aws:iam::${account}:role/nodekeeper-spoke`;
  const homeRegion = options.regions[0] ?? 'us-east-1';
  const partitions = accounts.flatMap((account) =>
    options.regions.map((region) =>
      generateFleet({
        clusters: options.clustersPerTarget,
        nodegroupsPerCluster: options.nodegroupsPerCluster,
        accountId: account,
        region,
      }),
    ),
  );
  const hub: FleetFileInput & Record<string, unknown> = {
    ...generateFleet({ clusters: 0, nodegroupsPerCluster: 0, accountId: HUB, region: homeRegion }),
    roles: accounts.map((a) => ({ arn: role(a), externalId: `nk-${a}` })),
    partitions,
  };
  const targets = accounts.map((a) => ({
    accountId: a,
    // Inspection assumes the read-only role only; the mutating one is never used here.
    readRoleArn: role(a),
    writeRoleArn: `${role(a)}-write`,
    externalId: `nk-${a}`,
    regions: options.regions,
  }));
  const nodegroups =
    options.accounts * options.regions.length * options.clustersPerTarget * options.nodegroupsPerCluster;
  return { accounts, homeRegion, partitions, hub, targets, nodegroups };
}

export async function runFleetScaleBench(
  options: FleetScaleOptions,
  log: (line: string) => void,
): Promise<FleetScaleResults> {
  const { accounts, partitions, hub, targets: targetConfigs, nodegroups } = multiAccountFleet(options);
  const minApiCalls =
    partitions.reduce((sum, p) => {
      const m = minimalInspectionCalls(p);
      return sum + Object.values(m).reduce((a, b) => a + b, 0);
    }, 0) +
    // One GetCallerIdentity per target (the reachability check) and one AssumeRole per account.
    partitions.length +
    accounts.length;
  const config = parseConfig({ regions: [options.regions[0] ?? 'us-east-1'], targets: targetConfigs });
  const targets = fleetTargets(config);
  log(
    `fleet scale: ${options.accounts} accounts × ${options.regions.length} regions × ${options.clustersPerTarget} clusters × ${options.nodegroupsPerCluster} node groups = ${nodegroups.toLocaleString('en-US')} node groups`,
  );
  const sb = await startSandboxProcess(hub);
  const rules: FaultRule[] = [
    { service: '*', latencyMs: options.latencyMs },
    ...(['eks', 'ec2', 'ssm'] as const).map((service) => ({
      service,
      throttle: { ...options.bucket, per: 'account-region' as const },
    })),
  ];
  let peak = 0;
  const sample = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  const clients = createTargetClientCache({
    endpoint: sb.endpoint,
    credentials,
    homeRegion: config.regions[0] ?? 'us-east-1',
    roles: rolesOf(targets),
  });
  try {
    await sb.setFaults(rules);
    await sb.resetCalls();
    const started = performance.now();
    const results = await inspectTargets(clients, targets, { logger });
    const { fleet, catalog } = mergeInspections(results);
    const planned = plan(fleet, catalog, policyFromConfig(config), new Date('2026-11-24T03:00:00Z'));
    const wallMs = Math.round(performance.now() - started);
    const calls = await sb.calls();
    const counts = { roll: 0, current: 0, skip: 0 };
    for (const item of planned.items) counts[item.decision] += 1;
    const result: FleetScaleResults = {
      accounts: options.accounts,
      regions: options.regions.length,
      targets: targets.length,
      clusters: options.accounts * options.regions.length * options.clustersPerTarget,
      nodegroups: fleet.nodegroups.length,
      latencyMs: options.latencyMs,
      bucketPerAccountRegion: options.bucket,
      targetConcurrency: TARGET_CONCURRENCY,
      wallMs,
      shareOfLambdaLimit: Math.round((wallMs / LAMBDA_TIMEOUT_MS) * 1000) / 1000,
      planned: { ...counts, errors: fleet.errors.length },
      apiCalls: calls.filter((c) => c.status === 200).length,
      minApiCalls,
      assumeRoleCalls: calls.filter((c) => c.operation === 'AssumeRole').length,
      failedCalls: fleet.errors.length,
      errorAnswers: calls.filter((c) => c.status >= 400 || c.status === 0).length,
      peakMemoryMb: Math.round(peak / 2 ** 20),
    };
    log(
      `fleet scale: ${result.nodegroups.toLocaleString('en-US')} node groups in ${(wallMs / 1000).toFixed(1)} s (${(result.shareOfLambdaLimit * 100).toFixed(1)}% of a 15-minute Lambda), ${result.apiCalls.toLocaleString('en-US')} calls (minimum ${minApiCalls.toLocaleString('en-US')}), ${result.assumeRoleCalls} AssumeRole, ${result.errorAnswers} throttled answers, ${result.failedCalls} failed`,
    );
    return result;
  } finally {
    clearInterval(sample);
    clients.destroy();
    await sb.close();
  }
}

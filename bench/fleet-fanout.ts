/**
 * Benchmark 6: the durable fleet scan (issue 20 §4). Above `rollout.fanOutAboveTargets` targets the
 * scan hands the fleet to the durable fleet scan (functions/lib/fleet-scan.ts): one invocation of
 * the inspect function per (account, region), `rollout.fanOutConcurrency` at once, then the plan,
 * summary and starts over the merged inspections. The real `createFleetScan` runs under the durable
 * SDK's local runner (its queue-based scheduler), each chained invoke a registered function calling the real
 * `inspectOneTarget` with a fresh client set (a fresh Lambda environment: one AssumeRole per
 * target), against the sandbox in its own process with latency and AWS-like buckets per account
 * and region, as in section 5.
 */

import {
  createApprovalStore,
  createClients,
  createLedger,
  createLedgerTable,
  createPausePort,
  createRecallStore,
  createReleaseHistoryReader,
  createScanMarks,
  createTargetClientCache,
  type InspectFleetResult,
  inspectTarget,
  inspectTargets,
  rolesOf,
} from '@nodekeeper/aws';
import {
  decodeInspection,
  type EncodedInspection,
  INSPECTION_RESULT_MAX_BYTES,
} from '@nodekeeper/aws/lambda';
import { type Config, fleetTargets, parseConfig } from '@nodekeeper/core/config';
import {
  type InspectionTarget,
  inspectionTargetKey,
  type PlanItem,
  type PlannedFleet,
  planFleet,
} from '@nodekeeper/core/plan';
import type { WorkflowStarter } from '@nodekeeper/core/rollout';
import type { FaultRule } from '@nodekeeper/sandbox';
import type { Context } from 'aws-lambda';
import { targetClientsFor } from '../functions/lib/deps.ts';
import { createFleetScan, fansOut, inspectOneTarget } from '../functions/lib/fleet-scan.ts';
import { logger as functionsLogger } from '../functions/lib/logger.ts';
import { type ScanDeps, type ScanResult, scanPlanPorts } from '../functions/lib/scan.ts';
import { minimalInspectionCalls } from '../test/fixtures/large-fleet.ts';
import {
  LocalDurableTestRunner,
  setupQueuedDurableEnvironment,
  withDurableExecutionForTesting,
} from '../test/support/durable-testing.ts';
import { multiAccountFleet } from './fleet-scale.ts';
import { startSandboxProcess } from './sandbox-process.ts';

const credentials = { accessKeyId: 'AKIASANDBOXEXAMPLE', secretAccessKey: 'sandbox-secret' };
const HUB = '111122223333';
const INSPECT_FUNCTION = 'nodekeeper-inspect';
const LEDGER_TABLE = 'bench-fanout-ledger';
const PAUSE_PARAMETER = '/nodekeeper/paused';
/** The time the scan plans at (section 5 plans at the same). */
export const FANOUT_PLAN_AT = '2026-11-24T03:00:00Z';
/**
 * Invocation timeouts of the fleet scan and the inspect function as stacks/rollout.ts deploys them
 * (15 minutes, Lambda's maximum); test/infra/app.test.ts checks the rendered stack against these.
 */
export const FLEET_SCAN_INVOCATION_TIMEOUT_MS = 15 * 60 * 1000;
export const INSPECT_TIMEOUT_MS = 15 * 60 * 1000;
/** The goal: no invocation uses more than this share of its timeout. */
export const INVOCATION_SHARE_GOAL = 0.5;

export interface FleetFanoutOptions {
  accounts: number;
  regions: string[];
  clustersPerTarget: number;
  nodegroupsPerCluster: number;
  latencyMs: number;
  /** Per account and region, for each of EKS, EC2 and SSM (as section 5). */
  bucket: { burst: number; ratePerSecond: number };
  /** rollout.fanOutAboveTargets; absent: the config's default. */
  fanOutAboveTargets?: number;
  /**
   * Also inspects the fleet in one process (`inspectTargets`, the single-invocation path) and
   * compares every plan item: doubles the run, so for the quick size.
   */
  compareWithSingleInvocation: boolean;
}

export interface InvocationFigures {
  invocations: number;
  longestMs: number;
  timeoutMs: number;
  /** longestMs ÷ timeoutMs. */
  shareOfTimeout: number;
}

export interface FleetFanoutResults {
  accounts: number;
  regions: number;
  targets: number;
  clusters: number;
  nodegroups: number;
  latencyMs: number;
  bucketPerAccountRegion: { burst: number; ratePerSecond: number };
  fanOutAboveTargets: number;
  fanOutConcurrency: number;
  /** `fansOut(config)`: the deployed scan would hand this fleet to the durable fleet scan. */
  fansOut: boolean;
  /** The schedule fire's time, which the scan plans at. */
  planAt: string;
  /** Status of the durable execution. */
  status: string;
  /** The whole durable execution, from the runner's start to the fleet scan's result. */
  wallMs: number;
  fleetScan: InvocationFigures & {
    /** Invocations the runner recorded (execution.getInvocations()); equals `invocations`. */
    runnerInvocations: number;
    /** The invocation that planned and started (the last one). */
    finalInvocationMs: number;
    /** heapUsed when the final invocation began, and its peak during it (sampled every 50 ms). */
    finalInvocationHeapMb: { atStart: number; peak: number };
    durableOperations: number;
  };
  inspect: InvocationFigures & {
    failed: number;
    medianMs: number;
    /** The largest result (the JSON the invoke returns), against the durable operation limit. */
    largestResultBytes: number;
    resultLimitBytes: number;
    totalResultBytes: number;
    /** Uncompressed JSON of all inspections together. */
    totalJsonBytes: number;
  };
  apiCalls: {
    /** Inspection calls answered 200 (spoke calls and the hub's AssumeRole). */
    inspection: number;
    /** Per target: its minimalInspectionCalls + 1 GetCallerIdentity + 1 AssumeRole. */
    minimum: number;
    byOperation: Record<string, number>;
    minimumByOperation: Record<string, number>;
    assumeRole: number;
    /** The scan program's own calls in the hub (ledger, approvals, recalls, pause, scan mark). */
    program: Record<string, number>;
    /** Inspection answers with an error status (throttles), retried by the SDK. */
    throttledAnswers: number;
  };
  planned: { roll: number; current: number; skip: number; errors: number };
  rolloutsStarted: number;
  /** The bench process: sandbox clients, every inspect invocation and the fleet scan (upper bound). */
  peakRssMb: number;
  /** Same fleet through the single-invocation path (inspectTargets + planFleet); null when not run. */
  singleInvocation: {
    items: number;
    differingItems: number;
    identical: boolean;
    /** The fleet scan's own counts equal the single plan's. */
    countsEqual: boolean;
  } | null;
  /** One invocation for this fleet at section 5's measured rate (extrapolated; set by run.ts). */
  singleInvocationExtrapolated?: {
    fromNodegroups: number;
    fromWallMs: number;
    msPerNodegroup: number;
    extrapolatedMs: number;
    shareOfLambdaLimit: number;
  } | null;
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/**
 * A nodekeeper schedule Input as Scheduler delivers it: stacks/schedule.ts SCHEDULE_INPUT with its
 * keywords replaced (stacks/ needs SST's globals, so it is not imported here).
 */
function scheduleFire(): unknown {
  return {
    source: 'nodekeeper.schedule',
    scheduleArn: `arn:aws:scheduler:us-east-1:${HUB}:schedule/default/nodekeeper-rollouts`,
    scheduledTime: FANOUT_PLAN_AT,
    executionId: 'bench-fanout-execution-1',
    attemptNumber: '1',
  };
}

/** Counts what the scan starts; runs no workflow. */
function countingStarter(): WorkflowStarter & { started: string[] } {
  const started: string[] = [];
  return {
    started,
    async start(input) {
      started.push(input.executionName);
      return { kind: 'started' };
    },
  };
}

function itemKey(i: Pick<PlanItem, 'accountId' | 'region' | 'cluster' | 'nodegroup'>): string {
  return `${i.accountId}/${i.region}/${i.cluster}/${i.nodegroup}`;
}

function add(into: Record<string, number>, key: string, n = 1): void {
  into[key] = (into[key] ?? 0) + n;
}

export async function runFleetFanoutBench(
  options: FleetFanoutOptions,
  log: (line: string) => void,
): Promise<FleetFanoutResults> {
  const { partitions, hub, targets: targetConfigs, nodegroups, homeRegion } = multiAccountFleet(options);
  const minimumByOperation: Record<string, number> = {};
  for (const p of partitions) {
    for (const [op, n] of Object.entries(minimalInspectionCalls(p))) add(minimumByOperation, op, n);
  }
  // Each inspect invocation is a fresh Lambda environment: its own reachability check and AssumeRole.
  add(minimumByOperation, 'GetCallerIdentity', partitions.length);
  add(minimumByOperation, 'AssumeRole', partitions.length);
  const minimum = Object.values(minimumByOperation).reduce((a, b) => a + b, 0);
  const config: Config = parseConfig({
    regions: [homeRegion],
    targets: targetConfigs,
    ...(options.fanOutAboveTargets === undefined
      ? {}
      : { rollout: { fanOutAboveTargets: options.fanOutAboveTargets } }),
  });
  const targets = fleetTargets(config);
  if (!fansOut(config)) {
    throw new Error(
      `${targets.length} targets do not exceed rollout.fanOutAboveTargets (${config.rollout.fanOutAboveTargets}): the scan would not fan out`,
    );
  }
  log(
    `fleet fan-out: ${options.accounts} accounts × ${options.regions.length} regions × ${options.clustersPerTarget} clusters × ${options.nodegroupsPerCluster} node groups = ${nodegroups.toLocaleString('en-US')} node groups, ${targets.length} targets (fans out above ${config.rollout.fanOutAboveTargets}, ${config.rollout.fanOutConcurrency} at once)`,
  );

  const sb = await startSandboxProcess(hub);
  const previousLogLevel = functionsLogger.getLevelName();
  // 500 'target inspected' lines would bury the bench's own output.
  functionsLogger.setLogLevel('SILENT');
  let peakRss = 0;
  let heap: { atStart: number; peak: number } | null = null;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    if (heap) heap.peak = Math.max(heap.peak, m.heapUsed);
  };
  const sampler = setInterval(sample, 50);
  const home = createClients({ region: homeRegion, endpoint: sb.endpoint, credentials });
  // The runner's queue-based scheduler on real timers: with its default scheduler it drops the
  // wake-up of a chained invoke that completes while an invocation of the fleet scan is running
  // (test/support/durable-testing.ts).
  await setupQueuedDurableEnvironment();
  try {
    await createLedgerTable(home.dynamodb, LEDGER_TABLE);
    const portsCommon = {
      pause: createPausePort(home.ssm, PAUSE_PARAMETER),
      ledger: createLedger(home.dynamodb, { tableName: LEDGER_TABLE }),
      approvals: createApprovalStore(home.dynamodb, { tableName: LEDGER_TABLE }),
      recalls: createRecallStore(home.dynamodb, { tableName: LEDGER_TABLE }),
    };
    const starter = countingStarter();
    const scanDeps: Omit<ScanDeps, 'inspect'> = {
      config,
      ...portsCommon,
      starter,
      notifier: null,
      stage: 'bench',
      now: () => new Date(FANOUT_PLAN_AT),
      marks: createScanMarks(home.dynamodb, { tableName: LEDGER_TABLE }),
    };

    // The inspect function: a fresh environment per invocation (its own clients, destroyed after).
    const inspectMs: number[] = [];
    let inspectFailed = 0;
    const resultBytes: number[] = [];
    let totalJsonBytes = 0;
    const inspectHandler = async (event: unknown): Promise<EncodedInspection> => {
      const started = performance.now();
      const clients = targetClientsFor(config, { homeRegion, endpoint: sb.endpoint, credentials });
      try {
        const encoded = await inspectOneTarget(event, {
          config,
          inspect: (target) =>
            inspectTarget(clients, target, {
              logger: functionsLogger,
              releaseHistories: createReleaseHistoryReader(),
            }),
        });
        resultBytes.push(Buffer.byteLength(JSON.stringify(encoded)));
        totalJsonBytes += encoded.jsonBytes;
        return encoded;
      } catch (error) {
        inspectFailed += 1;
        throw error;
      } finally {
        inspectMs.push(performance.now() - started);
        clients.destroy();
      }
    };

    // The fleet scan's Lambda handler; each call is one invocation of the fleet scan function.
    const invocationMs: number[] = [];
    const body = createFleetScan(() => ({
      scan: scanDeps,
      inspectFunction: INSPECT_FUNCTION,
      now: () => new Date(FANOUT_PLAN_AT),
    }));
    const durableHandler = withDurableExecutionForTesting(body);
    const handlerFunction = (async (event: unknown, context: Context) => {
      const started = performance.now();
      heap = { atStart: process.memoryUsage().heapUsed, peak: 0 };
      sample();
      try {
        return await durableHandler(event as Parameters<typeof durableHandler>[0], context);
      } finally {
        sample();
        invocationMs.push(performance.now() - started);
      }
    }) as typeof durableHandler;
    const runner = new LocalDurableTestRunner<ScanResult>({ handlerFunction });
    runner.registerFunction(INSPECT_FUNCTION, inspectHandler);

    await sb.setFaults([
      { service: '*', latencyMs: options.latencyMs },
      ...(['eks', 'ec2', 'ssm'] as const).map(
        (service): FaultRule => ({ service, throttle: { ...options.bucket, per: 'account-region' } }),
      ),
    ]);
    await sb.resetCalls();
    const started = performance.now();
    const execution = await runner.run({ payload: scheduleFire() });
    const wallMs = Math.round(performance.now() - started);
    const finalHeap = heap as { atStart: number; peak: number } | null;
    heap = null;
    const status = String(execution.getStatus());
    if (status !== 'SUCCEEDED') {
      throw new Error(`the fleet scan ended ${status}: ${JSON.stringify(execution.getError())}`);
    }
    const result = execution.getResult() as ScanResult;
    const calls = await sb.calls();

    const byOperation: Record<string, number> = {};
    const program: Record<string, number> = {};
    let throttledAnswers = 0;
    for (const c of calls) {
      if (c.accountId === HUB && c.service !== 'sts') {
        // The pause flag's GetParameter answers 400 ParameterNotFound (not paused): counted as made.
        add(program, `${c.service}:${c.operation}${c.status === 200 ? '' : ` (${c.status})`}`);
      } else if (c.status === 200) add(byOperation, c.operation);
      else throttledAnswers += 1;
    }
    const inspection = Object.values(byOperation).reduce((a, b) => a + b, 0);

    // What the fleet scan received: each chained invoke's checkpointed result, decoded as it does.
    const operations = execution.getOperations();
    const received = new Map<string, InspectFleetResult>();
    for (const op of operations) {
      if (String(op.getType()) !== 'CHAINED_INVOKE') continue;
      const name = op.getName() ?? '';
      const value = op.getChainedInvokeDetails()?.result;
      if (value !== undefined) received.set(name.replace(/^inspect /, ''), decodeInspection(value));
    }
    const planWith = (results: Map<string, InspectFleetResult>): Promise<PlannedFleet> =>
      planFleet(
        scanPlanPorts({
          ...portsCommon,
          inspect: async (target: InspectionTarget) => {
            const r = results.get(inspectionTargetKey(target));
            if (!r) throw new Error(`no inspection of ${inspectionTargetKey(target)}`);
            return r;
          },
        }),
        { config, now: new Date(FANOUT_PLAN_AT) },
      );
    const fanned = await planWith(received);
    const errors = fanned.fleet.errors.length;

    let singleInvocation: FleetFanoutResults['singleInvocation'] = null;
    if (options.compareWithSingleInvocation) {
      const clients = createTargetClientCache({
        endpoint: sb.endpoint,
        credentials,
        homeRegion,
        roles: rolesOf(targets),
      });
      try {
        const results = await inspectTargets(clients, targets, { logger: functionsLogger });
        const single = await planWith(
          new Map(targets.map((t, i) => [inspectionTargetKey(t), results[i] as InspectFleetResult])),
        );
        const mine = new Map(fanned.plan.items.map((i) => [itemKey(i), JSON.stringify(i)]));
        const differing = single.plan.items.filter((i) => mine.get(itemKey(i)) !== JSON.stringify(i)).length;
        const extra = fanned.plan.items.length - single.plan.items.length;
        const counts = { roll: 0, current: 0, skip: 0 };
        for (const i of single.plan.items) counts[i.decision] += 1;
        singleInvocation = {
          items: single.plan.items.length,
          differingItems: differing + Math.abs(extra),
          identical: differing === 0 && extra === 0,
          countsEqual: JSON.stringify(counts) === JSON.stringify(result.counts),
        };
      } finally {
        clients.destroy();
      }
    }

    const sortedInspect = [...inspectMs].sort((a, b) => a - b);
    const longestInspect = sortedInspect.at(-1) ?? 0;
    const longestScan = Math.max(0, ...invocationMs);
    const out: FleetFanoutResults = {
      accounts: options.accounts,
      regions: options.regions.length,
      targets: targets.length,
      clusters: options.accounts * options.regions.length * options.clustersPerTarget,
      nodegroups: fanned.fleet.nodegroups.length,
      latencyMs: options.latencyMs,
      bucketPerAccountRegion: options.bucket,
      fanOutAboveTargets: config.rollout.fanOutAboveTargets,
      fanOutConcurrency: config.rollout.fanOutConcurrency,
      fansOut: fansOut(config),
      planAt: FANOUT_PLAN_AT,
      status,
      wallMs,
      fleetScan: {
        invocations: invocationMs.length,
        runnerInvocations: execution.getInvocations().length,
        longestMs: Math.round(longestScan),
        timeoutMs: FLEET_SCAN_INVOCATION_TIMEOUT_MS,
        shareOfTimeout: Math.round((longestScan / FLEET_SCAN_INVOCATION_TIMEOUT_MS) * 10000) / 10000,
        finalInvocationMs: Math.round(invocationMs.at(-1) ?? 0),
        finalInvocationHeapMb: {
          atStart: mb(finalHeap?.atStart ?? 0),
          peak: mb(finalHeap?.peak ?? 0),
        },
        durableOperations: operations.length,
      },
      inspect: {
        invocations: inspectMs.length,
        failed: inspectFailed,
        longestMs: Math.round(longestInspect),
        medianMs: Math.round(sortedInspect[Math.floor(sortedInspect.length / 2)] ?? 0),
        timeoutMs: INSPECT_TIMEOUT_MS,
        shareOfTimeout: Math.round((longestInspect / INSPECT_TIMEOUT_MS) * 10000) / 10000,
        largestResultBytes: Math.max(0, ...resultBytes),
        resultLimitBytes: INSPECTION_RESULT_MAX_BYTES,
        totalResultBytes: resultBytes.reduce((a, b) => a + b, 0),
        totalJsonBytes,
      },
      apiCalls: {
        inspection,
        minimum,
        byOperation,
        minimumByOperation,
        assumeRole: byOperation.AssumeRole ?? 0,
        program,
        throttledAnswers,
      },
      planned: { ...result.counts, errors },
      rolloutsStarted: result.starts.filter((s) => s.result === 'started').length,
      peakRssMb: mb(peakRss),
      singleInvocation,
    };
    log(
      `fleet fan-out: ${out.nodegroups.toLocaleString('en-US')} node groups in ${(wallMs / 1000).toFixed(1)} s; fleet scan ${out.fleetScan.invocations} invocations (longest ${out.fleetScan.longestMs} ms, ${(out.fleetScan.shareOfTimeout * 100).toFixed(2)}% of 15 min), inspect ${out.inspect.invocations} invocations (longest ${out.inspect.longestMs} ms, ${(out.inspect.shareOfTimeout * 100).toFixed(2)}%); ${inspection.toLocaleString('en-US')} inspection calls (minimum ${minimum.toLocaleString('en-US')}), ${throttledAnswers} throttled answers, ${errors} errors, ${out.rolloutsStarted} started; peak RSS ${out.peakRssMb} MB, final invocation heap ${out.fleetScan.finalInvocationHeapMb.peak} MB`,
    );
    return out;
  } finally {
    clearInterval(sampler);
    functionsLogger.setLogLevel(previousLogLevel);
    await LocalDurableTestRunner.teardownTestEnvironment();
    home.destroy();
    await sb.close();
  }
}

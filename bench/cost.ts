/**
 * Benchmark 4: monthly AWS cost of a weekly schedule for 1,000 node groups, from the measured scan
 * duration, rollout invocations, durable operations and ledger calls. Prices: us-east-1, arm64.
 */
import type { CompletionResults } from './completion.ts';
import type { ScanResults } from './scan.ts';
import { round } from './scan.ts';

/** Prices assumed (USD, us-east-1) and the public pages they come from. */
export const PRICES = {
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequestsPerMillion: 0.2,
  durableOperationsPerMillion: 8.0,
  dynamodbWriteRequestUnitsPerMillion: 0.625,
  dynamodbReadRequestUnitsPerMillion: 0.125,
  schedulerInvocationsPerMillion: 1.0,
  schedulerFreeInvocationsPerMonth: 14_000_000,
  sources: [
    "AWS Lambda pricing (aws.amazon.com/lambda/pricing/): requests $0.20/M; arm64 duration $0.0000133334/GB-s (first tier); durable functions operations $8.00/M (the page's worked example); durable data written/retained not modelled (kilobytes per rollout).",
    'Amazon DynamoDB on-demand pricing (aws.amazon.com/dynamodb/pricing/on-demand/): $0.625/M write request units, $0.125/M read request units (us-east-1, since the Nov 2024 reduction).',
    'Amazon EventBridge pricing (aws.amazon.com/eventbridge/pricing/), Scheduler: first 14 M scheduled invocations a month free, then $1.00/M (us-east-1).',
  ],
} as const;

export interface CostResults {
  assumptions: {
    nodegroups: number;
    scansPerMonth: number;
    rolloutsPerMonth: number;
    scanMemoryGb: number;
    workflowMemoryGb: number;
    scanSeconds: number;
    rolloutInvocationSeconds: number;
    rolloutInvocations: number;
    billedOperationsPerRollout: number;
    dynamodbWritesPerRollout: number;
    dynamodbReadsPerRollout: number;
    freeTierIgnored: true;
  };
  monthlyUsd: {
    lambdaCompute: number;
    lambdaRequests: number;
    durableOperations: number;
    dynamodb: number;
    scheduler: number;
    total: number;
  };
  prices: typeof PRICES;
}

/**
 * Worst case: every node group rolls every week. The scan takes the throttled wall time scaled to
 * 1,000 node groups; a rollout costs what the ~17 min update of the completion bench measured.
 * Lambda's and DynamoDB's free tiers are ignored (Scheduler's is applied: it is per account and large).
 */
export function costModel(scan: ScanResults | null, completion: CompletionResults | null): CostResults {
  const nodegroups = 1000;
  const scansPerMonth = 52 / 12;
  const rolloutsPerMonth = nodegroups * scansPerMonth;
  const scanSeconds = scan ? (scan.throttled.wallMs / 1000) * (nodegroups / scan.nodegroups) : 60;
  // The typical rollout: the completion run closest to 20 minutes.
  const typical =
    completion?.rollouts.reduce((best, r) =>
      Math.abs(r.updateSeconds - 1200) < Math.abs(best.updateSeconds - 1200) ? r : best,
    ) ?? null;
  const polls = typical?.polls ?? 6;
  // In Lambda every wait ends the invocation: one invocation per poll (the first shares the start's).
  const rolloutInvocations = Math.max(typical?.invocations ?? 0, polls);
  const rolloutInvocationSeconds = Math.max(0.2, (typical?.invocationMs ?? 1000) / 1000);
  const billedOperationsPerRollout = typical?.billedOperationsEstimate ?? 12;
  const writes = typical?.dynamodbWrites ?? 4;
  const readsPerRollout = typical?.dynamodbReads ?? 2;
  const scanMemoryGb = 1;
  const workflowMemoryGb = 0.5;

  const gbSeconds =
    scansPerMonth * scanSeconds * scanMemoryGb +
    rolloutsPerMonth * rolloutInvocationSeconds * workflowMemoryGb;
  const requests = scansPerMonth + rolloutsPerMonth * rolloutInvocations;
  const lambdaCompute = gbSeconds * PRICES.lambdaArmGbSecond;
  const lambdaRequests = (requests / 1e6) * PRICES.lambdaRequestsPerMillion;
  const durableOperations =
    ((rolloutsPerMonth * billedOperationsPerRollout) / 1e6) * PRICES.durableOperationsPerMillion;
  const dynamodb =
    ((rolloutsPerMonth * writes) / 1e6) * PRICES.dynamodbWriteRequestUnitsPerMillion +
    ((rolloutsPerMonth * readsPerRollout) / 1e6) * PRICES.dynamodbReadRequestUnitsPerMillion;
  const scheduler =
    (Math.max(0, scansPerMonth - PRICES.schedulerFreeInvocationsPerMonth) / 1e6) *
    PRICES.schedulerInvocationsPerMillion;
  const total = lambdaCompute + lambdaRequests + durableOperations + dynamodb + scheduler;
  const r4 = (n: number) => round(n, 4);
  return {
    assumptions: {
      nodegroups,
      scansPerMonth: round(scansPerMonth),
      rolloutsPerMonth: Math.round(rolloutsPerMonth),
      scanMemoryGb,
      workflowMemoryGb,
      scanSeconds: round(scanSeconds, 1),
      rolloutInvocationSeconds: round(rolloutInvocationSeconds),
      rolloutInvocations,
      billedOperationsPerRollout,
      dynamodbWritesPerRollout: writes,
      dynamodbReadsPerRollout: readsPerRollout,
      freeTierIgnored: true,
    },
    monthlyUsd: {
      lambdaCompute: r4(lambdaCompute),
      lambdaRequests: r4(lambdaRequests),
      durableOperations: r4(durableOperations),
      dynamodb: r4(dynamodb),
      scheduler: r4(scheduler),
      total: r4(total),
    },
    prices: PRICES,
  };
}

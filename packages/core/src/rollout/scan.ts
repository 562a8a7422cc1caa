import type { PlanItem } from '../types/plan.ts';
import type { WavePolicy } from '../types/policy.ts';
import { nextAttempt } from './attempt.ts';
import { executionName, rolloutKey } from './key.ts';
import { rolloutRequestFromPlanItem } from './request.ts';
import { MAX_RETENTION_USERS } from './retire.ts';
import type { NodegroupRef, RolloutRecord, RolloutRequest } from './types.ts';

/**
 * Starts one rollout workflow per execution name. Implementations must treat an execution that
 * already exists under the name as success (`already-started`) and start nothing new.
 */
export interface WorkflowStarter {
  start(input: {
    executionName: string;
    request: RolloutRequest;
  }): Promise<{ kind: 'started' | 'already-started' }>;
}

export type ScanStartResult =
  | { kind: 'started' | 'already-started'; executionName: string; key: string; request: RolloutRequest }
  | { kind: 'error'; executionName: string; key: string; request: RolloutRequest; message: string };

/**
 * The rollout request for a `roll` plan item, numbered with the attempt the ledger calls for
 * ({@link nextAttempt}): an attempt that ended "not now" (paused, node group busy or changed, AWS
 * unreachable before the start) is followed by a fresh one. Pure.
 */
export function requestWithAttempt(
  item: PlanItem,
  launchTemplate: { id: string; version: string } | null,
  context: RequestContext = {},
): RolloutRequest | null {
  const wave = context.waves?.find((w) => w.name === item.wave);
  const first = rolloutRequestFromPlanItem(item, launchTemplate, 1, wave?.forceOnPodEvictionFailure === true);
  if (first === null) return null;
  const family = context.familyOf?.(item) ?? null;
  if (family !== null) first.family = family;
  const history = context.history ?? new Map();
  const attempt = nextAttempt(history, first, (record) => context.forgiven?.(item, record) ?? false);
  const request = attempt === 1 ? first : { ...first, attempt };
  // Only a rollout the ledger has not seen yet belongs to this run; the others run (or ran) in
  // an earlier one, and starting them again is a no-op.
  if (context.runId !== undefined && !history.has(rolloutKey(request))) request.runId = context.runId;
  const retention = context.versionRetention;
  if (retention !== undefined && request.strategy === 'launch-template' && request.launchTemplate !== null) {
    const users = retention.usersOf({
      accountId: request.accountId,
      region: request.region,
      id: request.launchTemplate.id,
    });
    // A template with more users than a request can carry keeps all its versions.
    if (users.length <= MAX_RETENTION_USERS) request.versionRetention = { keep: retention.keep, users };
  }
  return request;
}

/** What turns plan items into rollout requests besides the plan: the ledger and the waves. */
export interface RequestContext {
  /** Ledger records by rollout key (attempt numbering); none: every request is attempt 1. */
  history?: ReadonlyMap<string, RolloutRecord>;
  /** The policy's waves (`forceOnPodEvictionFailure` travels with each request). */
  waves?: ReadonlyArray<Pick<WavePolicy, 'name' | 'forceOnPodEvictionFailure'>>;
  /** The release line of an item's target (the guard matches recalls by it); absent or null: unknown. */
  familyOf?: (item: PlanItem) => string | null;
  /**
   * True when an operator forgave this failed record of `item`'s node group (an approval of its
   * release for the wave, or a retry, after the failure): the next attempt starts. Absent: never.
   */
  forgiven?: (item: PlanItem, record: RolloutRecord) => boolean;
  /** The run starting these rollouts; stamped on each request new to the ledger. */
  runId?: string;
  /**
   * Launch-template requests retire nodekeeper's old versions after success: keep this many, and
   * `usersOf` names every node group of the inspected fleet referencing a template
   * (`launchTemplateUsersLookup`). Absent: no version is ever retired.
   */
  versionRetention?: {
    keep: number;
    usersOf: (template: { accountId: string | null; region: string; id: string }) => NodegroupRef[];
  };
}

/** Rollout workflows a scan starts at once by default (`rollout.startConcurrency`). */
export const START_CONCURRENCY = 10;

/**
 * Starts one workflow per request, named by {@link executionName} in `stage`, so the same request
 * started twice (a duplicate event, two concurrent scans) starts its rollout once. At most
 * `concurrency` starts are in flight at once (each is a Lambda call); results come in request
 * order. Failures to start one request are reported per request and do not stop the others.
 */
export async function startRollouts(
  requests: readonly RolloutRequest[],
  starter: WorkflowStarter,
  stage: string,
  concurrency: number = START_CONCURRENCY,
): Promise<ScanStartResult[]> {
  const startOne = async (request: RolloutRequest): Promise<ScanStartResult> => {
    const name = executionName(request, stage);
    const key = rolloutKey(request);
    try {
      const started = await starter.start({ executionName: name, request });
      return { kind: started.kind, executionName: name, key, request };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { kind: 'error', executionName: name, key, request, message };
    }
  };
  const results: ScanStartResult[] = new Array(requests.length);
  let next = 0;
  // A fixed pool of workers, each taking the next request as its previous start returns.
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const index = next++;
      const request = requests[index];
      if (request !== undefined) results[index] = await startOne(request);
    }
  };
  const workers = Math.min(requests.length, Math.max(1, Math.floor(concurrency) || 1));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

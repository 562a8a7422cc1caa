import type { DurableContext } from '@aws/durable-execution-sdk-js';
import type { InspectFleetResult } from '@nodekeeper/aws/inspect';
import {
  decodeInspection,
  type EncodedInspection,
  encodeInspection,
  INSPECTION_RESULT_MAX_BYTES,
  InspectionTooLargeError,
  resultBudget,
} from '@nodekeeper/aws/lambda';
import { ValidationError } from '@nodekeeper/core';
import { type Config, fleetTargets } from '@nodekeeper/core/config';
import {
  type InspectionTarget,
  inspectionTargetKey,
  inspectionTargets,
  targetError,
} from '@nodekeeper/core/plan';
import { continuationCovered } from '@nodekeeper/core/rollout';
import * as z from 'zod';
import { logger } from './logger.ts';
import { parseScanEvent, runScan, type ScanDeps, type ScanEvent, type ScanResult } from './scan.ts';

/** Whether the deployed scan hands this config's fleet to the durable fleet scan. Pure. */
export function fansOut(config: Config): boolean {
  return fleetTargets(config).length > config.rollout.fanOutAboveTargets;
}

/**
 * The fleet scan's execution name for a scan event: a redelivered event (or a second hand-over of
 * it) names the same execution, which Lambda starts once. `fleet_<readable>_<hash>`, 1–64
 * characters of `[a-zA-Z0-9_-]` (Lambda's DurableExecutionName). Pure.
 */
export function fleetScanExecutionName(eventId: string, stage: string, hash: (s: string) => string): string {
  const readable = `${stage}_${eventId}`.replace(/[^a-zA-Z0-9-]+/g, '-').slice(0, 30);
  return `fleet_${readable}_${hash(`${stage}\u0000${eventId}`).slice(0, 24)}`.slice(0, 64);
}

/** The inspect function's event: one target of the deployment's config, as of the plan's time. */
const inspectEventSchema = z.strictObject({
  accountId: z
    .string()
    .regex(/^\d{12}$/, 'expected a 12-digit account ID')
    .nullable(),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region name'),
  now: z.iso.datetime({ offset: true }),
  /** Bytes this target's result may take (the fleet scan's share of the execution's storage). */
  maxBytes: z.int().min(1024).max(INSPECTION_RESULT_MAX_BYTES).default(INSPECTION_RESULT_MAX_BYTES),
});
export type InspectEvent = z.output<typeof inspectEventSchema>;

/**
 * Inspects the one target an inspect event names, with the rules of the deployment's own config
 * (never a role or cluster list from the event), and returns it compressed for the fleet scan. A
 * target whose inspection does not fit one result comes back as an `error` item saying so. Throws
 * ValidationError for an event that is not an inspect event or names no target of the config.
 */
export async function inspectOneTarget(
  event: unknown,
  deps: { config: Config; inspect: (target: InspectionTarget) => Promise<InspectFleetResult> },
): Promise<EncodedInspection> {
  const parsed = inspectEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new ValidationError(
      'unsupported inspect event (expected {accountId, region, now} from the fleet scan)',
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const { accountId, region, now, maxBytes } = parsed.data;
  const key = inspectionTargetKey({ accountId, region });
  const target = inspectionTargets(deps.config, new Date(now)).find((t) => inspectionTargetKey(t) === key);
  if (!target) throw new ValidationError(`target ${key} is not in this deployment's config`);
  const started = performance.now();
  const result = await deps.inspect(target);
  try {
    const encoded = encodeInspection(result, maxBytes);
    logger.info('target inspected', {
      target: key,
      nodegroups: result.fleet.nodegroups.length,
      errors: result.fleet.errors.length,
      jsonBytes: encoded.jsonBytes,
      resultBytes: encoded.data.length,
      ms: Math.round(performance.now() - started),
    });
    return encoded;
  } catch (error) {
    if (!(error instanceof InspectionTooLargeError)) throw error;
    logger.error('target inspection too large for one result', { target: key, error: error.message });
    return encodeInspection(targetError(target, error.message));
  }
}

export interface FleetScanDeps {
  /** Every scan dependency but `inspect`: the inspections come from the inspect invocations. */
  scan: Omit<ScanDeps, 'inspect'>;
  /** Name or ARN of the inspect function. */
  inspectFunction: string;
  /** The clock of the plan's time for a continuation (and of the scan mark). */
  now: () => Date;
}

/**
 * Most targets one fleet scan inspects: each is one chained-invoke operation, and Lambda records
 * at most 3,000 operations per durable execution (Lambda Developer Guide, "Monitoring durable
 * functions", DurableExecutionOperations); the rest is margin for the fleet scan's own steps.
 */
export const FLEET_SCAN_MAX_TARGETS = 2_900;

/** Throws ValidationError when one fleet scan cannot inspect `targets` targets. */
export function assertFleetScanSize(targets: number): void {
  if (targets > FLEET_SCAN_MAX_TARGETS) {
    throw new ValidationError(
      `${targets} (account, region) targets are more than one fleet scan inspects (${FLEET_SCAN_MAX_TARGETS}: Lambda records at most 3,000 operations per durable execution); split the fleet across deployments`,
    );
  }
}

/**
 * The durable fleet scan: one inspect invocation per (account, region) target (`context.invoke`,
 * `rollout.fanOutConcurrency` in flight: this execution suspends without compute while they run),
 * then the scan program over their merged results in the invocation that resumes with the last of
 * them: plan, summary, starts, exactly as the scan. A target whose invocation failed becomes that
 * target's `error` item; the others plan.
 * The invokes are started in target order and awaited in that order (a new one starts as the
 * oldest in flight ends), so every replay creates the same operations in the same order; each
 * result is checkpointed once (a `context.map` item would checkpoint it a second time, in its
 * child context, against the execution's 100 MB of stored data).
 */
export function createFleetScan(getDeps: () => FleetScanDeps) {
  return async (event: unknown, ctx: DurableContext): Promise<ScanResult> => {
    const scan: ScanEvent = parseScanEvent(event);
    const deps = getDeps();
    const { config } = deps.scan;
    // Recorded once, so every replay inspects as of the same time and decides the same. A
    // continuation that a scan already covered (it began planning after the rollout that asked
    // ended) inspects nothing: the scan program returns `covered` from the recorded mark.
    const started = await ctx.step('inspection started', async () => ({
      at: deps.now().toISOString(),
      lastPlannedAt:
        'continuation' in scan && deps.scan.marks
          ? await deps.scan.marks.lastPlannedAt().catch(() => null)
          : null,
    }));
    if ('continuation' in scan && continuationCovered(scan.time, started.lastPlannedAt)) {
      return runScan(scan, {
        ...deps.scan,
        marks: { lastPlannedAt: async () => started.lastPlannedAt, markPlanned: async () => undefined },
        inspect: async (target) =>
          targetError(target, `target ${inspectionTargetKey(target)} was not inspected by this fleet scan`),
      });
    }
    const planNow = 'continuation' in scan ? new Date(started.at) : new Date(scan.time);
    const targets = inspectionTargets(config, planNow);
    assertFleetScanSize(targets.length);
    logger.info('fleet scan fanning out', { eventId: scan.id, targets: targets.length });
    // Every result is stored in the execution: together they must fit its 100 MB.
    const maxBytes = resultBudget(targets.length);
    const inFlight = new Array<Promise<EncodedInspection> | undefined>(targets.length);
    const invoke = (i: number) => {
      const target = targets[i] as InspectionTarget;
      const input: InspectEvent = {
        accountId: target.accountId,
        region: target.region,
        now: planNow.toISOString(),
        maxBytes,
      };
      const pending = ctx.invoke<InspectEvent, EncodedInspection>(
        `inspect ${inspectionTargetKey(target)}`,
        deps.inspectFunction,
        input,
      );
      // Awaited in order below; this keeps a failure from going unhandled meanwhile.
      pending.catch(() => undefined);
      inFlight[i] = pending;
    };
    const window = Math.min(config.rollout.fanOutConcurrency, targets.length);
    for (let i = 0; i < window; i++) invoke(i);
    // Results are decoded once, after the last: a replay that suspends on a pending one decodes none.
    const encoded = new Array<EncodedInspection | { failed: string }>(targets.length);
    for (let i = 0; i < targets.length; i++) {
      try {
        encoded[i] = await (inFlight[i] as Promise<EncodedInspection>);
      } catch (error) {
        // The invocation failed (its error, a timeout): this target is an error item.
        encoded[i] = { failed: error instanceof Error ? error.message : String(error) };
      }
      inFlight[i] = undefined;
      if (i + window < targets.length) invoke(i + window);
    }
    const inspections = new Map<string, InspectFleetResult>();
    targets.forEach((target, i) => {
      const key = inspectionTargetKey(target);
      const value = encoded[i];
      let failure = value && 'failed' in value ? value.failed : null;
      if (failure === null) {
        try {
          inspections.set(key, decodeInspection(value));
          return;
        } catch (error) {
          failure = error instanceof Error ? error.message : String(error);
        }
      }
      inspections.set(key, targetError(target, `inspection of ${key} failed: ${failure}`));
    });
    // The scan program marks when it begins planning (it reads the ledger then): a continuation
    // asked for during the inspections is covered by this plan, whose budgets count its outcome.
    return runScan(scan, {
      ...deps.scan,
      inspect: async (target) =>
        inspections.get(inspectionTargetKey(target)) ??
        targetError(target, `target ${inspectionTargetKey(target)} was not inspected by this fleet scan`),
    });
  };
}

import { randomUUID } from 'node:crypto';
import { type InspectFleetResult, isLedgerMissing } from '@nodekeeper/aws/inspect';
import { NodekeeperError, ValidationError } from '@nodekeeper/core';
import type { Config } from '@nodekeeper/core/config';
import {
  type Approval,
  type ClusterProgress,
  type InspectionTarget,
  type PlannedFleet,
  type PlanPorts,
  planFleet,
  type Recall,
} from '@nodekeeper/core/plan';
import {
  DEFAULT_STAGE,
  type LedgerPort,
  type PausePort,
  runScanProgram,
  type ScanMarkPort,
  type ScanObservation,
  type ScanStartResult,
  type WorkflowStarter,
} from '@nodekeeper/core/rollout';
import type { RunDeps } from '@nodekeeper/core/runs';
import { type Notifier, noticeFinderFrom } from '@nodekeeper/slack';
import * as z from 'zod';
import { logger } from './logger.ts';
import { emitScanMetrics, emitSlackFailure, metrics } from './metrics.ts';

const baseEvent = {
  version: z.string().optional(),
  id: z.string().min(1).max(128),
  account: z.string().optional(),
  time: z.iso.datetime({ offset: true }),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
};

/** `arn:<partition>:scheduler:<region>:<account>:schedule/<group>/<name>`. */
const SCHEDULE_ARN = /^arn:aws[a-z-]*:scheduler:[a-z0-9-]+:\d{12}:schedule\/[\w.-]+\/[\w.-]+$/;

/**
 * The Input of nodekeeper's schedule (stacks/schedule.ts `SCHEDULE_INPUT`) as Lambda receives it:
 * EventBridge Scheduler substitutes its context attributes into the Input and delivers it
 * verbatim, without an envelope.
 */
const scheduleInput = z.looseObject({
  source: z.literal('nodekeeper.schedule'),
  scheduleArn: z.string().max(1600).regex(SCHEDULE_ARN, 'expected an EventBridge Scheduler schedule ARN'),
  scheduledTime: z.iso.datetime({ offset: true }),
  // Unique per attempt (a retry has a new one): for logs only, never a key.
  executionId: z.string().min(1).max(128),
  attemptNumber: z.string().regex(/^[1-9][0-9]{0,3}$/, 'expected an attempt number'),
});

/** The envelope Scheduler sends when a schedule sets no Input (`detail` is the string "{}"). */
const schedulerEnvelope = z.looseObject({
  ...baseEvent,
  source: z.literal('aws.scheduler'),
  'detail-type': z.literal('Scheduled Event'),
  detail: z.union([z.string(), z.looseObject({})]).optional(),
});

/** A scheduled EventBridge rule (`aws.events`). */
const ruleScheduledEvent = z.looseObject({
  ...baseEvent,
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  detail: z.looseObject({}).optional(),
});

/**
 * A continuation scan, asked for by a rollout workflow that ended while its plan held node groups
 * back for the budget (packages/aws `createContinuationPort`).
 */
const continuationEvent = z.strictObject({
  source: z.literal('nodekeeper.continuation'),
  id: z.string().min(1).max(200),
  time: z.iso.datetime({ offset: true }),
  runId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be a run ID')
    .nullable(),
});

/** A change of one of the operator's own AMI parameters (golden AMI pipelines). */
const parameterChangeEvent = z.looseObject({
  ...baseEvent,
  source: z.literal('aws.ssm'),
  'detail-type': z.literal('Parameter Store Change'),
  detail: z.looseObject({ name: z.string().min(1).max(2048), operation: z.string().max(64) }),
});

/**
 * One fire of a schedule, the same on every delivery attempt: schedule ARN + scheduled time (the
 * execution ID and attempt number change per attempt). Pure.
 */
export function scheduleFireId(scheduleArn: string, scheduledTime: string): string {
  return `${scheduleArn}@${new Date(scheduledTime).toISOString()}`;
}

/** Every trigger the scan accepts, normalized to the fields the scan uses. */
export const scanEventSchema = z
  .discriminatedUnion('source', [
    scheduleInput,
    schedulerEnvelope,
    ruleScheduledEvent,
    parameterChangeEvent,
    continuationEvent,
  ])
  .transform((e) => {
    switch (e.source) {
      case 'nodekeeper.schedule':
        return {
          id: scheduleFireId(e.scheduleArn, e.scheduledTime),
          time: e.scheduledTime,
          source: 'aws.scheduler' as const,
          attempt: { executionId: e.executionId, number: Number(e.attemptNumber) },
        };
      case 'nodekeeper.continuation':
        return { id: e.id, time: e.time, source: e.source, continuation: { runId: e.runId } };
      case 'aws.scheduler': {
        // No documented per-fire ID in the envelope; the schedule and the event time are the fire.
        const arn = e.resources?.find((r) => SCHEDULE_ARN.test(r));
        return { id: arn ? scheduleFireId(arn, e.time) : e.id, time: e.time, source: e.source };
      }
      default:
        // A rule's or Parameter Store's event ID is the same on every delivery of that event.
        return { id: e.id, time: e.time, source: e.source };
    }
  });

/**
 * A trigger of the scan. `id` identifies the trigger across redeliveries: the plan summary, the
 * run (thread) and thereby the starts are keyed on it. `time` is when it happened; the scan plans
 * as of it.
 */
export type ScanEvent = z.output<typeof scanEventSchema>;

/** Validates the triggering event; throws ValidationError naming each bad field. */
export function parseScanEvent(event: unknown): ScanEvent {
  const parsed = scanEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new ValidationError(
      "unsupported scan event (expected nodekeeper's schedule Input, an EventBridge Scheduled Event, a Parameter Store Change or a continuation)",
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return parsed.data;
}

export interface ScanDeps {
  config: Config;
  /**
   * Inspects one (account, region) of the fleet (read-only; see inspectTarget). The target carries
   * the plan's age and follow rules for the inspector.
   */
  inspect: (
    target: InspectionTarget,
    onCluster?: (p: ClusterProgress) => void,
  ) => Promise<InspectFleetResult>;
  pause: PausePort;
  starter: WorkflowStarter;
  notifier: Notifier | null;
  /** Used to post each event's plan summary once, even when the event is delivered twice. */
  ledger: LedgerPort;
  /** Operator approvals (wave holds, breaker, requiresApproval); none when absent. */
  approvals?: { list(): Promise<Approval[]> };
  /** Active recalls (targets skipped as `recalled`, groups running them warned); none when absent. */
  recalls?: { list(): Promise<Recall[]> };
  /** Bot mode: runs in the ledger and Slack's chat.postMessage/chat.update (see runDepsFor). */
  runs?: RunDeps;
  /**
   * The deployment's stage (NODEKEEPER_STAGE), part of every durable execution name: Lambda names
   * executions per account and region, which stages may share. Default: `default`.
   */
  stage?: string;
  /**
   * The clock for what the scan records (notice claims) and for continuation plans; default: the
   * process clock. Scheduled plans use the event's time.
   */
  now?: () => Date;
  /**
   * Waits between reads of the ledger until the rollouts it started show there (the deployed
   * handler passes timers: scans never overlap, and the next one must count them). Absent: the
   * scan returns right after starting them.
   */
  sleep?: (ms: number) => Promise<void>;
  /** When scans began planning, so a burst of continuations inspects the fleet once (see ScanMarkPort). */
  marks?: ScanMarkPort;
}

export interface ScanResult {
  eventId: string;
  generatedAt: string;
  counts: { roll: number; current: number; skip: number };
  starts: Array<{
    cluster: string;
    nodegroup: string;
    executionName: string;
    result: ScanStartResult['kind'];
  }>;
  /** The run its new rollouts belong to (bot mode: one Slack thread), when any. */
  runId: string | null;
  /** A continuation an earlier scan already covered (it planned after the rollout ended): nothing ran. */
  covered?: true;
  /** Handed to the durable fleet scan (more targets than `rollout.fanOutAboveTargets`): it plans and starts. */
  fleetScan?: { executionName: string; result: 'started' | 'already-started' };
}

/**
 * The plan pipeline's ports from the scan's deps (core `planFleet`): no approvals or recalls store means none.
 * Shared by the scan and the slash command's `plan`.
 */
export function scanPlanPorts(
  deps: Pick<ScanDeps, 'inspect' | 'pause' | 'approvals' | 'recalls'> & {
    ledger: Pick<LedgerPort, 'listHistory'>;
  },
): PlanPorts {
  return {
    inspect: (target, onCluster) => deps.inspect(target, onCluster),
    pause: deps.pause,
    ledger: deps.ledger,
    approvals: deps.approvals ?? { list: async () => [] },
    recalls: deps.recalls ?? { list: async () => [] },
    isLedgerMissing,
  };
}

/**
 * The scan's plan: core's pipeline over the scan's deps, as of the event's time (so a duplicate
 * delivery plans the same). Read-only. `nodekeeper plan` plans the same items for the same facts.
 */
export function planScan(
  event: Pick<ScanEvent, 'time'>,
  deps: Pick<ScanDeps, 'config' | 'inspect' | 'pause' | 'approvals' | 'recalls' | 'ledger'>,
): Promise<PlannedFleet> {
  return planFleet(scanPlanPorts(deps), { config: deps.config, now: new Date(event.time) });
}

/**
 * One scan: core's scan program (plan as of the event's time, run thread, plan summary once per
 * event, halt notices, one workflow per `roll` item) over the scan's deps, with its steps logged
 * and counted. Throws when every rollout was held, so the scan-errors alarm fires and the
 * schedule's retry plans again (docs/rollouts.md).
 */
export async function runScan(event: ScanEvent, deps: ScanDeps): Promise<ScanResult> {
  const startedMs = performance.now();
  const outcome = await runScanProgram(
    { event, config: deps.config, stage: deps.stage ?? DEFAULT_STAGE },
    {
      plan: scanPlanPorts(deps),
      ledger: deps.ledger,
      notify: deps.notifier,
      starter: deps.starter,
      runs: deps.runs ?? null,
      now: deps.now ?? (() => new Date()),
      newClaimOwner: () => `scan:${randomUUID()}`,
      // Bot mode: a redelivered fire finds the halt notice or summary a crashed delivery posted.
      notices: noticeFinderFrom(deps.notifier) ?? null,
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
      ...(deps.marks ? { marks: deps.marks } : {}),
    },
    (o) => logScanStep(event, o, Math.round(performance.now() - startedMs), deps.config),
  );
  if (outcome.kind === 'held') throw new NodekeeperError(outcome.message);
  if (outcome.kind === 'covered') {
    logger.info('continuation already covered by a later scan', {
      eventId: event.id,
      lastPlannedAt: outcome.lastPlannedAt,
    });
    return {
      eventId: event.id,
      generatedAt: outcome.lastPlannedAt,
      runId: null,
      counts: { roll: 0, current: 0, skip: 0 },
      starts: [],
      covered: true,
    };
  }
  for (const s of outcome.starts) {
    const fields = {
      cluster: s.request.cluster,
      nodegroup: s.request.nodegroup,
      executionName: s.executionName,
    };
    if (s.kind === 'error') logger.error('workflow start failed', { ...fields, error: s.message });
    else logger.info('workflow start', { ...fields, result: s.kind });
  }
  return {
    eventId: event.id,
    generatedAt: outcome.planned.plan.generatedAt,
    runId: outcome.runId,
    counts: outcome.counts,
    starts: outcome.starts.map((s) => ({
      cluster: s.request.cluster,
      nodegroup: s.request.nodegroup,
      executionName: s.executionName,
      result: s.kind,
    })),
  };
}

/** One log line (and, for Slack failures, one metric) per step of the scan program. */
function logScanStep(event: ScanEvent, o: ScanObservation, elapsedMs: number, config: Config): void {
  switch (o.kind) {
    case 'planned': {
      const { plan, fleet, catalog, warnings } = o.planned;
      emitScanMetrics(metrics, plan, fleet, elapsedMs, catalog, config.observability);
      logger.info('scan planned', {
        eventId: event.id,
        source: event.source,
        ...o.counts,
        errors: fleet.errors.length,
      });
      for (const w of warnings) logger.warn('plan facts', { code: w.code, detail: w.message });
      return;
    }
    case 'run-thread-undeliverable':
      emitSlackFailure(metrics);
      logger.warn('run thread not opened; rollouts post without a thread', {
        runId: o.runId,
        error: o.error,
      });
      return;
    case 'run-thread':
      logger.info('run thread', { runId: o.runId, result: o.result });
      return;
    case 'summary':
      if (o.result === 'slack-not-configured')
        logger.info('plan summary not posted: slack not configured', { eventId: event.id });
      else if (o.result === 'already-posted')
        logger.info('plan summary already posted for this event', { eventId: event.id });
      else logger.info('plan summary posted', { eventId: event.id });
      return;
    case 'summary-undeliverable':
      emitSlackFailure(metrics);
      logger.warn('plan summary undeliverable', { eventId: event.id, error: o.error });
      return;
    case 'halt':
      if (!o.delivered) emitSlackFailure(metrics);
      logger.info('release halted', { release: o.release, family: o.family, delivered: o.delivered });
      return;
    case 'halt-undeliverable':
      emitSlackFailure(metrics);
      logger.warn('halt notice undeliverable', { release: o.release, error: o.error });
      return;
    case 'recall':
      if (!o.delivered) emitSlackFailure(metrics);
      logger.info('release recalled', {
        release: o.release,
        family: o.family,
        runningNodegroups: o.running,
        delivered: o.delivered,
      });
      return;
    case 'recall-undeliverable':
      emitSlackFailure(metrics);
      logger.warn('recall notice undeliverable', { release: o.release, error: o.error });
      return;
    case 'starts-not-visible':
      logger.warn('started rollouts not in the ledger yet; a scan right after may not count them', {
        keys: o.keys,
      });
      return;
  }
}

export { scanRunId } from '@nodekeeper/core/rollout';

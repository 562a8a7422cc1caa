import { createHash, randomUUID } from 'node:crypto';
import { type InspectFleetResult, isLedgerMissing } from '@nodekeeper/aws';
import { NodekeeperError, ValidationError } from '@nodekeeper/core';
import type { Config, FleetTarget } from '@nodekeeper/core/config';
import { buildPlanSummaryMessage, escapeMrkdwn } from '@nodekeeper/core/messages';
import {
  type Approval,
  type ClusterProgress,
  factsUnreadable,
  type Plan,
  PlanFactsWarningCode,
  type PlannedFleet,
  type PlanPorts,
  planFleet,
  plannedRolloutRequests,
} from '@nodekeeper/core/plan';
import {
  DEFAULT_STAGE,
  type LedgerPort,
  type PausePort,
  refOf,
  type ScanStartResult,
  startRollouts,
  type WorkflowStarter,
} from '@nodekeeper/core/rollout';
import { dropFromRun, newRun, openRunThread, type RunDeps } from '@nodekeeper/core/runs';
import { type HaltedRelease, haltedReleases } from '@nodekeeper/core/safety';
import type { Notifier } from '@nodekeeper/slack';
import { z } from 'zod';
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
  .discriminatedUnion('source', [scheduleInput, schedulerEnvelope, ruleScheduledEvent, parameterChangeEvent])
  .transform((e) => {
    switch (e.source) {
      case 'nodekeeper.schedule':
        return {
          id: scheduleFireId(e.scheduleArn, e.scheduledTime),
          time: e.scheduledTime,
          source: 'aws.scheduler' as const,
          attempt: { executionId: e.executionId, number: Number(e.attemptNumber) },
        };
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
      "unsupported scan event (expected nodekeeper's schedule Input, an EventBridge Scheduled Event or a Parameter Store Change)",
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return parsed.data;
}

export interface ScanDeps {
  config: Config;
  /** Inspects one (account, region) of the fleet (read-only; see inspectTarget). */
  inspect: (target: FleetTarget, onCluster?: (p: ClusterProgress) => void) => Promise<InspectFleetResult>;
  pause: PausePort;
  starter: WorkflowStarter;
  notifier: Notifier | null;
  /** Used to post each event's plan summary once, even when the event is delivered twice. */
  ledger: LedgerPort;
  /** Operator approvals (wave holds, breaker, requiresApproval); none when absent. */
  approvals?: { list(): Promise<Approval[]> };
  /** Bot mode: runs in the ledger and Slack's chat.postMessage/chat.update (see runDepsFor). */
  runs?: RunDeps;
  /**
   * The deployment's stage (NODEKEEPER_STAGE), part of every durable execution name: Lambda names
   * executions per account and region, which stages may share. Default: `default`.
   */
  stage?: string;
  /** The clock for what the scan records (notice claims); default: the process clock. Plans use the event's time. */
  now?: () => Date;
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
}

/**
 * The plan pipeline's ports from the scan's deps (core `planFleet`): no approvals store means none.
 * Shared by the scan and the slash command's `plan`.
 */
export function scanPlanPorts(
  deps: Pick<ScanDeps, 'inspect' | 'pause' | 'approvals'> & { ledger: Pick<LedgerPort, 'listHistory'> },
): PlanPorts {
  return {
    inspect: (target, onCluster) => deps.inspect(target, onCluster),
    pause: deps.pause,
    ledger: deps.ledger,
    approvals: deps.approvals ?? { list: async () => [] },
    isLedgerMissing,
  };
}

/**
 * The scan's plan: core's pipeline over the scan's deps, as of the event's time (so a duplicate
 * delivery plans the same). Read-only. `nodekeeper plan` plans the same items for the same facts.
 */
export function planScan(
  event: Pick<ScanEvent, 'time'>,
  deps: Pick<ScanDeps, 'config' | 'inspect' | 'pause' | 'approvals' | 'ledger'>,
): Promise<PlannedFleet> {
  return planFleet(scanPlanPorts(deps), { config: deps.config, now: new Date(event.time) });
}

/**
 * One scan: inspect every configured region, plan as of the event's time (so a duplicate delivery
 * plans the same), post the plan summary once per event, and start one workflow per `roll` item.
 * Starting is idempotent by execution name: a duplicate scan starts nothing new.
 */
export async function runScan(event: ScanEvent, deps: ScanDeps): Promise<ScanResult> {
  const startedMs = performance.now();
  const planned = await planScan(event, deps);
  const { fleet, catalog, policy, plan: plannedItems } = planned;
  emitScanMetrics(metrics, plannedItems, fleet, Math.round(performance.now() - startedMs), catalog);
  const counts = { roll: 0, current: 0, skip: 0 };
  for (const item of plannedItems.items) counts[item.decision] += 1;
  logger.info('scan planned', {
    eventId: event.id,
    source: event.source,
    ...counts,
    errors: fleet.errors.length,
  });
  for (const w of planned.warnings) logger.warn('plan facts', { code: w.code, detail: w.message });
  if (factsUnreadable(planned)) {
    const unreadable = planned.warnings.filter((w) => w.code !== PlanFactsWarningCode.ledgerMissing);
    // Every rollout is held (`state-unreadable`), so nothing would start: fail the invocation so
    // the scan-errors alarm fires and the schedule's retry plans again (docs/rollouts.md).
    throw new NodekeeperError(`scan held every rollout: ${unreadable.map((w) => w.message).join('; ')}`);
  }

  const runId = scanRunId(event);
  // Attempt numbers from the ledger records the plan saw; old launch-template versions retired after success.
  const requests = plannedRolloutRequests(planned, { runId, config: deps.config }).map((r) => r.request);
  const fresh = requests.filter((r) => r.runId === runId);
  const runDeps = deps.runs ?? null;
  let ownRun = false;
  let threadTs: string | null = null;
  if (runDeps !== null && fresh.length > 0) {
    // The parent first, so the plan summary and every rollout notice can reply in its thread.
    const opened = await openRunThread(newRun(runId, 'rollout', event.time, fresh.map(refOf)), runDeps);
    ownRun = opened.kind === 'posted';
    if (opened.kind === 'undeliverable') {
      emitSlackFailure(metrics);
      logger.warn('run thread not opened; rollouts post without a thread', { runId, error: opened.error });
    } else {
      threadTs = opened.thread?.ts ?? null;
      logger.info('run thread', { runId, result: opened.kind });
    }
  }
  if (counts.roll > 0 || fleet.errors.length > 0) await postSummaryOnce(event, plannedItems, deps, threadTs);
  for (const halted of haltedReleases(
    { history: policy.history ?? [], approvals: policy.approvals ?? [] },
    policy,
  )) {
    await postHaltOnce(halted, deps);
  }
  const starts = await startRollouts(requests, deps.starter, deps.stage ?? DEFAULT_STAGE);
  if (runDeps !== null && ownRun) {
    // Rollouts another run already started stay in that run's thread.
    const elsewhere = starts.filter((s) => s.kind === 'already-started' && s.request.runId === runId);
    await dropFromRun(
      runId,
      elsewhere.map((s) => refOf(s.request)),
      runDeps,
    );
  }
  for (const s of starts) {
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
    generatedAt: plannedItems.generatedAt,
    runId: fresh.length > 0 ? runId : null,
    counts,
    starts: starts.map((s) => ({
      cluster: s.request.cluster,
      nodegroup: s.request.nodegroup,
      executionName: s.executionName,
      result: s.kind,
    })),
  };
}

/** The run of a scan event: deterministic, so duplicate deliveries share one run and one thread. Pure. */
export function scanRunId(event: Pick<ScanEvent, 'id'>): string {
  return `scan-${createHash('sha256').update(event.id).digest('hex').slice(0, 32)}`;
}

/** Tells Slack once per halted release (the ledger claim makes a repeated scan say nothing). */
async function postHaltOnce(halted: HaltedRelease, deps: ScanDeps): Promise<void> {
  if (deps.notifier === null) return;
  try {
    const claim = await deps.ledger.claimNotification(
      halted.noticeKey,
      'started',
      `scan:${randomUUID()}`,
      (deps.now ?? (() => new Date()))().toISOString(),
    );
    if (claim.kind !== 'claimed') return;
    const text = `nodekeeper halted release ${halted.release} (${halted.family}): ${halted.failures} failed rollout(s) reached maxFailuresPerRelease. Nothing starts it until an operator runs \`nodekeeper approve ${halted.release}\`.`;
    const posted = await deps.notifier.post({
      text,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(text) } }],
    });
    await deps.ledger.markNotificationSent(halted.noticeKey, 'started', {
      ts: posted.ok ? posted.ts : null,
      delivered: posted.ok,
    });
    if (!posted.ok) emitSlackFailure(metrics);
    logger.info('release halted', { release: halted.release, family: halted.family, delivered: posted.ok });
  } catch (error) {
    emitSlackFailure(metrics);
    logger.warn('halt notice undeliverable', {
      release: halted.release,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

async function postSummaryOnce(
  event: ScanEvent,
  planned: Plan,
  deps: ScanDeps,
  threadTs: string | null,
): Promise<void> {
  if (deps.notifier === null) {
    logger.info('plan summary not posted: slack not configured', { eventId: event.id });
    return;
  }
  const key = `scan-${createHash('sha256').update(event.id).digest('hex')}`;
  try {
    const claim = await deps.ledger.claimNotification(
      key,
      'started',
      `scan:${randomUUID()}`,
      (deps.now ?? (() => new Date()))().toISOString(),
    );
    if (claim.kind !== 'claimed') {
      logger.info('plan summary already posted for this event', { eventId: event.id });
      return;
    }
    const posted = await deps.notifier.post(buildPlanSummaryMessage(planned), threadTs ? { threadTs } : {});
    await deps.ledger.markNotificationSent(key, 'started', {
      ts: posted.ok ? posted.ts : null,
      delivered: posted.ok,
    });
    if (posted.ok) logger.info('plan summary posted', { eventId: event.id });
    else {
      emitSlackFailure(metrics);
      logger.warn('plan summary undeliverable', { eventId: event.id, error: posted.error });
    }
  } catch (error) {
    emitSlackFailure(metrics);
    logger.warn('plan summary undeliverable', {
      eventId: event.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

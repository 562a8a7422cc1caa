import { createHash, randomUUID } from 'node:crypto';
import type { InspectFleetResult } from '@nodekeeper/aws';
import {
  buildPlanSummaryMessage,
  type CatalogSnapshot,
  type Config,
  type Fleet,
  type LedgerPort,
  launchTemplateLookup,
  mergeInspections,
  type PausePort,
  type Plan,
  plan,
  policyFromConfig,
  type ScanStartResult,
  startPlannedRollouts,
  ValidationError,
  type WorkflowStarter,
} from '@nodekeeper/core';
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

/** EventBridge Scheduler (`aws.scheduler`) or a scheduled rule (`aws.events`). */
const scheduledEvent = z.looseObject({
  ...baseEvent,
  source: z.enum(['aws.scheduler', 'aws.events']),
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

export const scanEventSchema = z.union([scheduledEvent, parameterChangeEvent]);
export type ScanEvent = z.infer<typeof scanEventSchema>;

/** Validates the triggering event; throws ValidationError naming each bad field. */
export function parseScanEvent(event: unknown): ScanEvent {
  const parsed = scanEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new ValidationError(
      'unsupported scan event (expected an EventBridge Scheduled Event or a Parameter Store Change)',
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return parsed.data;
}

export interface ScanDeps {
  config: Config;
  /** Inspects one region (read-only). */
  inspect: (region: string) => Promise<InspectFleetResult>;
  pause: PausePort;
  starter: WorkflowStarter;
  notifier: Notifier | null;
  /** Used to post each event's plan summary once, even when the event is delivered twice. */
  ledger: LedgerPort;
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
}

/**
 * Inspects every configured region (one after another), reads the pause flag and plans as of
 * `now`. Read-only. Shared by the scan and the slash command's `plan`.
 */
export async function planFleet(
  deps: Pick<ScanDeps, 'config' | 'inspect' | 'pause'>,
  now: Date,
): Promise<{ fleet: Fleet; catalog: CatalogSnapshot; plan: Plan }> {
  const results: InspectFleetResult[] = [];
  for (const region of deps.config.regions) results.push(await deps.inspect(region));
  const { fleet, catalog } = mergeInspections(results);
  const pause = await deps.pause.read();
  const policy = policyFromConfig(deps.config, {
    paused: pause.paused ? { reason: pause.reason, by: null, at: null } : null,
  });
  return { fleet, catalog, plan: plan(fleet, catalog, policy, now) };
}

/**
 * One scan: inspect every configured region, plan as of the event's time (so a duplicate delivery
 * plans the same), post the plan summary once per event, and start one workflow per `roll` item.
 * Starting is idempotent by execution name: a duplicate scan starts nothing new.
 */
export async function runScan(event: ScanEvent, deps: ScanDeps): Promise<ScanResult> {
  const startedMs = Date.now();
  const { fleet, catalog, plan: planned } = await planFleet(deps, new Date(event.time));
  emitScanMetrics(metrics, planned, fleet, Date.now() - startedMs, catalog);
  const counts = { roll: 0, current: 0, skip: 0 };
  for (const item of planned.items) counts[item.decision] += 1;
  logger.info('scan planned', {
    eventId: event.id,
    source: event.source,
    ...counts,
    errors: fleet.errors.length,
  });

  if (counts.roll > 0 || fleet.errors.length > 0) await postSummaryOnce(event, planned, deps);

  const starts = await startPlannedRollouts(planned, launchTemplateLookup(fleet), deps.starter);
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
    generatedAt: planned.generatedAt,
    counts,
    starts: starts.map((s) => ({
      cluster: s.request.cluster,
      nodegroup: s.request.nodegroup,
      executionName: s.executionName,
      result: s.kind,
    })),
  };
}

async function postSummaryOnce(event: ScanEvent, planned: Plan, deps: ScanDeps): Promise<void> {
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
      new Date().toISOString(),
    );
    if (claim.kind !== 'claimed') {
      logger.info('plan summary already posted for this event', { eventId: event.id });
      return;
    }
    const posted = await deps.notifier.post(buildPlanSummaryMessage(planned));
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

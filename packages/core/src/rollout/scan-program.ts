import { createHash } from 'node:crypto';
import type { Config } from '../config.ts';
import { windowHolds } from '../history-window.ts';
import { buildPlanSummaryMessage } from '../messages/plan-summary.ts';
import { buildRecallNoticeMessage } from '../messages/recall.ts';
import { buildReleaseHaltedMessage, type HaltedFailure } from '../messages/status.ts';
import type { SlackMessage } from '../messages/types.ts';
import { RunItemState } from '../messages/types.ts';
import {
  factsUnreadable,
  PlanFactsWarningCode,
  type PlannedFleet,
  type PlanPorts,
  planFleet,
  plannedRolloutRequests,
} from '../plan-pipeline.ts';
import { dropFromRun, markRunItem, newRun, openRunThread, type RunDeps } from '../runs.ts';
import { type HaltedRelease, haltedReleases } from '../safety/breaker.ts';
import { type RecallNotice, recallNotices } from '../safety/recall.ts';
import { type Plan, SkipReason } from '../types/plan.ts';
import {
  CONCURRENT_POST_GRACE_MS,
  earlierPost,
  type NoticeFinderPort,
  type NoticeMetadata,
  noticeMetadata,
} from './notices.ts';
import { type ScanStartResult, startRollouts, type WorkflowStarter } from './scan.ts';
import { refOf } from './start.ts';
import type { LedgerPort } from './types.ts';

/** A trigger of the scan: `id` is the same on every delivery of it, `time` is when it happened. */
export interface ScanTrigger {
  id: string;
  time: string;
  /**
   * A continuation scan, asked for by a rollout that ended while the plan held work back for the
   * budget: it plans as of the scan's own clock (so a window that closed meanwhile starts
   * nothing), adds its rollouts to the run `runId` (its Slack thread) and posts no plan summary.
   */
  continuation?: { runId: string | null };
}

/**
 * When the last scan began planning. Scans never overlap, so a continuation asked for before that
 * moment is covered: that scan already saw the rollout that asked end (a burst of rollouts ending
 * together costs one fleet inspection, not one each).
 */
export interface ScanMarkPort {
  lastPlannedAt(): Promise<string | null>;
  markPlanned(at: string): Promise<void>;
}

/**
 * A continuation counts as covered only by a scan that began planning at least this long after it
 * was asked for: the covering scan must have seen the rollout's outcome in the ledger's time index,
 * which DynamoDB propagates within about a second.
 */
export const COVERED_AFTER_MS = 5_000;

/**
 * Whether a continuation asked for at `askedAt` is covered by a scan that began planning at
 * `lastPlannedAt`. A scan that began planning only moments after the rollout ended may have read
 * the ledger's time index before the outcome reached it (GSI reads are eventually consistent):
 * not covered. Pure.
 */
export function continuationCovered(askedAt: string, lastPlannedAt: string | null): boolean {
  return lastPlannedAt !== null && Date.parse(lastPlannedAt) >= Date.parse(askedAt) + COVERED_AFTER_MS;
}

/** A continuation plans no sooner than this after it was asked for (the time index catches up). */
export const INDEX_SETTLE_MS = 2_000;

/** How long a scan waits for the rollouts it started to show in the ledger before it returns. */
export const START_VISIBLE_WAIT = { reads: 30, ms: 2000 } as const;

/** Posts a message to the operators' channel (a `Notifier` of @nodekeeper/slack satisfies it). */
export interface ScanNotifyPort {
  post(
    message: SlackMessage,
    options?: { threadTs?: string; metadata?: NoticeMetadata },
  ): Promise<{ ok: true; ts: string | null } | { ok: false; error: string }>;
}

/** What the scan program reads and writes through. */
export interface ScanPorts {
  plan: PlanPorts;
  /** Notification claims: the plan summary and each halt notice are posted once per key. */
  ledger: Pick<LedgerPort, 'claimNotification' | 'markNotificationSent' | 'get'>;
  /** Null: Slack is not configured; nothing is posted. */
  notify: ScanNotifyPort | null;
  starter: WorkflowStarter;
  /** Bot mode: the scan's new rollouts get one run and one Slack thread. */
  runs: RunDeps | null;
  /** The clock for notification claims (plans use the trigger's time). */
  now: () => Date;
  /** A unique owner for a notification claim (`scan:<uuid>`). */
  newClaimOwner: () => string;
  /**
   * Bot mode: finds the halt notice or plan summary a crashed delivery of this trigger already
   * posted (Slack metadata), so a redelivery does not post it again. Absent: it posts again.
   */
  notices?: NoticeFinderPort | null;
  /**
   * Waits between reads of the ledger after starting rollouts (see {@link START_VISIBLE_WAIT}).
   * Absent: the scan returns without waiting for its starts to show.
   */
  sleep?: (ms: number) => Promise<void>;
  /** When scans began planning (continuations already covered start nothing). Absent: every continuation plans. */
  marks?: ScanMarkPort;
}

/** Something the scan program did, in order; the shell logs it and counts metrics. */
export type ScanObservation =
  | { kind: 'planned'; planned: PlannedFleet; counts: ScanCounts }
  | { kind: 'run-thread'; runId: string; result: 'posted' | 'exists' }
  | { kind: 'run-thread-undeliverable'; runId: string; error: string }
  | { kind: 'summary'; result: 'slack-not-configured' | 'already-posted' | 'posted' }
  | { kind: 'summary-undeliverable'; error: string }
  | { kind: 'halt'; release: string; family: string; delivered: boolean }
  | { kind: 'halt-undeliverable'; release: string; error: string }
  /** The one notice of a recall (the first scan that plans with it posts it). */
  | { kind: 'recall'; release: string; family: string | null; running: number; delivered: boolean }
  | { kind: 'recall-undeliverable'; release: string; error: string }
  /** Rollouts this scan started that the ledger did not show within {@link START_VISIBLE_WAIT}. */
  | { kind: 'starts-not-visible'; keys: string[] };

export interface ScanCounts {
  roll: number;
  current: number;
  skip: number;
}

/** The program's end: `held` when the pause flag or the ledger was unreadable (nothing may start). */
export type ScanOutcome =
  | { kind: 'held'; message: string; planned: PlannedFleet }
  /** A continuation a scan that began planning after it was asked for already covered. */
  | { kind: 'covered'; lastPlannedAt: string }
  | {
      kind: 'ran';
      planned: PlannedFleet;
      counts: ScanCounts;
      starts: ScanStartResult[];
      /** The run its new rollouts belong to, when any. */
      runId: string | null;
    };

/** The run of a scan trigger: deterministic, so duplicate deliveries share one run and one thread. Pure. */
export function scanRunId(event: Pick<ScanTrigger, 'id'>): string {
  return `scan-${createHash('sha256').update(event.id).digest('hex').slice(0, 32)}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One scan, the same on every delivery of its trigger: plan as of the trigger's time, open the
 * run's thread (bot mode), post the plan summary once per trigger and each halted release once,
 * and start one workflow per `roll` item (idempotent by execution name). Never logs: each step
 * is reported to `observe`. Throws only what the ports throw outside notification paths.
 */
export async function runScanProgram(
  input: { event: ScanTrigger; config: Config; stage: string },
  ports: ScanPorts,
  observe: (o: ScanObservation) => void = () => undefined,
): Promise<ScanOutcome> {
  const { event, config } = input;
  const continuation = event.continuation ?? null;
  if (continuation !== null && ports.marks) {
    const last = await ports.marks.lastPlannedAt().catch(() => null);
    if (continuationCovered(event.time, last)) return { kind: 'covered', lastPlannedAt: last as string };
  }
  if (continuation !== null && ports.sleep) {
    // The rollout that asked recorded its outcome moments ago: let it reach the ledger's time index
    // (eventually consistent) before the plan reads it, or a failed rollout would still hold its budget.
    const age = ports.now().getTime() - Date.parse(event.time);
    if (age >= 0 && age < INDEX_SETTLE_MS) await ports.sleep(INDEX_SETTLE_MS - age);
  }
  // Before reading anything: a continuation asked for from now on needs a scan after this one.
  await ports.marks?.markPlanned(ports.now().toISOString()).catch(() => undefined);
  // A continuation plans as of now: the window may have closed since the rollout that asked ended.
  const now = continuation === null ? new Date(event.time) : ports.now();
  const planned = await planFleet(ports.plan, { config, now });
  const { fleet, policy, plan } = planned;
  const counts: ScanCounts = { roll: 0, current: 0, skip: 0 };
  for (const item of plan.items) counts[item.decision] += 1;
  observe({ kind: 'planned', planned, counts });
  if (factsUnreadable(planned)) {
    const unreadable = planned.warnings.filter((w) => w.code !== PlanFactsWarningCode.ledgerMissing);
    // Every rollout is held (`state-unreadable`), so nothing would start.
    return {
      kind: 'held',
      message: `scan held every rollout: ${unreadable.map((w) => w.message).join('; ')}`,
      planned,
    };
  }

  const runId = continuation?.runId ?? scanRunId(event);
  // Attempt numbers from the ledger records the plan saw; old launch-template versions retired after success.
  const continues = budgetHeld(plan);
  const requests = plannedRolloutRequests(planned, { runId, config }).map((r) =>
    continues ? { ...r.request, continuation: true } : r.request,
  );
  const fresh = requests.filter((r) => r.runId === runId);
  let ownRun = false;
  let threadTs: string | null = null;
  if (ports.runs !== null && fresh.length > 0) {
    // The parent first, so the plan summary and every rollout notice can reply in its thread.
    const opened = await openRunThread(newRun(runId, 'rollout', event.time, fresh.map(refOf)), ports.runs);
    ownRun = opened.kind === 'posted';
    if (opened.kind === 'undeliverable') {
      observe({ kind: 'run-thread-undeliverable', runId, error: opened.error });
    } else {
      threadTs = opened.thread?.ts ?? null;
      observe({ kind: 'run-thread', runId, result: opened.kind });
      if (opened.kind === 'exists' && continuation !== null) {
        // The run goes on: its parent message lists the rollouts this continuation adds.
        for (const r of fresh)
          await markRunItem(runId, { ...refOf(r), state: RunItemState.pending }, ports.runs);
        ownRun = true;
      }
    }
  }
  if (continuation === null && (counts.roll > 0 || fleet.errors.length > 0))
    await postSummaryOnce(event, plan, ports, threadTs, observe);
  // Halts of the releases the plan's candidates target: the history window holds all their
  // records, so each halt is seen whole (and keyed by its true first failure).
  const halts = haltedReleases({ history: policy.history ?? [], approvals: policy.approvals ?? [] }, policy);
  for (const halted of halts.filter((h) => windowHolds(planned.history, h.family, h.release))) {
    await postHaltOnce(
      event,
      halted,
      policy.waves.map((w) => w.name),
      plan,
      ports,
      observe,
    );
  }
  for (const notice of recallNotices(planned)) await postRecallOnce(notice, ports, observe);
  const starts = await startRollouts(requests, ports.starter, input.stage, config.rollout.startConcurrency);
  if (ports.runs !== null && ownRun) {
    // Rollouts another run already started stay in that run's thread.
    const elsewhere = starts.filter((s) => s.kind === 'already-started' && s.request.runId === runId);
    await dropFromRun(
      runId,
      elsewhere.map((s) => refOf(s.request)),
      ports.runs,
    );
  }
  await untilStartsVisible(starts, ports, observe);
  return { kind: 'ran', planned, counts, starts, runId: fresh.length > 0 ? runId : null };
}

/** True when the plan holds node groups back only for the budget (`budget`): freed budget can start them. Pure. */
export function budgetHeld(plan: Plan): boolean {
  return plan.items.some((i) => i.reason === SkipReason.budget);
}

/**
 * Waits (bounded) until every rollout this scan started shows in the ledger. Scans never overlap
 * (the scan function runs one at a time), so the next scan counts these rollouts in its budgets
 * even when their workflows have not reached EKS yet.
 */
async function untilStartsVisible(
  starts: readonly ScanStartResult[],
  ports: ScanPorts,
  observe: (o: ScanObservation) => void,
): Promise<void> {
  const sleep = ports.sleep;
  if (sleep === undefined) return;
  let pending = starts.filter((s) => s.kind === 'started').map((s) => s.key);
  for (let read = 0; pending.length > 0 && read < START_VISIBLE_WAIT.reads; read += 1) {
    if (read > 0) await sleep(START_VISIBLE_WAIT.ms);
    const seen = await Promise.all(
      pending.map((key) =>
        ports.ledger.get(key).then(
          (r) => r !== null,
          () => false,
        ),
      ),
    );
    pending = pending.filter((_, i) => !seen[i]);
  }
  if (pending.length > 0) observe({ kind: 'starts-not-visible', keys: pending });
}

/** The counted failures of a halted release with each node group's wave from the plan. Pure. */
function failuresWithWaves(halted: HaltedRelease, plan: Plan): HaltedFailure[] {
  const waves = new Map(plan.items.map((i) => [`${i.cluster}/${i.nodegroup}`, i.wave]));
  return halted.failed.map((f) => ({ ...f, wave: waves.get(f.group) ?? null }));
}

/** Tells Slack once per halted release (the ledger claim makes a repeated scan say nothing). */
async function postHaltOnce(
  event: ScanTrigger,
  halted: HaltedRelease,
  waves: string[],
  plan: Plan,
  ports: ScanPorts,
  observe: (o: ScanObservation) => void,
): Promise<void> {
  if (ports.notify === null) return;
  try {
    const message = buildReleaseHaltedMessage({
      release: halted.release,
      family: halted.family,
      failures: halted.failures,
      failed: failuresWithWaves(halted, plan),
      waves,
    });
    const posted = await postNoticeOnce(halted.noticeKey, message, event, ports, ports.notify, null);
    if (posted === null) return;
    observe({ kind: 'halt', release: halted.release, family: halted.family, delivered: posted.ok });
  } catch (error) {
    observe({ kind: 'halt-undeliverable', release: halted.release, error: messageOf(error) });
  }
}

/**
 * Tells Slack once per recall (the ledger claim makes later scans say nothing): what is recalled,
 * who runs it already and what to do, how many rollouts it holds.
 */
async function postRecallOnce(
  notice: RecallNotice,
  ports: ScanPorts,
  observe: (o: ScanObservation) => void,
): Promise<void> {
  if (ports.notify === null) return;
  const { recall } = notice;
  try {
    const claim = await ports.ledger.claimNotification(
      notice.noticeKey,
      'started',
      ports.newClaimOwner(),
      ports.now().toISOString(),
    );
    if (claim.kind !== 'claimed') return;
    const posted = await ports.notify.post(buildRecallNoticeMessage(notice));
    await ports.ledger.markNotificationSent(notice.noticeKey, 'started', {
      ts: posted.ok ? posted.ts : null,
      delivered: posted.ok,
    });
    observe({
      kind: 'recall',
      release: recall.release,
      family: recall.family,
      running: notice.running.length,
      delivered: posted.ok,
    });
  } catch (error) {
    observe({ kind: 'recall-undeliverable', release: recall.release, error: messageOf(error) });
  }
}

/**
 * Posts one notice once per key, whatever happens to the scan: the claim's owner is the trigger, so
 * a delivery after a crash re-takes the claim its predecessor never marked sent; it then looks for
 * the post in Slack by its metadata key (after giving a concurrent delivery time to post) and posts
 * only when it is not there. Without a look-up, a claim re-taken within the grace is left to the
 * concurrent delivery that took it. Null: not posted by this delivery. Throws what the ledger throws.
 */
async function postNoticeOnce(
  key: string,
  message: SlackMessage,
  event: ScanTrigger,
  ports: ScanPorts,
  notify: ScanNotifyPort,
  threadTs: string | null,
): Promise<{ ok: true; ts: string | null } | { ok: false; error: string } | null> {
  const now = ports.now();
  const claim = await ports.ledger.claimNotification(
    key,
    'started',
    `scan:${scanRunId(event)}`,
    now.toISOString(),
  );
  if (claim.kind !== 'claimed') return null;
  const earlierAt = claim.reclaimed ? Date.parse(claim.reclaimed.at) : Number.NaN;
  // A claim this fire took moments ago belongs to a delivery still running (two at once): with no
  // way to look in Slack, that delivery posts it. An older one is a crashed delivery's: post.
  if (!ports.notices && now.getTime() - earlierAt < CONCURRENT_POST_GRACE_MS) return null;
  const earlier = await earlierPost(
    claim,
    ports.notices,
    key,
    { threadTs, channel: null },
    ports.sleep ? { now, sleep: ports.sleep, ms: CONCURRENT_POST_GRACE_MS } : undefined,
  );
  const posted =
    earlier?.kind === 'found'
      ? { ok: true as const, ts: earlier.ts }
      : await notify.post(message, { ...(threadTs ? { threadTs } : {}), metadata: noticeMetadata(key) });
  await ports.ledger.markNotificationSent(key, 'started', {
    ts: posted.ok ? posted.ts : null,
    delivered: posted.ok,
  });
  return posted;
}

/** Posts the plan summary once per trigger (keyed on its id), in the run's thread when there is one. */
async function postSummaryOnce(
  event: ScanTrigger,
  plan: Plan,
  ports: ScanPorts,
  threadTs: string | null,
  observe: (o: ScanObservation) => void,
): Promise<void> {
  if (ports.notify === null) {
    observe({ kind: 'summary', result: 'slack-not-configured' });
    return;
  }
  const key = `scan-${createHash('sha256').update(event.id).digest('hex')}`;
  try {
    const posted = await postNoticeOnce(
      key,
      buildPlanSummaryMessage(plan),
      event,
      ports,
      ports.notify,
      threadTs,
    );
    if (posted === null) {
      observe({ kind: 'summary', result: 'already-posted' });
      return;
    }
    observe(
      posted.ok
        ? { kind: 'summary', result: 'posted' }
        : { kind: 'summary-undeliverable', error: posted.error },
    );
  } catch (error) {
    observe({ kind: 'summary-undeliverable', error: messageOf(error) });
  }
}

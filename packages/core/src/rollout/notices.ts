/**
 * Notices posted exactly once, even when the process dies between posting and recording: each
 * notice carries its once-only key in Slack message metadata, and a replay of a claim its owner
 * never marked sent looks for that message before posting again. Pure apart from the port.
 */
import type { ClaimResult } from './types.ts';

/** The metadata `event_type` of every notice nodekeeper posts (Slack: alphanumeric and `_`). */
export const NOTICE_EVENT_TYPE = 'nodekeeper_notice';

/** Slack message metadata of a notice: its once-only key. */
export interface NoticeMetadata {
  event_type: typeof NOTICE_EVENT_TYPE;
  event_payload: { key: string };
}

/** The metadata to post a notice with. Pure. */
export function noticeMetadata(noticeKey: string): NoticeMetadata {
  return { event_type: NOTICE_EVENT_TYPE, event_payload: { key: noticeKey } };
}

/** What a look-up found: the message, none, or nothing could be read (webhook, scope, Slack down). */
export type NoticeLookup =
  | { kind: 'found'; ts: string }
  | { kind: 'not-found' }
  | { kind: 'unavailable'; error: string };

/** Finds a message nodekeeper posted with a notice key (bot mode: conversations.replies / .history). */
export interface NoticeFinderPort {
  /**
   * Looks in the thread `threadTs` when given, else among the channel's messages since `since`
   * (ISO 8601). `channel` null: the configured channel. Never throws.
   */
  find(
    noticeKey: string,
    where: { threadTs: string | null; channel: string | null; since: string },
  ): Promise<NoticeLookup>;
}

/** How far before the earlier claim a top-level look-up starts (clocks of Lambda and Slack differ). */
export const LOOKUP_MARGIN_SECONDS = 300;

/**
 * How long after an earlier claim a look-up waits before it reads Slack, when two deliveries of one
 * trigger may run at once (the scan): the other's post (one attempt, 10 s timeout, two quick
 * retries) lands first.
 */
export const CONCURRENT_POST_GRACE_MS = 15_000;

/**
 * When `claim` is this owner's own earlier claim that was never marked sent (the process died
 * between posting and marking, or before posting), the message it may have posted; null when the
 * claim is new or there is no finder. With `grace`, a claim younger than its `ms` is given that long
 * to post first (a concurrent delivery of the same trigger). Never throws.
 */
export async function earlierPost(
  claim: ClaimResult,
  finder: NoticeFinderPort | null | undefined,
  noticeKey: string,
  where: { threadTs: string | null; channel: string | null },
  grace?: { now: Date; sleep: (ms: number) => Promise<void>; ms: number },
): Promise<NoticeLookup | null> {
  if (claim.kind !== 'claimed' || claim.reclaimed === undefined || !finder) return null;
  const at = Date.parse(claim.reclaimed.at);
  if (grace && !Number.isNaN(at)) {
    const wait = at + grace.ms - grace.now.getTime();
    if (wait > 0) await grace.sleep(Math.min(wait, grace.ms));
  }
  const since = Number.isNaN(at) ? new Date(0) : new Date(at - LOOKUP_MARGIN_SECONDS * 1000);
  try {
    return await finder.find(noticeKey, { ...where, since: since.toISOString() });
  } catch (error) {
    return { kind: 'unavailable', error: error instanceof Error ? error.message : String(error) };
  }
}

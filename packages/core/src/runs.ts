/**
 * Runs and their Slack thread (bot mode): one parent message per rollout run (one scan, one
 * `nodekeeper roll --apply`) or patch request, edited with chat.update as its node groups finish,
 * and every notice of the run posted as a reply in its thread. The run and its thread live in the
 * ledger, so every process (the scan, each rollout workflow, the patch-status function) finds the
 * same parent. Orchestration against ports; pure apart from the ports.
 */
import { buildRunStatusMessage } from './messages/status.ts';
import {
  type NodegroupRef,
  type RunControl,
  RunItemState,
  type RunStatus,
  type SlackMessage,
} from './messages/types.ts';

export type { RunControl } from './messages/types.ts';

export interface RunItem extends NodegroupRef {
  state: RunItemState;
}

/** Where the parent message is: the channel ID chat.postMessage answered with, and its ts. */
export interface RunThread {
  channel: string | null;
  ts: string;
}

export interface RunRecord {
  runId: string;
  /** `rollback`: a `nodekeeper rollback` run (its parent message says so). */
  kind: 'rollout' | 'patch' | 'rollback';
  /** ISO 8601. */
  startedAt: string;
  /** By {@link runItemKey}. */
  items: Record<string, RunItem>;
  /** Null until the parent message was posted (or when it could not be). */
  thread: RunThread | null;
  /** Incremented by every item change; a parent edit carries the newest version it saw. */
  version: number;
  /** The last pause or resume done from the parent's buttons (absent: none). */
  control?: RunControl | null;
}

/** The run in the ledger. Every write is conditional or atomic. */
export interface RunLedgerPort {
  /** Creates the run unless one exists with its ID; answers which. */
  openRun(run: RunRecord): Promise<{ kind: 'created' | 'exists' }>;
  getRun(runId: string): Promise<RunRecord | null>;
  /** Stores the parent's coordinates once; a second call changes nothing. */
  setRunThread(runId: string, thread: RunThread): Promise<void>;
  /** Sets one item's state (adding the item if new) and answers the run as stored after it. */
  setRunItem(runId: string, item: RunItem): Promise<RunRecord | null>;
  /** Removes items (by {@link runItemKey}) and answers the run as stored after it. */
  dropRunItems(runId: string, keys: readonly string[]): Promise<RunRecord | null>;
  /** Records the last pause or resume done from the parent; answers the run as stored after it (null: no run). */
  setRunControl(runId: string, control: RunControl): Promise<RunRecord | null>;
}

/** Slack for the parent: post (optionally in a thread) and edit. Never throws. */
export interface RunSlackPort {
  post(
    message: SlackMessage,
    threadTs?: string,
  ): Promise<{ ok: true; ts: string | null; channel: string | null } | { ok: false; error: string }>;
  update(thread: RunThread, message: SlackMessage): Promise<{ ok: true } | { ok: false; error: string }>;
}

export interface RunDeps {
  runs: RunLedgerPort;
  slack: RunSlackPort;
  /**
   * Waits between reads while another process posts the parent of a run it opened a moment ago
   * (duplicate deliveries). Without it the thread is read once.
   */
  sleep?: (ms: number) => Promise<void>;
}

/** Reads of a run whose parent another process is posting: 10 × 300 ms at most. */
const THREAD_WAIT = { reads: 10, ms: 300 };

/** The key of a node group within a run. Pure. */
export function runItemKey(ref: NodegroupRef): string {
  return [ref.accountId ?? '-', ref.region, ref.cluster, ref.nodegroup].join('|');
}

/** A new run with every node group pending. Pure. */
export function newRun(
  runId: string,
  kind: RunRecord['kind'],
  startedAt: string,
  refs: readonly NodegroupRef[],
): RunRecord {
  const items: Record<string, RunItem> = {};
  for (const ref of refs) {
    items[runItemKey(ref)] = {
      accountId: ref.accountId,
      region: ref.region,
      cluster: ref.cluster,
      nodegroup: ref.nodegroup,
      state: RunItemState.pending,
    };
  }
  return { runId, kind, startedAt, items, thread: null, version: 0 };
}

/** The run as the status message shows it, node groups in a stable order. Pure. */
export function runStatusOf(run: RunRecord): RunStatus {
  const items = Object.values(run.items).sort(
    (a, b) =>
      (a.accountId ?? '').localeCompare(b.accountId ?? '') ||
      a.region.localeCompare(b.region) ||
      a.cluster.localeCompare(b.cluster) ||
      a.nodegroup.localeCompare(b.nodegroup),
  );
  return { kind: run.kind, startedAt: run.startedAt, items, runId: run.runId, control: run.control ?? null };
}

export type OpenRunResult =
  | { kind: 'posted'; thread: RunThread }
  /** Another process opened this run (a duplicate delivery): its parent is the thread. */
  | { kind: 'exists'; thread: RunThread | null }
  | { kind: 'undeliverable'; error: string };

/**
 * Opens a run and posts its parent message once per run ID, however many processes try (the
 * ledger's conditional create decides). Never throws: a ledger or Slack failure is returned, and
 * the run's notices are then posted without a thread.
 */
export async function openRunThread(run: RunRecord, deps: RunDeps): Promise<OpenRunResult> {
  try {
    const opened = await deps.runs.openRun(run);
    if (opened.kind === 'exists') {
      let stored = await deps.runs.getRun(run.runId);
      for (
        let i = 1;
        i < THREAD_WAIT.reads && deps.sleep && stored !== null && stored.thread === null;
        i += 1
      ) {
        await deps.sleep(THREAD_WAIT.ms);
        stored = await deps.runs.getRun(run.runId);
      }
      return { kind: 'exists', thread: stored?.thread ?? null };
    }
    const posted = await deps.slack.post(buildRunStatusMessage(runStatusOf(run)));
    if (!posted.ok) return { kind: 'undeliverable', error: posted.error };
    if (posted.ts === null) return { kind: 'undeliverable', error: 'no-ts' };
    const thread = { channel: posted.channel, ts: posted.ts };
    await deps.runs.setRunThread(run.runId, thread);
    return { kind: 'posted', thread };
  } catch (error) {
    return { kind: 'undeliverable', error: error instanceof Error ? error.message : String(error) };
  }
}

/** The run's parent thread, or null (no such run, no parent, or the ledger unreadable). Never throws. */
export async function runThreadOf(runId: string | undefined, runs: RunLedgerPort): Promise<RunThread | null> {
  if (runId === undefined) return null;
  try {
    return (await runs.getRun(runId))?.thread ?? null;
  } catch {
    return null;
  }
}

/** How many times a parent edit re-reads the run when a newer change arrived meanwhile. */
const MAX_EDIT_ROUNDS = 3;

/**
 * Takes node groups out of a run: rollouts this run asked for that turned out to be running
 * already under an earlier run. Edits the parent. Never throws.
 */
export async function dropFromRun(
  runId: string,
  refs: readonly NodegroupRef[],
  deps: RunDeps,
): Promise<MarkRunItemResult> {
  if (refs.length === 0) return { kind: 'no-thread' };
  try {
    const run = await deps.runs.dropRunItems(runId, refs.map(runItemKey));
    if (run === null || run.thread === null) return { kind: 'no-thread' };
    const edited = await deps.slack.update(run.thread, buildRunStatusMessage(runStatusOf(run)));
    return edited.ok ? { kind: 'updated', run } : { kind: 'undeliverable', error: edited.error };
  } catch (error) {
    return { kind: 'undeliverable', error: error instanceof Error ? error.message : String(error) };
  }
}

export type MarkRunItemResult =
  | { kind: 'updated'; run: RunRecord }
  | { kind: 'no-thread' }
  | { kind: 'undeliverable'; error: string };

/**
 * Records one node group's state in the run and edits the parent ("5 node groups: 3 succeeded, 1
 * failed"). Concurrent finishes may reach Slack out of order, so after each edit the run is read
 * again and, if it changed meanwhile, edited again with the newer state (a few rounds at most):
 * the last writer always leaves the parent showing the newest state. Never throws.
 */
export async function markRunItem(runId: string, item: RunItem, deps: RunDeps): Promise<MarkRunItemResult> {
  try {
    return await editParent(runId, await deps.runs.setRunItem(runId, item), deps);
  } catch (error) {
    return { kind: 'undeliverable', error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Records a pause or resume done from the run's parent message and edits the parent (its buttons
 * and control line follow), with the same re-reads as {@link markRunItem}. Never throws.
 */
export async function controlRun(
  runId: string,
  control: RunControl,
  deps: RunDeps,
): Promise<MarkRunItemResult> {
  try {
    return await editParent(runId, await deps.runs.setRunControl(runId, control), deps);
  } catch (error) {
    return { kind: 'undeliverable', error: error instanceof Error ? error.message : String(error) };
  }
}

/** Edits the parent to `stored`, then again while a newer change arrived meanwhile (a few rounds). */
async function editParent(
  runId: string,
  stored: RunRecord | null,
  deps: RunDeps,
): Promise<MarkRunItemResult> {
  let run = stored;
  if (run === null || run.thread === null) return { kind: 'no-thread' };
  for (let round = 0; round < MAX_EDIT_ROUNDS; round += 1) {
    const thread: RunThread = run.thread ?? { channel: null, ts: '' };
    const edited = await deps.slack.update(thread, buildRunStatusMessage(runStatusOf(run)));
    if (!edited.ok) return { kind: 'undeliverable', error: edited.error };
    const again: RunRecord | null = await deps.runs.getRun(runId);
    if (again === null || again.version <= run.version) break;
    run = again;
  }
  return { kind: 'updated', run };
}

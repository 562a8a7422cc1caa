/**
 * What a verified `/nodekeeper` request does, over ports: route it, then answer at once, hand slow
 * work to the worker (an asynchronous self-invoke), write the pause flag or request a patch; and
 * what the worker answers. Never logs: each call returns what happened for the shell to log.
 */
import type { Config } from '../config.ts';
import { matchesGlob } from '../glob.ts';
import { buildPlanSummaryMessage } from '../messages/plan-summary.ts';
import type { SlackMessage } from '../messages/types.ts';
import type { HistoryQuery, RolloutRecord } from '../rollout/types.ts';
import type { Plan } from '../types/plan.ts';
import {
  approvedText,
  approveFailedText,
  buildHistoryMessage,
  buildStatusMessage,
  buildWorkFailedMessage,
  patchAcceptedText,
  patchFailedText,
  pausedText,
  pauseFailedText,
  recalledText,
  recallFailedText,
  resumedText,
  SLASH_MAX_LISTED,
  unrecalledText,
  unrecallFailedText,
  workFailedToStartText,
  workingText,
} from './replies.ts';
import { routeSlashCommand } from './route.ts';
import type {
  DeferredCommand,
  RefusalReason,
  SlashAction,
  SlashApproval,
  SlashPatchRequest,
  SlashRecall,
  SlashRecallTarget,
  SlashRequest,
  SlashWorkPayload,
} from './types.ts';

/** An asynchronous Lambda invoke; failures are values. */
export type SlashInvokeOutcome =
  | { kind: 'accepted'; lambdaRequestId: string | null }
  | { kind: 'failed'; errorCode: string };

/** Outcome of writing the pause flag: a refusal is a value carrying the AWS error code. */
export type PauseWriteOutcome = { kind: 'set' } | { kind: 'failed'; errorCode: string };

/** The pause flag as the slash command uses it. `set` never throws; `read` may (status reports it). */
export interface SlashPausePort {
  set(change: { paused: boolean; reason: string | null; by: string; at: string }): Promise<PauseWriteOutcome>;
  read(): Promise<{ paused: boolean; reason: string | null }>;
}

/** An approval as stored: who gave it and when (ISO 8601). */
export interface RecordedApproval extends SlashApproval {
  by: string;
  at: string;
}

/** Operator approvals (the ledger's approval items, as `nodekeeper approve` writes them). */
export interface SlashApprovalPort {
  /** Records `approval` unless an equal or newer one exists (then answers it). Throws when unreachable. */
  record(
    approval: RecordedApproval,
  ): Promise<{ kind: 'recorded' } | { kind: 'exists'; approval: RecordedApproval }>;
}

/** A recall as stored: who recalled and when (ISO 8601). */
export interface RecordedRecall extends SlashRecall {
  by: string;
  at: string;
}

/** Recalls (the ledger's recall items, as `nodekeeper recall` writes them). Both throw when unreachable. */
export interface SlashRecallPort {
  /** Records `recall` unless the same (line, release) is recalled already (then answers that one). */
  recall(recall: RecordedRecall): Promise<{ kind: 'recorded' | 'exists'; recall: RecordedRecall }>;
  /** Lifts the active recall of `target`, keeping who, when and why. */
  unrecall(
    target: SlashRecallTarget,
    lift: { by: string; at: string; reason: string | null },
  ): Promise<{ kind: 'lifted'; recall: RecordedRecall } | { kind: 'not-recalled' }>;
}

/** What the slash command reads and writes through. */
export interface SlashPorts {
  invoker: { invoke(functionName: string, payload: unknown): Promise<SlashInvokeOutcome> };
  pause: SlashPausePort;
  approvals: SlashApprovalPort;
  /** Absent: `recall` and `unrecall` answer that they cannot be recorded here. */
  recalls?: SlashRecallPort;
  /** Inspects every configured region and plans, as a scan would (read-only). */
  plan(now: Date): Promise<Plan>;
  history(query: HistoryQuery): Promise<RolloutRecord[]>;
}

export interface SlashContext {
  now: Date;
  /** This function's own name, for the worker's invoke; null: slow subcommands cannot run. */
  selfFunctionName: string | null;
  /** The patch function; null: `patch` is not configured. */
  patchFunctionName: string | null;
  newRequestId: () => string;
}

/** The immediate answer to Slack. */
export interface SlashReply {
  responseType: 'ephemeral' | 'in_channel';
  text: string;
}

/** What a request did, for the shell's one log line. */
export type SlashOutcome =
  | { kind: 'usage' }
  | { kind: 'refused'; command: string; reason: RefusalReason }
  | { kind: 'work-started'; command: DeferredCommand['kind']; lambdaRequestId: string | null }
  | { kind: 'work-not-started'; command: DeferredCommand['kind']; error: string }
  | { kind: 'pause-set'; command: 'pause' | 'resume' }
  | { kind: 'pause-failed'; command: 'pause' | 'resume'; error: string }
  | { kind: 'patch-requested'; request: SlashPatchRequest; lambdaRequestId: string | null }
  | { kind: 'patch-not-sent'; request: SlashPatchRequest; error: string }
  | { kind: 'approved'; result: 'recorded' | 'exists'; approval: RecordedApproval }
  | { kind: 'approve-failed'; approval: SlashApproval; error: string }
  | { kind: 'recalled'; result: 'recorded' | 'exists'; recall: RecordedRecall }
  | { kind: 'recall-failed'; recall: SlashRecall; error: string }
  | { kind: 'unrecalled'; result: 'lifted' | 'not-recalled'; target: SlashRecallTarget }
  | { kind: 'unrecall-failed'; target: SlashRecallTarget; error: string };

/** The config the slash program reads: the allowlist, the managed clusters and the waves. */
export type SlashConfig = Pick<Config, 'slack' | 'clusters'> & { waves?: ReadonlyArray<{ name: string }> };

const reply = (responseType: SlashReply['responseType'], text: string): SlashReply => ({
  responseType,
  text,
});

/** Routes a verified request by `config` and carries it out through `ports`. Never throws for AWS refusals. */
export async function runSlashCommand(
  request: SlashRequest,
  config: SlashConfig,
  ports: SlashPorts,
  context: SlashContext,
): Promise<{ reply: SlashReply; outcome: SlashOutcome }> {
  const action = routeSlashCommand({
    text: request.text,
    userId: request.userId,
    allowedUserIds: config.slack.allowedUserIds,
    clusterPatterns: config.clusters,
    waveNames: (config.waves ?? []).map((w) => w.name),
  });
  return runSlashAction(action, request, ports, context);
}

/**
 * Carries out one routed action (typed, or from a button: the same program does the same thing)
 * through `ports`. Never throws for AWS refusals.
 */
export async function runSlashAction(
  action: SlashAction,
  request: Pick<SlashRequest, 'userId' | 'responseUrl'>,
  ports: SlashPorts,
  context: SlashContext,
): Promise<{ reply: SlashReply; outcome: SlashOutcome }> {
  switch (action.kind) {
    case 'reply':
      return { reply: reply('ephemeral', action.text), outcome: { kind: 'usage' } };
    case 'refuse':
      return {
        reply: reply('ephemeral', action.text),
        outcome: { kind: 'refused', command: action.command, reason: action.reason },
      };
    case 'defer': {
      const { command } = action;
      const payload: SlashWorkPayload = {
        kind: 'slack-command-work',
        version: 1,
        command,
        userId: request.userId,
        responseUrl: request.responseUrl,
        requestedAt: context.now.toISOString(),
      };
      const invoked =
        context.selfFunctionName === null
          ? { kind: 'failed' as const, errorCode: 'self-function-unknown' }
          : await ports.invoker.invoke(context.selfFunctionName, payload);
      return invoked.kind === 'failed'
        ? {
            reply: reply('ephemeral', workFailedToStartText(command)),
            outcome: { kind: 'work-not-started', command: command.kind, error: invoked.errorCode },
          }
        : {
            reply: reply('ephemeral', workingText(command)),
            outcome: {
              kind: 'work-started',
              command: command.kind,
              lambdaRequestId: invoked.lambdaRequestId,
            },
          };
    }
    case 'pause':
    case 'resume': {
      const paused = action.kind === 'pause';
      const reason = action.kind === 'pause' ? action.reason : null;
      const written = await ports.pause.set({
        paused,
        reason,
        by: `slack:${request.userId}`,
        at: context.now.toISOString(),
      });
      if (written.kind === 'failed') {
        return {
          reply: reply('ephemeral', pauseFailedText(action.kind, written.errorCode)),
          outcome: { kind: 'pause-failed', command: action.kind, error: written.errorCode },
        };
      }
      return {
        reply: reply('in_channel', paused ? pausedText(request.userId, reason) : resumedText(request.userId)),
        outcome: { kind: 'pause-set', command: action.kind },
      };
    }
    case 'patch': {
      const patch: SlashPatchRequest = { ...action.request, requestId: context.newRequestId() };
      const invoked =
        context.patchFunctionName === null
          ? { kind: 'failed' as const, errorCode: 'patch-function-not-configured' }
          : await ports.invoker.invoke(context.patchFunctionName, patchPayload(patch));
      return invoked.kind === 'failed'
        ? {
            reply: reply('ephemeral', patchFailedText(patch, invoked.errorCode)),
            outcome: { kind: 'patch-not-sent', request: patch, error: invoked.errorCode },
          }
        : {
            reply: reply('in_channel', patchAcceptedText(patch, request.userId)),
            outcome: { kind: 'patch-requested', request: patch, lambdaRequestId: invoked.lambdaRequestId },
          };
    }
    case 'approve': {
      const approval: RecordedApproval = { ...action.approval, by: action.by, at: context.now.toISOString() };
      try {
        const recorded = await ports.approvals.record(approval);
        const stored = recorded.kind === 'recorded' ? approval : recorded.approval;
        return {
          reply: reply('in_channel', approvedText(stored, recorded.kind, request.userId)),
          outcome: { kind: 'approved', result: recorded.kind, approval: stored },
        };
      } catch (error) {
        const code = slashErrorCode(error);
        return {
          reply: reply('ephemeral', approveFailedText(action.approval, code)),
          outcome: { kind: 'approve-failed', approval: action.approval, error: code },
        };
      }
    }
    case 'recall':
      return runRecall(action, request.userId, ports, context.now);
    case 'unrecall':
      return runUnrecall(action, request.userId, ports, context.now);
  }
}

/** Records a recall (`/nodekeeper recall`), as `nodekeeper recall` does. Never throws. */
async function runRecall(
  action: Extract<SlashAction, { kind: 'recall' }>,
  userId: string,
  ports: SlashPorts,
  now: Date,
): Promise<{ reply: SlashReply; outcome: SlashOutcome }> {
  const recall: RecordedRecall = { ...action.recall, by: action.by, at: now.toISOString() };
  try {
    if (ports.recalls === undefined)
      throw Object.assign(new Error('no recall store'), { code: 'not-configured' });
    const recorded = await ports.recalls.recall(recall);
    return {
      reply: reply('in_channel', recalledText(recorded.recall, recorded.kind, userId)),
      outcome: { kind: 'recalled', result: recorded.kind, recall: recorded.recall },
    };
  } catch (error) {
    const code = slashErrorCode(error);
    return {
      reply: reply('ephemeral', recallFailedText(action.recall, code)),
      outcome: { kind: 'recall-failed', recall: action.recall, error: code },
    };
  }
}

/** Lifts a recall (`/nodekeeper unrecall`), as `nodekeeper unrecall` does. Never throws. */
async function runUnrecall(
  action: Extract<SlashAction, { kind: 'unrecall' }>,
  userId: string,
  ports: SlashPorts,
  now: Date,
): Promise<{ reply: SlashReply; outcome: SlashOutcome }> {
  try {
    if (ports.recalls === undefined)
      throw Object.assign(new Error('no recall store'), { code: 'not-configured' });
    const lifted = await ports.recalls.unrecall(action.target, {
      by: action.by,
      at: now.toISOString(),
      reason: action.reason,
    });
    return {
      reply: reply(
        lifted.kind === 'lifted' ? 'in_channel' : 'ephemeral',
        unrecalledText(action.target, lifted, userId),
      ),
      outcome: { kind: 'unrecalled', result: lifted.kind, target: action.target },
    };
  } catch (error) {
    const code = slashErrorCode(error);
    return {
      reply: reply('ephemeral', unrecallFailedText(action.target, code)),
      outcome: { kind: 'unrecall-failed', target: action.target, error: code },
    };
  }
}

/** A short code for an error (its AWS code or name), safe to show and log. Pure. */
export function slashErrorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const e = error as { name?: unknown; code?: unknown; Code?: unknown };
    for (const c of [e.Code, e.code, e.name])
      if (typeof c === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(c)) return c;
  }
  return 'Error';
}

/**
 * The worker's answer to a deferred subcommand. A failure is answered too (never rethrown: an
 * asynchronous invoke would retry and answer twice); `error` then carries its code.
 */
export async function answerDeferredCommand(
  command: DeferredCommand,
  ports: Pick<SlashPorts, 'pause' | 'plan' | 'history'>,
  now: Date,
): Promise<{ message: SlackMessage; error: string | null }> {
  try {
    return { message: await deferredAnswer(command, ports, now), error: null };
  } catch (error) {
    const code = slashErrorCode(error);
    return { message: buildWorkFailedMessage(command, code), error: code };
  }
}

async function deferredAnswer(
  command: DeferredCommand,
  ports: Pick<SlashPorts, 'pause' | 'plan' | 'history'>,
  now: Date,
): Promise<SlackMessage> {
  switch (command.kind) {
    case 'plan': {
      const full = await ports.plan(now);
      const { cluster } = command;
      const planned =
        cluster === undefined
          ? full
          : { ...full, items: full.items.filter((i) => matchesGlob(i.cluster, cluster)) };
      return buildPlanSummaryMessage(planned);
    }
    case 'history': {
      const records = await historyOf(ports, command.cluster, SLASH_MAX_LISTED * 2);
      return buildHistoryMessage(records, command.cluster);
    }
    case 'status': {
      const pause = await ports.pause.read();
      const all = await ports.history({ limit: 1000 });
      return buildStatusMessage(
        pause,
        all.filter((r) => r.outcome === 'started'),
      );
    }
  }
}

/** History for a cluster name (ledger query), a glob (all, filtered) or everything. */
async function historyOf(
  ports: Pick<SlashPorts, 'history'>,
  cluster: string | undefined,
  limit: number,
): Promise<RolloutRecord[]> {
  if (cluster === undefined) return ports.history({ limit });
  if (!/[*?]/.test(cluster)) return ports.history({ cluster, limit });
  const all = await ports.history({ limit: 1000 });
  return all.filter((r) => matchesGlob(r.cluster, cluster)).slice(0, limit);
}

/**
 * The patch function's payload for a slash-command request. Kept in one place so it can follow
 * the patch function's published schema. Pure.
 */
export function patchPayload(request: SlashPatchRequest): Record<string, unknown> {
  return {
    requestId: request.requestId,
    cluster: request.cluster,
    ...(request.nodegroups.length > 0 ? { nodegroups: request.nodegroups } : {}),
    operation: request.operation,
    reboot: request.reboot,
    requestedBy: request.requestedBy,
  };
}

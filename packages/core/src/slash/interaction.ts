/**
 * Buttons: Slack's `block_actions` interaction payloads, validated as untrusted input, and what a
 * click does. A click goes through the slash program (`runSlashAction`), so a button and the typed
 * command do the same thing, with the same allowlist; it is accepted once (the signed-request
 * claim), and the message it came from is edited in place so its buttons become the outcome. Pure
 * apart from the ports.
 */
import * as z from 'zod';
import {
  type ActionKind,
  actionKindOf,
  type Decision,
  decidedBlocks,
  type EchoedBlock,
} from '../messages/actions.ts';
import type { SlackMessage } from '../messages/types.ts';
import { controlRun, type RunLedgerPort, type RunSlackPort } from '../runs.ts';
import {
  alreadyHandledText,
  claimFailedText,
  REQUEST_CLAIM_TTL_SECONDS,
  type RequestClaimPort,
} from './once.ts';
import {
  runSlashAction,
  type SlashConfig,
  type SlashContext,
  type SlashOutcome,
  type SlashPorts,
  slashErrorCode,
} from './program.ts';
import { isAllowedResponseUrl } from './request.ts';
import { approveAction, isAllowedUser, notAllowedText, recallAction } from './route.ts';
import { RefusalReason, type SlashAction } from './types.ts';

const USER_ID = /^[UW][A-Z0-9]{2,30}$/;
const TEAM_ID = /^[TE][A-Z0-9]{2,30}$/;
const CHANNEL_ID = /^[CDG][A-Z0-9]{2,30}$/;
/** A Slack message timestamp, `1700000000.123456`. */
const MESSAGE_TS = /^\d{1,12}\.\d{1,8}$/;
const RUN_ID = /^[A-Za-z0-9_.:-]{1,100}$/;
/** EKS cluster and node group names. */
const EKS_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const RELEASE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const FAMILY = /^(?:[a-z0-9-]{2,30}|golden:\/[A-Za-z0-9_.\-/]{1,1000})$/;

/** One click, as nodekeeper uses it (Slack sends more). */
export interface SlackInteraction {
  userId: string;
  teamId: string | null;
  /** Where the clicked message is (`container`). */
  channelId: string;
  messageTs: string;
  responseUrl: string;
  actionId: string;
  blockId: string;
  /** The button's `value`, still untrusted (see {@link buttonIntentOf}). */
  value: string;
  /** The clicked message as Slack shows it: the edit starts from it. */
  message: { text: string; blocks: EchoedBlock[] };
}

function payloadSchema(allowLocal: boolean) {
  const block = z.looseObject({ type: z.string().min(1).max(50), block_id: z.string().max(255).optional() });
  return z.looseObject({
    type: z.literal('block_actions'),
    user: z.looseObject({ id: z.string().regex(USER_ID, 'expected a Slack user ID') }),
    team: z
      .looseObject({ id: z.string().regex(TEAM_ID, 'expected a Slack team ID') })
      .nullable()
      .optional(),
    container: z.looseObject({
      type: z.literal('message', 'expected a click on a message'),
      message_ts: z.string().regex(MESSAGE_TS, 'expected a message timestamp'),
      channel_id: z.string().regex(CHANNEL_ID, 'expected a Slack channel ID'),
      is_ephemeral: z.literal(false, 'ephemeral messages carry no nodekeeper buttons').optional(),
    }),
    message: z.looseObject({
      ts: z.string().regex(MESSAGE_TS, 'expected a message timestamp'),
      text: z.string().max(40_000).optional(),
      blocks: z.array(block).max(50).default([]),
    }),
    response_url: z
      .string()
      .max(2048)
      .refine((v) => isAllowedResponseUrl(v, allowLocal), {
        message: allowLocal
          ? 'must be an https://hooks.slack.com/ or loopback URL'
          : 'must be an https://hooks.slack.com/ URL',
      }),
    actions: z
      .array(
        z.looseObject({
          type: z.literal('button', 'expected a button'),
          action_id: z.string().max(255),
          block_id: z.string().max(255),
          value: z.string().max(2000),
        }),
      )
      .length(1, 'expected exactly one action'),
  });
}

export type InteractionParse =
  | { ok: true; interaction: SlackInteraction }
  | { ok: false; problems: string[] };

function problemsOf(error: z.ZodError): string[] {
  // Paths and messages only, never values: a value may be a response_url (a short-lived secret).
  return error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
}

/**
 * Reads a `block_actions` request body (`application/x-www-form-urlencoded`, one field `payload`
 * holding JSON). Call only after the signature was verified. Pure; never throws.
 */
export function parseInteractionPayload(
  rawBody: string,
  options: { allowLocal?: boolean } = {},
): InteractionParse {
  const form = new URLSearchParams(rawBody);
  const fields = form.getAll('payload');
  if (fields.length !== 1) return { ok: false, problems: ['payload: expected exactly one payload field'] };
  let json: unknown;
  try {
    json = JSON.parse(fields[0] ?? '');
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { ok: false, problems: ['payload: not JSON'] };
  }
  const parsed = payloadSchema(options.allowLocal === true).safeParse(json);
  if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
  const p = parsed.data;
  const action = p.actions[0];
  if (action === undefined) return { ok: false, problems: ['actions: expected exactly one action'] };
  if (p.message.ts !== p.container.message_ts)
    return { ok: false, problems: ['message.ts: does not match container.message_ts'] };
  return {
    ok: true,
    interaction: {
      userId: p.user.id,
      teamId: p.team?.id ?? null,
      channelId: p.container.channel_id,
      messageTs: p.container.message_ts,
      responseUrl: p.response_url,
      actionId: action.action_id,
      blockId: action.block_id,
      value: action.value,
      message: { text: p.message.text ?? '', blocks: p.message.blocks as EchoedBlock[] },
    },
  };
}

/** What a button asks for, from its `action_id` and `value` (validated). */
export type ButtonIntent =
  | { kind: 'approve'; release: string; family: string; wave: string | null }
  | { kind: 'keep-halted'; release: string; family: string }
  | { kind: 'pause' | 'resume'; runId: string }
  | { kind: 'recall'; release: string; family: string | null; cluster: string; nodegroup: string }
  | {
      kind: 'retry';
      release: string;
      family: string;
      accountId: string | null;
      region: string;
      cluster: string;
      nodegroup: string;
    };

const releaseValue = {
  v: z.literal(1),
  release: z.string().regex(RELEASE, 'expected a release'),
  family: z.string().regex(FAMILY, 'expected a release line'),
};
const valueSchemas = {
  approve: z.strictObject({ ...releaseValue, wave: z.string().min(1).max(63).nullable() }),
  'keep-halted': z.strictObject(releaseValue),
  pause: z.strictObject({ v: z.literal(1), runId: z.string().regex(RUN_ID, 'expected a run ID') }),
  resume: z.strictObject({ v: z.literal(1), runId: z.string().regex(RUN_ID, 'expected a run ID') }),
  recall: z.strictObject({
    v: z.literal(1),
    release: z.string().regex(RELEASE, 'expected a release or AMI ID'),
    family: z.string().regex(FAMILY, 'expected a release line').nullable(),
    cluster: z.string().regex(EKS_NAME, 'expected a cluster name'),
    nodegroup: z.string().regex(EKS_NAME, 'expected a node group name'),
  }),
  retry: z.strictObject({
    ...releaseValue,
    accountId: z
      .string()
      .regex(/^\d{12}$/, 'expected a 12-digit account ID')
      .nullable(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region'),
    cluster: z.string().regex(EKS_NAME, 'expected a cluster name'),
    nodegroup: z.string().regex(EKS_NAME, 'expected a node group name'),
  }),
} satisfies Record<ActionKind, z.ZodType>;

/** The intent of a clicked button, or why it is not understood. Pure; never throws. */
export function buttonIntentOf(
  interaction: Pick<SlackInteraction, 'actionId' | 'value'>,
): { ok: true; intent: ButtonIntent } | { ok: false; problem: string } {
  const kind = actionKindOf(interaction.actionId);
  if (kind === null) return { ok: false, problem: 'action_id: not a nodekeeper button' };
  let json: unknown;
  try {
    json = JSON.parse(interaction.value);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { ok: false, problem: 'value: not JSON' };
  }
  switch (kind) {
    case 'approve': {
      const v = valueSchemas.approve.safeParse(json);
      return v.success
        ? { ok: true, intent: { kind, release: v.data.release, family: v.data.family, wave: v.data.wave } }
        : { ok: false, problem: problemsOf(v.error).join('; ') };
    }
    case 'keep-halted': {
      const v = valueSchemas['keep-halted'].safeParse(json);
      return v.success
        ? { ok: true, intent: { kind, release: v.data.release, family: v.data.family } }
        : { ok: false, problem: problemsOf(v.error).join('; ') };
    }
    case 'pause':
    case 'resume': {
      const v = valueSchemas[kind].safeParse(json);
      return v.success
        ? { ok: true, intent: { kind, runId: v.data.runId } }
        : { ok: false, problem: problemsOf(v.error).join('; ') };
    }
    case 'recall': {
      const v = valueSchemas.recall.safeParse(json);
      if (!v.success) return { ok: false, problem: problemsOf(v.error).join('; ') };
      const { release, family, cluster, nodegroup } = v.data;
      return { ok: true, intent: { kind, release, family, cluster, nodegroup } };
    }
    case 'retry': {
      const v = valueSchemas.retry.safeParse(json);
      if (!v.success) return { ok: false, problem: problemsOf(v.error).join('; ') };
      const { release, family, accountId, region, cluster, nodegroup } = v.data;
      return { ok: true, intent: { kind, release, family, accountId, region, cluster, nodegroup } };
    }
  }
}

/** Slack for interactions: edit the clicked message, and answer the clicker alone. Never throw. */
export interface InteractionSlackPort {
  /** chat.update of the clicked message (or, without a bot token, response_url with replace_original). */
  update(
    target: { channel: string; ts: string; responseUrl: string },
    message: SlackMessage,
  ): Promise<{ ok: true } | { ok: false; error: string }>;
  /** An ephemeral answer on response_url (the original message stays). */
  ephemeral(responseUrl: string, text: string): Promise<{ ok: true } | { ok: false; error: string }>;
}

export interface InteractionPorts extends SlashPorts {
  claims: RequestClaimPort;
  /** The run ledger (Pause/Resume on a run's parent); null: the parent is edited from the click alone. */
  runs: RunLedgerPort | null;
  slack: InteractionSlackPort;
}

/** What a click did, for the shell's one log line. */
export type InteractionOutcome =
  | { kind: 'replayed' }
  | { kind: 'claim-failed'; error: string }
  | { kind: 'invalid'; problem: string }
  | { kind: 'refused'; action: ActionKind; reason: string }
  | { kind: 'failed'; action: ActionKind; outcome: SlashOutcome | null; error: string }
  | {
      kind: 'done';
      action: ActionKind;
      outcome: SlashOutcome | null;
      /** Null when the message was edited; else Slack's error. */
      updateError: string | null;
    };

/** The answer to a button nodekeeper does not understand (an old message, a forged value). */
export function buttonNotUnderstoodText(): string {
  return 'Sorry, nodekeeper does not understand this button (it may be from an older version). Nothing was changed; use `/nodekeeper` instead.';
}

/**
 * The worker's half of a click (verified and parsed): claims it once, checks the button and the
 * allowlist, does what it asks through the slash program, and edits the clicked message so its
 * buttons become the outcome. Refusals and failures are answered to the clicker alone and change
 * nothing. Never throws.
 */
export async function runSignedInteraction(
  interaction: SlackInteraction,
  claim: { key: string; timestampSeconds: number },
  config: SlashConfig,
  ports: InteractionPorts,
  context: SlashContext,
): Promise<InteractionOutcome> {
  const answer = (text: string) => ports.slack.ephemeral(interaction.responseUrl, text);
  try {
    const claimed = await ports.claims.claim(
      claim.key,
      claim.timestampSeconds + REQUEST_CLAIM_TTL_SECONDS,
      context.now.toISOString(),
    );
    if (claimed.kind === 'already-handled') {
      await answer(alreadyHandledText());
      return { kind: 'replayed' };
    }
  } catch (error) {
    const code = slashErrorCode(error);
    await answer(claimFailedText(code));
    return { kind: 'claim-failed', error: code };
  }

  const read = buttonIntentOf(interaction);
  if (!read.ok) {
    await answer(buttonNotUnderstoodText());
    return { kind: 'invalid', problem: read.problem };
  }
  const intent = read.intent;
  // Every nodekeeper button decides something: only allowlisted users may click them.
  if (!isAllowedUser(interaction.userId, config.slack.allowedUserIds)) {
    await answer(notAllowedText(intent.kind));
    return { kind: 'refused', action: intent.kind, reason: RefusalReason.notAllowed };
  }
  const by = `slack:${interaction.userId}`;
  const at = context.now.toISOString();
  const target = {
    channel: interaction.channelId,
    ts: interaction.messageTs,
    responseUrl: interaction.responseUrl,
  };
  const edit = async (decision: Decision): Promise<string | null> => {
    const blocks = decidedBlocks(interaction.message.blocks, interaction.actionId, decision);
    // The echoed blocks are Slack's rendering of nodekeeper's own message, sent back as they came.
    const edited = await ports.slack.update(target, {
      text: interaction.message.text || 'nodekeeper',
      blocks: blocks as unknown as SlackMessage['blocks'],
    });
    return edited.ok ? null : edited.error;
  };

  if (intent.kind === 'keep-halted') {
    const updateError = await edit({ kind: 'kept-halted', by, at });
    return { kind: 'done', action: intent.kind, outcome: null, updateError };
  }

  const action: SlashAction =
    intent.kind === 'approve'
      ? approveAction(
          { release: intent.release, family: intent.family, wave: intent.wave, userId: interaction.userId },
          (config.waves ?? []).map((w) => w.name),
        )
      : intent.kind === 'recall'
        ? recallAction(
            {
              kind: 'recall',
              release: intent.release,
              ...(intent.family === null ? {} : { family: intent.family }),
              reason: `the rollout of ${intent.cluster}/${intent.nodegroup} to it failed (recalled from its Slack notice)`,
            },
            by,
          )
        : intent.kind === 'retry'
          ? {
              kind: 'approve',
              // A retry is an approval of the release it failed on, for this node group only.
              approval: {
                release: intent.release,
                family: intent.family,
                wave: null,
                nodegroup: {
                  accountId: intent.accountId,
                  region: intent.region,
                  cluster: intent.cluster,
                  nodegroup: intent.nodegroup,
                },
              },
              by,
            }
          : intent.kind === 'pause'
            ? { kind: 'pause', reason: null, by }
            : { kind: 'resume', by };
  if (action.kind === 'refuse') {
    await answer(action.text);
    return { kind: 'refused', action: intent.kind, reason: action.reason };
  }
  const done = await runSlashAction(action, interaction, ports, { ...context, selfFunctionName: null });
  const o = done.outcome;
  if (o.kind === 'approved' && intent.kind === 'retry') {
    const updateError = await edit({
      kind: 'retried',
      nodegroup: `${intent.cluster}/${intent.nodegroup}`,
      by: o.approval.by,
      at: o.approval.at,
    });
    return { kind: 'done', action: intent.kind, outcome: o, updateError };
  }
  if (o.kind === 'approved') {
    const updateError = await edit({
      kind: 'approved',
      wave: o.approval.wave,
      by: o.approval.by,
      at: o.approval.at,
      already: o.result === 'exists',
    });
    return { kind: 'done', action: intent.kind, outcome: o, updateError };
  }
  if (o.kind === 'recalled') {
    const updateError = await edit({
      kind: 'recalled',
      by: o.recall.by,
      at: o.recall.at,
      already: o.result === 'exists',
    });
    return { kind: 'done', action: intent.kind, outcome: o, updateError };
  }
  if (o.kind === 'pause-set' && (intent.kind === 'pause' || intent.kind === 'resume')) {
    const control = { paused: intent.kind === 'pause', by, at };
    let updateError: string | null = null;
    const controlled =
      ports.runs === null
        ? null
        : await controlRun(intent.runId, control, {
            runs: ports.runs,
            slack: runSlackFor(ports.slack, target),
          });
    // No run record (expired, or no ledger): the parent is edited from the click alone.
    if (controlled === null || controlled.kind === 'no-thread')
      updateError = await edit({ kind: intent.kind === 'pause' ? 'paused' : 'resumed', by, at });
    else if (controlled.kind === 'undeliverable') updateError = controlled.error;
    return { kind: 'done', action: intent.kind, outcome: o, updateError };
  }
  // The slash program's failure answer (e.g. the pause flag or the approval could not be written).
  await answer(done.reply.text);
  const error = 'error' in o && typeof o.error === 'string' ? o.error : o.kind;
  return { kind: 'failed', action: intent.kind, outcome: o, error };
}

/** The run's parent is the clicked message: edits go to it through the interaction's Slack port. */
function runSlackFor(
  slack: InteractionSlackPort,
  target: { channel: string; ts: string; responseUrl: string },
): RunSlackPort {
  return {
    post: async () => ({ ok: false, error: 'not-supported' }),
    update: (thread, message) =>
      slack.update(
        { channel: thread.channel ?? target.channel, ts: thread.ts, responseUrl: target.responseUrl },
        message,
      ),
  };
}

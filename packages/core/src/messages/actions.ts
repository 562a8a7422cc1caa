/**
 * Buttons on the messages that ask for a decision (a halted release, a rollout run), the values
 * they carry, and what a decision turns them into: the clicked buttons become the outcome ("Approved
 * for wave prod by @user at 03:12 UTC"). Pure.
 */
import { context } from './format.ts';
import { code, truncatePlain } from './mrkdwn.ts';
import type { ActionButton, ActionsBlock, Block, ContextBlock, RunControl, RunStatus } from './types.ts';

/** `action_id` prefixes; a message with several buttons of one kind numbers them (`.1`, `.2`). */
export const ActionId = {
  approve: 'nodekeeper.approve',
  keepHalted: 'nodekeeper.keep-halted',
  pause: 'nodekeeper.pause',
  resume: 'nodekeeper.resume',
  recall: 'nodekeeper.recall',
  retry: 'nodekeeper.retry',
} as const;
export type ActionId = (typeof ActionId)[keyof typeof ActionId];
export type ActionKind = 'approve' | 'keep-halted' | 'pause' | 'resume' | 'recall' | 'retry';

/** The `block_id` of nodekeeper's actions block (a suffix `.N` after each update, as Slack asks). */
export const ACTIONS_BLOCK_ID = 'nodekeeper.actions';
/** The `block_id` prefix of an outcome line. */
export const OUTCOME_BLOCK_ID = 'nodekeeper.outcome';

/** At most this many "Approve … for wave W" buttons on one halt notice. */
export const MAX_WAVE_BUTTONS = 5;

/** The action kind of an `action_id` nodekeeper wrote, or null. Pure. */
export function actionKindOf(actionId: string): ActionKind | null {
  const m = /^nodekeeper\.(approve|keep-halted|pause|resume|recall|retry)(?:\.\d{1,2})?$/.exec(actionId);
  return (m?.[1] as ActionKind | undefined) ?? null;
}

/** What an Approve button carries (its `value`, JSON). */
export interface ApproveValue {
  release: string;
  family: string;
  /** Null: every wave. */
  wave: string | null;
}

/** What Keep halted carries. */
export interface HaltValue {
  release: string;
  family: string;
}

/** What "Recall this image" on a failed rollout carries: the target as typed, and where it failed. */
export interface RecallValue {
  /** The target's release version, or its AMI ID (custom AMIs). */
  release: string;
  /** The release line; null for an AMI ID (it names one image on every line). */
  family: string | null;
  cluster: string;
  nodegroup: string;
}

/** What Retry on a failed rollout carries: the node group and the release it failed on. */
export interface RetryValue {
  /** Release identity (`20261110`, `1.50.0`, an AMI ID), as `nodekeeper retry` records it. */
  release: string;
  family: string;
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string;
}

/** What Pause and Resume on a run's parent carry. */
export interface RunValue {
  runId: string;
}

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });

function button(
  actionId: string,
  text: string,
  value: object,
  confirm?: { title: string; text: string; confirm: string },
): ActionButton {
  return {
    type: 'button',
    action_id: actionId,
    text: plain(truncatePlain(text, 75)),
    value: JSON.stringify({ v: 1, ...value }),
    ...(confirm
      ? {
          confirm: {
            title: plain(truncatePlain(confirm.title, 100)),
            text: plain(truncatePlain(confirm.text, 300)),
            confirm: plain(confirm.confirm),
            deny: plain('Cancel'),
          },
        }
      : {}),
  };
}

/**
 * The buttons of a halt notice: "Approve <release> for wave <W>" for each wave offered (at most
 * {@link MAX_WAVE_BUTTONS}: the waves the failures happened in first, then the next ones, as the
 * notice's commands list them), "Approve <release> for every wave", and "Keep halted". The halt
 * stops the release in every wave, so the wave an operator lets go on is often not the one that
 * failed. Each approval asks for confirmation first. Pure.
 */
export function haltActions(halted: {
  release: string;
  family: string;
  /** Waves to offer, in order; duplicates are ignored. */
  waves: readonly string[];
}): ActionsBlock {
  const { release, family } = halted;
  const waves = [...new Set(halted.waves)].slice(0, MAX_WAVE_BUTTONS);
  const approve = (wave: string | null, n: number): ActionButton => {
    const where = wave === null ? 'every wave' : `wave ${wave}`;
    const value: ApproveValue = { release, family, wave };
    return button(`${ActionId.approve}.${n}`, `Approve ${release} for ${where}`, value, {
      title: `Approve ${release}?`,
      text:
        `nodekeeper starts release ${release} (${family}) in ${where} again, on its next scan in the ` +
        'window and budgets. Failures before now are forgiven there; a new failure holds it again.',
      confirm: 'Approve',
    });
  };
  const keep: HaltValue = { release, family };
  return {
    type: 'actions',
    block_id: ACTIONS_BLOCK_ID,
    elements: [
      ...waves.map((w, i) => approve(w, i + 1)),
      approve(null, waves.length + 1),
      button(ActionId.keepHalted, 'Keep halted', keep),
    ],
  };
}

/** Who did something, as recorded (`slack:U…`, an IAM ARN, `user:…`): a mention for Slack users, else code. Pure. */
export function actorText(by: string): string {
  const slack = /^slack:([UW][A-Z0-9]{2,30})$/.exec(by);
  return slack?.[1] ? `<@${slack[1]}>` : code(by.slice(0, 200));
}

/**
 * The button of a failed rollout's notice: "Recall this image", so no node group rolls to it
 * until someone runs `unrecall` (the same recall as `/nodekeeper recall`). Asks for confirmation. Pure.
 */
export function recallActions(target: RecallValue, retry: RetryValue | null = null): ActionsBlock {
  const what = target.family === null ? target.release : `release ${target.release} (${target.family})`;
  return {
    type: 'actions',
    block_id: ACTIONS_BLOCK_ID,
    elements: [
      ...(retry === null
        ? []
        : [
            button(ActionId.retry, 'Retry', retry, {
              title: `Retry ${retry.cluster}/${retry.nodegroup}?`,
              text:
                `nodekeeper lets ${retry.cluster}/${retry.nodegroup} try ${retry.release} (${retry.family}) again as a new ` +
                'attempt, on its next scan in the window and budgets (as nodekeeper retry). Other node groups stay as they are.',
              confirm: 'Retry',
            }),
          ]),
      {
        ...button(ActionId.recall, 'Recall this image', target, {
          title: 'Recall this image?',
          text:
            `No node group rolls to ${what} until someone runs unrecall; node groups already on it keep it. ` +
            `The reason recorded: the failed rollout of ${target.cluster}/${target.nodegroup}.`,
          confirm: 'Recall',
        }),
        style: 'danger',
      },
    ],
  };
}

/** "03:12 UTC on 2026-11-24". Pure. */
export function utcTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return code(iso.slice(0, 40));
  const d = new Date(t).toISOString();
  return `${d.slice(11, 16)} UTC on ${d.slice(0, 10)}`;
}

/** The pause state a run's parent shows: who last paused or resumed from it, and when. */
function controlLine(control: RunControl): string {
  return control.paused
    ? `:double_vertical_bar: Paused by ${actorText(control.by)} at ${utcTime(control.at)}: updates already running finish; no new rollout starts until resumed.`
    : `:arrow_forward: Resumed by ${actorText(control.by)} at ${utcTime(control.at)}.`;
}

/**
 * The parent's controls: the last pause or resume done from it, and while any node group is still
 * pending or in progress, "Pause rollouts" (or "Resume rollouts" after a pause). Rollout and rollback runs;
 * not patch runs; none without a run ID. Pure.
 */
export function runControlBlocks(status: RunStatus): Block[] {
  if (status.kind === 'patch' || status.runId === undefined) return [];
  const blocks: Block[] = [];
  const control = status.control ?? null;
  if (control !== null) blocks.push({ ...context(controlLine(control)), block_id: OUTCOME_BLOCK_ID });
  const active = status.items.some((i) => i.state === 'pending' || i.state === 'in-progress');
  if (!active) return blocks;
  const value: RunValue = { runId: status.runId };
  const paused = control?.paused === true;
  blocks.push({
    type: 'actions',
    block_id: ACTIONS_BLOCK_ID,
    elements: [
      paused
        ? button(ActionId.resume, 'Resume rollouts', value)
        : button(ActionId.pause, 'Pause rollouts', value, {
            title: 'Pause nodekeeper rollouts?',
            text: 'Updates already running finish; no new rollout starts anywhere until someone resumes.',
            confirm: 'Pause',
          }),
    ],
  });
  return blocks;
}

/** What a click decided, as the message shows it. */
export type Decision =
  | {
      kind: 'approved';
      wave: string | null;
      by: string;
      at: string;
      /** An equal or newer approval was already there (given by `by` at `at`). */
      already: boolean;
    }
  | { kind: 'kept-halted'; by: string; at: string }
  | { kind: 'recalled'; by: string; at: string; already: boolean }
  | { kind: 'retried'; nodegroup: string; by: string; at: string }
  | { kind: 'paused' | 'resumed'; by: string; at: string };

/** The outcome line of a decision. Pure. */
export function decisionText(decision: Decision): string {
  const who = `${actorText(decision.by)} at ${utcTime(decision.at)}`;
  switch (decision.kind) {
    case 'approved': {
      const where = decision.wave === null ? 'every wave' : `wave ${code(truncatePlain(decision.wave, 63))}`;
      return decision.already
        ? `:white_check_mark: Already approved for ${where} by ${who}.`
        : `:white_check_mark: Approved for ${where} by ${who}.`;
    }
    case 'kept-halted':
      return `:no_entry: Kept halted by ${who}: no wave starts this release until someone approves it.`;
    case 'recalled':
      return decision.already
        ? `:no_entry_sign: Already recalled by ${who}.`
        : `:no_entry_sign: Recalled by ${who}: no node group rolls to it until \`unrecall\`.`;
    case 'retried':
      return `:repeat: Retry of ${code(truncatePlain(decision.nodegroup, 201))} recorded by ${who}: the next scan in the window starts a new attempt.`;
    case 'paused':
      return controlLine({ paused: true, by: decision.by, at: decision.at });
    case 'resumed':
      return controlLine({ paused: false, by: decision.by, at: decision.at });
  }
}

/** A block of a message as Slack sends it back in an interaction payload (validated, otherwise opaque). */
export type EchoedBlock = { type: string; block_id?: string } & Record<string, unknown>;

function isOurs(block: EchoedBlock): boolean {
  return block.type === 'actions' && (block.block_id ?? '').startsWith(ACTIONS_BLOCK_ID);
}

/** Which buttons a decision leaves on the message. */
function keeps(decision: Decision, clickedActionId: string, element: { action_id?: unknown }): boolean {
  if (decision.kind !== 'approved' || decision.wave === null) return false;
  // One wave approved: the other waves' buttons stay, and Keep halted while any of them does.
  return element.action_id !== clickedActionId;
}

/**
 * The message after a click, from its blocks as Slack sent them: nodekeeper's buttons become the
 * outcome (a context line appended; the clicked button removed, or every button when the decision
 * settles the message), everything else unchanged. At most 50 blocks: older outcome lines give way.
 * Pure.
 */
export function decidedBlocks(
  blocks: readonly EchoedBlock[],
  clickedActionId: string,
  decision: Decision,
): EchoedBlock[] {
  let generation = 0;
  const out: EchoedBlock[] = [];
  for (const block of blocks) {
    if (!isOurs(block)) {
      out.push(block);
      continue;
    }
    const suffix = /\.(\d{1,6})$/.exec(block.block_id ?? '');
    generation = Math.max(generation, Number(suffix?.[1] ?? 0));
    const elements = Array.isArray(block.elements) ? (block.elements as Array<{ action_id?: unknown }>) : [];
    const left = elements.filter((e) => keeps(decision, clickedActionId, e));
    const approvals = left.filter(
      (e) => typeof e.action_id === 'string' && actionKindOf(e.action_id) === 'approve',
    );
    if (approvals.length > 0)
      out.push({ ...block, block_id: `${ACTIONS_BLOCK_ID}.${generation + 1}`, elements: left });
  }
  const context_: ContextBlock = context(decisionText(decision));
  const line: EchoedBlock = {
    type: 'context',
    elements: context_.elements,
    block_id: `${OUTCOME_BLOCK_ID}.${generation + 1}`,
  };
  // The outcome goes above the remaining buttons, below earlier outcomes.
  const at = out.findIndex(isOurs);
  const next = at === -1 ? [...out, line] : [...out.slice(0, at), line, ...out.slice(at)];
  while (next.length > 50) {
    const oldest = next.findIndex((b) => (b.block_id ?? '').startsWith(OUTCOME_BLOCK_ID));
    next.splice(oldest === -1 ? 0 : oldest, 1);
  }
  return next;
}

/**
 * What the slash command says back: short texts for the immediate answer, and Block Kit messages
 * for answers posted later on response_url. Untrusted text is escaped. Pure.
 */
import { actorText } from '../messages/actions.ts';
import { context, free, header, linesToSections, name, section } from '../messages/format.ts';
import { fitToSlackLimits } from '../messages/limits.ts';
import { code } from '../messages/mrkdwn.ts';
import type { Block, SlackMessage } from '../messages/types.ts';
import type { RolloutRecord } from '../rollout/types.ts';
import { unrecallCommand } from '../safety/recall.ts';
import type {
  DeferredCommand,
  SlashApproval,
  SlashPatchRequest,
  SlashRecall,
  SlashRecallTarget,
} from './types.ts';

/** At most this many ledger records are listed in a history or status answer. */
export const SLASH_MAX_LISTED = 25;

/** A Slack mention of a validated user ID (`U…`/`W…`); anything else is shown as code. */
function mention(userId: string): string {
  return /^[UW][A-Z0-9]{2,30}$/.test(userId) ? `<@${userId}>` : code(userId);
}

/** What an approval covers: "`20261110` (line `al2023`) for wave `prod`". */
export function approvalScope(approval: SlashApproval): string {
  const line = approval.family === null ? '' : ` (line ${name(approval.family)})`;
  const where = approval.wave === null ? 'every wave' : `wave ${name(approval.wave)}`;
  return `${name(approval.release)}${line} for ${where}`;
}

/** The in-channel answer to an approval: recorded now, or an equal or newer one was already there. */
export function approvedText(
  approval: SlashApproval & { by: string; at: string },
  result: 'recorded' | 'exists',
  userId: string,
): string {
  const scope = approvalScope(approval);
  const effect =
    'The breaker and failure holds are lifted there for failures before now, and `requiresApproval` is ' +
    'satisfied; soak, windows, budgets and a pause still apply. The next scan plans with it.';
  return result === 'recorded'
    ? `:white_check_mark: ${mention(userId)} approved ${scope}. ${effect}`
    : `:white_check_mark: ${scope} was already approved by ${actorText(approval.by)} at ${free(approval.at, 40)}; nothing changed.`;
}

/** When the approval could not be recorded. */
export function approveFailedText(approval: SlashApproval, errorCode: string): string {
  return `Sorry, the approval of ${approvalScope(approval)} could not be recorded (${code(errorCode)}). Nothing was approved; please try again.`;
}

/** A recall as people read it: "`20261110` (line `al2023`)". */
function recallScope(target: SlashRecallTarget): string {
  return `${name(target.release)}${target.family === null ? '' : ` (line ${name(target.family)})`}`;
}

/** The in-channel answer to a recall: recorded now, or the release was recalled already. */
export function recalledText(
  recall: SlashRecall & { by: string; at: string },
  result: 'recorded' | 'exists',
  userId: string,
): string {
  const scope = recallScope(recall);
  const lift = code(unrecallCommand(recall));
  return result === 'recorded'
    ? `:no_entry: ${mention(userId)} recalled ${scope}: ${free(recall.reason, 200)}. Every scan skips rollouts to it and every workflow's guard refuses to start one, even one planned before now; updates already running finish. \`plan\` lists the node groups running it. Lift with ${lift}.`
    : `:no_entry: ${scope} was already recalled by ${actorText(recall.by)} at ${free(recall.at, 40)}: ${free(recall.reason, 200)}; nothing changed. Lift with ${lift}.`;
}

/** When the recall could not be recorded. */
export function recallFailedText(recall: SlashRecallTarget, errorCode: string): string {
  return `Sorry, the recall of ${recallScope(recall)} could not be recorded (${code(errorCode)}). Nothing was recalled; please try again, or use \`nodekeeper recall\`.`;
}

/** The answer to `unrecall`: lifted (in the channel), or nothing active to lift. */
export function unrecalledText(
  target: SlashRecallTarget,
  result: { kind: 'lifted'; recall: { by: string; at: string; reason: string } } | { kind: 'not-recalled' },
  userId: string,
): string {
  const scope = recallScope(target);
  return result.kind === 'lifted'
    ? `:white_check_mark: ${mention(userId)} lifted the recall of ${scope} (recalled by ${actorText(result.recall.by)} at ${free(result.recall.at, 40)}: ${free(result.recall.reason, 200)}). The next scan plans rollouts to it again.`
    : `${scope} is not recalled${target.family === null ? '' : ' on that line'}; nothing changed. \`nodekeeper recall --list\` shows the active recalls.`;
}

/** When the lift could not be recorded. */
export function unrecallFailedText(target: SlashRecallTarget, errorCode: string): string {
  return `Sorry, the recall of ${recallScope(target)} could not be lifted (${code(errorCode)}). It is still active; please try again, or use \`nodekeeper unrecall\`.`;
}

/** `plan prod-*`, `status`, `history` as typed. */
export function describeCommand(command: DeferredCommand): string {
  return 'cluster' in command && command.cluster !== undefined
    ? `${command.kind} ${command.cluster}`
    : command.kind;
}

/** The immediate answer to a deferred subcommand. */
export function workingText(command: DeferredCommand): string {
  return `Working on ${code(describeCommand(command))}… the answer will appear here in a few seconds.`;
}

/** When the deferred work could not even be started. */
export function workFailedToStartText(command: DeferredCommand): string {
  return `Sorry, ${code(describeCommand(command))} could not be started. Please try again in a minute.`;
}

/** The in-channel answer after the pause flag was set. */
export function pausedText(userId: string, reason: string | null): string {
  const why = reason ? `: ${free(reason, 200)}` : '';
  return (
    `:double_vertical_bar: ${mention(userId)} paused nodekeeper rollouts${why}. ` +
    'Updates already running finish; no new rollout starts until `/nodekeeper resume`.'
  );
}

/** The in-channel answer after the pause flag was cleared. */
export function resumedText(userId: string): string {
  return `:arrow_forward: ${mention(userId)} resumed nodekeeper rollouts. The next scan plans as usual.`;
}

/** When setting the pause flag failed; the flag may be unchanged. */
export function pauseFailedText(kind: 'pause' | 'resume', errorCode: string): string {
  return (
    `Sorry, \`${kind}\` failed (${code(errorCode)}); the pause flag may be unchanged. ` +
    'Check with `/nodekeeper status` and try again.'
  );
}

function patchScope(request: Pick<SlashPatchRequest, 'cluster' | 'nodegroups'>): string {
  return request.nodegroups.length === 0
    ? `every node group of ${name(request.cluster)}`
    : `${name(request.cluster)} / ${request.nodegroups.map((n) => name(n)).join(', ')}`;
}

/** The in-channel answer after the patch function accepted a request. */
export function patchAcceptedText(request: SlashPatchRequest, userId: string): string {
  const what =
    request.operation === 'Install'
      ? `Install (${request.reboot ? 'RebootIfNeeded: SSM reboots nodes without draining pods' : 'NoReboot'})`
      : 'Scan (reports missing patches, installs nothing)';
  return (
    `:adhesive_bandage: ${mention(userId)} requested a patch of ${patchScope(request)}: ${what}. ` +
    `Request ${code(request.requestId)}; results are posted when SSM reports them.`
  );
}

/** When the patch function could not be invoked. */
export function patchFailedText(request: SlashPatchRequest, errorCode: string): string {
  return `Sorry, the patch request ${code(request.requestId)} could not be sent (${code(errorCode)}). Nothing was started.`;
}

/** When the configuration cannot be read: nothing is done. */
export function misconfiguredText(): string {
  return 'Sorry, nodekeeper is not configured correctly (see its logs). Nothing was done.';
}

/** A deferred subcommand failed while running. `errorCode` is a short code, never a secret. */
export function buildWorkFailedMessage(command: DeferredCommand, errorCode: string): SlackMessage {
  const text = `Sorry, ${code(describeCommand(command))} failed: ${code(errorCode)}. Please try again later.`;
  return { text, blocks: [section(text)] };
}

function target(r: RolloutRecord): string {
  const ami = r.strategy === 'launch-template' ? r.to.imageId : r.to.releaseVersion;
  return ami ?? r.to.imageId ?? r.to.releaseVersion ?? 'unknown';
}

const outcomeIcon: Record<RolloutRecord['outcome'], string> = {
  started: ':hourglass_flowing_sand:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  'still-running': ':hourglass:',
  'not-started': ':no_entry_sign:',
};

function recordLine(r: RolloutRecord): string {
  const icon = outcomeIcon[r.outcome] ?? ':grey_question:';
  const errors = r.errors.length > 0 ? ` (${free(r.errors.map((e) => e.errorCode).join(', '), 120)})` : '';
  const reason = r.outcome === 'not-started' && r.reason ? ` (${free(r.reason, 60)})` : '';
  return `${icon} ${free(r.createdAt.slice(0, 16).replace('T', ' '), 20)} ${name(r.cluster)} / ${name(r.nodegroup)} → ${name(target(r))} *${r.outcome}*${errors}${reason}`;
}

function listBlocks(records: readonly RolloutRecord[]): Block[] {
  const shown = records.slice(0, SLASH_MAX_LISTED);
  const blocks = linesToSections(shown.map(recordLine));
  if (records.length > shown.length) blocks.push(section(`…and ${records.length - shown.length} more`));
  return blocks;
}

/** Recent rollouts from the ledger, newest first. Pure. */
export function buildHistoryMessage(records: readonly RolloutRecord[], cluster?: string): SlackMessage {
  const scope = cluster === undefined ? '' : ` of ${cluster}`;
  if (records.length === 0) {
    const text = `No rollouts recorded${cluster === undefined ? '' : ` for ${code(cluster)}`}.`;
    return { text, blocks: [section(text)] };
  }
  const text = `Rollout history${scope}: ${records.length} shown, newest first`;
  return fitToSlackLimits({
    text: free(text, 200),
    blocks: [header(`Rollout history${scope}`), ...listBlocks(records)],
  });
}

/** The pause flag as the status answer shows it. */
export interface StatusPause {
  paused: boolean;
  reason: string | null;
}

/** Whether rollouts are paused, and the rollouts still running. Pure. */
export function buildStatusMessage(pause: StatusPause, running: readonly RolloutRecord[]): SlackMessage {
  const pauseLine = pause.paused
    ? `:double_vertical_bar: Rollouts are *paused*${pause.reason ? `: ${free(pause.reason, 200)}` : ''}. \`/nodekeeper resume\` starts them again.`
    : ':arrow_forward: Rollouts are *not paused*.';
  const runningLine =
    running.length === 0
      ? 'No rollout is in progress.'
      : `${running.length} rollout${running.length === 1 ? '' : 's'} in progress:`;
  const blocks: Block[] = [header('nodekeeper status'), section(pauseLine), section(runningLine)];
  if (running.length > 0) blocks.push(...listBlocks(running));
  blocks.push(context('Patch requests report in their own threads.'));
  const text = `${pause.paused ? 'Paused' : 'Not paused'}; ${running.length} rollout${running.length === 1 ? '' : 's'} in progress`;
  return fitToSlackLimits({ text, blocks });
}

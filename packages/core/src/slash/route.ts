/** Routing and authorization of a verified `/nodekeeper` request. Pure. */
import { matchesAny } from '../glob.ts';
import {
  isMutating,
  parseSlashCommand,
  type SlashCommand,
  slashUsageText,
} from '../messages/slash-command.ts';
import { normalizeReleaseInput } from '../safety/release.ts';
import { RefusalReason as Reason, type RefusalReason, type SlashAction } from './types.ts';

const AMI_ID = /^ami-[0-9a-zA-Z]+$/;

export interface RouteInput {
  /** The command text after `/nodekeeper` (Slack's `text` field). */
  text: string;
  /** Slack user ID of the caller (already validated). */
  userId: string;
  /** `slack.allowedUserIds` from config: who may run `patch`, `pause` and `resume`. */
  allowedUserIds: readonly string[];
  /** `clusters` from config: `patch` never targets a cluster outside them. */
  clusterPatterns: readonly string[];
  /** Names of the configured waves: `approve --wave` names one of them. Absent: any wave is refused. */
  waveNames?: readonly string[];
}

/** True when `userId` may run mutating subcommands. An empty allowlist allows nobody. Pure. */
export function isAllowedUser(userId: string, allowedUserIds: readonly string[]): boolean {
  return userId !== '' && allowedUserIds.includes(userId);
}

function refusal(command: SlashCommand['kind'], reason: RefusalReason, text: string): SlashAction {
  return { kind: 'refuse', command, reason, text };
}

/** The refusal of a mutating subcommand (or button) to a user off the allowlist. Pure. */
export function notAllowedText(kind: string): string {
  return (
    `Sorry, \`${kind}\` changes your fleet, and your Slack user is not on nodekeeper's allowlist ` +
    '(`slack.allowedUserIds` in nodekeeper.config.json). Nothing was changed. ' +
    'Ask an operator to add you, or use `plan`, `status` or `history`.'
  );
}

/**
 * An approval of `release` (as typed or as a button carries it) for `wave` (null: every wave) on
 * line `family` (null: every line), checked against the config's waves; the caller checked the
 * allowlist. A release nodekeeper cannot read, or a wave not configured, is refused. Pure.
 */
export function approveAction(
  input: { release: string; wave: string | null; family: string | null; userId: string },
  waveNames: readonly string[],
): SlashAction {
  const release = normalizeReleaseInput(input.release, input.family);
  if (release === null) {
    return refusal(
      'approve',
      Reason.unknownRelease,
      `\`${input.release.slice(0, 100)}\` is not a release version, release identity or AMI ID` +
        `${input.family === null ? '' : ` of line \`${input.family.slice(0, 100)}\``}. Nothing was approved.`,
    );
  }
  if (input.wave !== null && !waveNames.includes(input.wave)) {
    const known = waveNames.length === 0 ? 'none' : waveNames.map((w) => `\`${w}\``).join(', ');
    return refusal(
      'approve',
      Reason.unknownWave,
      `\`${input.wave.slice(0, 63)}\` is not a configured wave (configured: ${known}). Nothing was approved.`,
    );
  }
  return {
    kind: 'approve',
    approval: { release, family: input.family, wave: input.wave },
    by: `slack:${input.userId}`,
  };
}

/**
 * A recall or its lift, with the release normalised as `nodekeeper recall` does; the caller checked
 * the allowlist. A release nodekeeper cannot read, or a line beside an AMI ID, is refused. Pure.
 */
export function recallAction(
  command: Extract<SlashCommand, { kind: 'recall' | 'unrecall' }>,
  by: string,
): SlashAction {
  const family = command.family ?? null;
  const release = normalizeReleaseInput(command.release, family);
  const nothing = command.kind === 'recall' ? 'Nothing was recalled.' : 'Nothing was lifted.';
  if (release === null) {
    return refusal(
      command.kind,
      Reason.unknownRelease,
      `\`${command.release.slice(0, 100)}\` is not a release version, release identity or AMI ID` +
        `${family === null ? '' : ` of line \`${family.slice(0, 100)}\``}. ${nothing}`,
    );
  }
  if (family !== null && AMI_ID.test(release)) {
    return refusal(
      command.kind,
      Reason.unknownRelease,
      `An AMI ID names one image on every line: drop \`--family\`. ${nothing}`,
    );
  }
  return command.kind === 'recall'
    ? { kind: 'recall', recall: { release, family, reason: command.reason }, by }
    : { kind: 'unrecall', target: { release, family }, reason: command.reason ?? null, by };
}

/**
 * Decides what one slash command does: usage text for anything not understood, a polite refusal
 * for mutating subcommands from users off the allowlist (checked before anything else about
 * them), deferral for read-only subcommands, and the mutation otherwise. Pure; never throws.
 */
export function routeSlashCommand(input: RouteInput): SlashAction {
  const command = parseSlashCommand(input.text);
  if (command.kind === 'usage') {
    const usage = slashUsageText();
    return { kind: 'reply', text: command.error ? `${command.error}\n\n${usage}` : usage };
  }
  if (isMutating(command) && !isAllowedUser(input.userId, input.allowedUserIds)) {
    return refusal(command.kind, Reason.notAllowed, notAllowedText(command.kind));
  }
  const by = `slack:${input.userId}`;
  switch (command.kind) {
    case 'plan':
    case 'status':
    case 'history':
      return { kind: 'defer', command };
    case 'pause':
      return { kind: 'pause', reason: command.reason ?? null, by };
    case 'resume':
      return { kind: 'resume', by };
    case 'approve':
      return approveAction(
        {
          release: command.release,
          wave: command.wave ?? null,
          family: command.family ?? null,
          userId: input.userId,
        },
        input.waveNames ?? [],
      );
    case 'recall':
    case 'unrecall':
      return recallAction(command, by);
    case 'patch': {
      if (!matchesAny(command.cluster, input.clusterPatterns)) {
        return refusal(
          'patch',
          Reason.clusterNotManaged,
          `\`${command.cluster}\` is not one of the clusters nodekeeper manages (\`clusters\` in its config). Nothing was changed.`,
        );
      }
      return {
        kind: 'patch',
        request: {
          cluster: command.cluster,
          nodegroups: command.nodegroup === undefined ? [] : [command.nodegroup],
          operation: command.install ? 'Install' : 'Scan',
          reboot: command.reboot,
          requestedBy: by,
        },
      };
    }
  }
}

/** Types of the `/nodekeeper` slash command's routing: what one request should do. */
import type { SlashCommand } from '../messages/slash-command.ts';

/** Subcommands that are answered later on `response_url` (they read AWS, which may take seconds). */
export type DeferredCommand = Extract<SlashCommand, { kind: 'plan' | 'status' | 'history' }>;

/** A patch request as the slash command asks for it; the shell maps it to the patch function's payload. */
export interface SlashPatchRequest {
  /** Unique per request; shown to the user and passed to the patch function. */
  requestId: string;
  cluster: string;
  /** Empty: every node group of the cluster. */
  nodegroups: string[];
  operation: 'Scan' | 'Install';
  /** `RebootIfNeeded` instead of `NoReboot`; only with `Install`. */
  reboot: boolean;
  /** `slack:<user id>`. */
  requestedBy: string;
}

export const RefusalReason = {
  notAllowed: 'not-allowed',
  clusterNotManaged: 'cluster-not-managed',
  /** `approve --wave W` names no configured wave. */
  unknownWave: 'unknown-wave',
  /** `approve`, `recall` or `unrecall` names no release nodekeeper can read (or one that does not fit `--family`). */
  unknownRelease: 'unknown-release',
} as const;
export type RefusalReason = (typeof RefusalReason)[keyof typeof RefusalReason];

/**
 * What to do with one verified slash command. `reply` and `refuse` answer at once and change
 * nothing; `defer` is answered on response_url by a worker; `pause`, `resume` and `patch` mutate.
 */
export type SlashAction =
  | { kind: 'reply'; text: string }
  | { kind: 'refuse'; command: SlashCommand['kind']; reason: RefusalReason; text: string }
  | { kind: 'defer'; command: DeferredCommand }
  | { kind: 'pause'; reason: string | null; by: string }
  | { kind: 'resume'; by: string }
  | { kind: 'patch'; request: Omit<SlashPatchRequest, 'requestId'> }
  | { kind: 'approve'; approval: SlashApproval; by: string }
  | { kind: 'recall'; recall: SlashRecall; by: string }
  | { kind: 'unrecall'; target: SlashRecallTarget; reason: string | null; by: string };

/** Which recall: a release identity (normalised) or an AMI ID, and its line (null: every line). */
export interface SlashRecallTarget {
  release: string;
  family: string | null;
}

/** A recall as the slash command asks for it; `by` and `at` are added when recorded. */
export interface SlashRecall extends SlashRecallTarget {
  reason: string;
}

/** An approval as the slash command (or a button) asks for it; `by` and `at` are added when recorded. */
export interface SlashApproval {
  /** Release identity (normalised). */
  release: string;
  /** Release line, or null for every line with that identity. */
  family: string | null;
  /** Wave, or null for every wave. */
  wave: string | null;
  /**
   * A retry (the Retry button on a failed rollout, as `nodekeeper retry`): the approval covers only
   * this node group. Absent: an approval for the wave.
   */
  nodegroup?: { accountId: string | null; region: string; cluster: string; nodegroup: string } | null;
}

/** The fields of a slash-command request nodekeeper uses (Slack sends more). */
export interface SlashRequest {
  command: string;
  text: string;
  userId: string;
  userName: string | null;
  teamId: string | null;
  channelId: string | null;
  responseUrl: string;
}

/**
 * The internal payload the slash-command function sends to itself (Lambda async invoke) to do
 * slow work. It never arrives through the Function URL: that path always requires a signature.
 */
export interface SlashWorkPayload {
  kind: 'slack-command-work';
  version: 1;
  command: DeferredCommand;
  userId: string;
  responseUrl: string;
  /** ISO 8601: when Slack's request was accepted. */
  requestedAt: string;
}

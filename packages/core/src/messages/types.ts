/**
 * Slack Block Kit types (the subset nodekeeper uses, from @slack/types) and the input types of the message builders.
 * Roll and patch flows produce these inputs; the builders turn them into `SlackMessage` data.
 */
import type * as Slack from '@slack/types';
import type { NodegroupRef, UpdateError } from '../types/fleet.ts';
import type { AmiRef, SkipReason, Strategy } from '../types/plan.ts';

export type { NodegroupRef, UpdateError } from '../types/fleet.ts';

// Each type is @slack/types' own, narrowed to the subset nodekeeper writes: a drift from Slack's
// published Block Kit types fails the build.
export interface PlainTextObject extends Slack.PlainTextElement {}

export interface MrkdwnObject extends Slack.MrkdwnElement {}

/** A link button (opens a URL, e.g. the AWS console). */
export interface ButtonElement extends Slack.Button {
  text: PlainTextObject;
  url: string;
}

/** A confirmation dialog shown before an action button's click is sent. */
export interface ConfirmObject extends Slack.ConfirmationDialog {
  title: PlainTextObject;
  text: PlainTextObject;
  confirm: PlainTextObject;
  deny: PlainTextObject;
}

/**
 * An interactive button: Slack sends a `block_actions` payload with `action_id` and `value` to the
 * app's interactivity URL when it is clicked (the value is untrusted input there).
 */
export interface ActionButton extends Slack.Button {
  text: PlainTextObject;
  action_id: string;
  value: string;
  url?: never;
  confirm?: ConfirmObject;
}

export interface HeaderBlock extends Slack.HeaderBlock {
  text: PlainTextObject;
}

export interface SectionBlock extends Slack.SectionBlock {
  text?: MrkdwnObject;
  fields?: MrkdwnObject[];
  accessory?: ButtonElement;
}

export interface ContextBlock extends Slack.ContextBlock {
  elements: (MrkdwnObject | PlainTextObject)[];
  block_id?: string;
}

export interface DividerBlock extends Slack.DividerBlock {}

export interface ActionsBlock extends Slack.ActionsBlock {
  elements: (ButtonElement | ActionButton)[];
  block_id?: string;
}

export type Block = HeaderBlock | SectionBlock | ContextBlock | DividerBlock | ActionsBlock;

/** A message ready to post: `text` is the plain fallback (notifications, screen readers). */
export interface SlackMessage {
  text: string;
  blocks: Block[];
  /**
   * A failure or a halt: delivery mentions `slack.mentionOnFailure` (withFailureMentions) and
   * broadcasts a thread reply to the channel when that is configured. Not sent to Slack.
   */
  failure?: true;
  /**
   * Only for a slash command's answer on its response_url: `in_channel` shows it to the channel
   * (a pause, a resume, an accepted patch), `ephemeral` (Slack's default) to the requester only.
   */
  responseType?: 'in_channel' | 'ephemeral';
  /**
   * Only for an answer on a button's response_url: true replaces the clicked message, false
   * leaves it (Slack's `replace_original`).
   */
  replaceOriginal?: boolean;
}

/** An AMI rollout of one node group from one AMI to another. */
export interface RolloutRef extends NodegroupRef {
  from: AmiRef;
  to: AmiRef;
  strategy: Strategy;
  wave: string | null;
  /** `rollback`: the messages say "Rollback" (`nodekeeper rollback`); absent: a forward rollout. */
  kind?: 'rollout' | 'rollback';
  /** A version upgrade: the Kubernetes minor the node group moves to (a Kubernetes field); absent otherwise. */
  targetVersion?: string;
}

export interface RolloutStartedEvent extends RolloutRef {
  updateId: string;
  /** ISO 8601. */
  startedAt: string;
  /** The forced retry after PodEvictionFailure (`forceOnPodEvictionFailure`). */
  forced?: boolean;
}

export interface RolloutSucceededEvent extends RolloutRef {
  updateId: string;
  startedAt: string;
  finishedAt: string;
}

export interface RolloutFailedEvent extends RolloutRef {
  /** null when the update could not even be started (e.g. UpdateNodegroupVersion was rejected). */
  updateId: string | null;
  /** EKS update status, e.g. `Failed` or `Cancelled`; or `StartFailed`. */
  status: string;
  errors: UpdateError[];
  startedAt: string | null;
  finishedAt: string;
}

/** nodekeeper stopped waiting for the update (`rollout.maxWaitHours`) while EKS still ran it. */
export interface RolloutStillRunningEvent extends RolloutRef {
  updateId: string;
  startedAt: string | null;
  /** When nodekeeper stopped waiting (ISO 8601). */
  stoppedAt: string;
  /** What the ledger records and the message shows (names the wait limit). */
  message: string;
}

/** The guard refused to start a planned rollout (state changed since planning). */
export interface RolloutNotStartedEvent extends RolloutRef {
  reason: SkipReason | (string & {});
  message: string;
}

export const PatchOperation = { scan: 'Scan', install: 'Install' } as const;
export type PatchOperation = (typeof PatchOperation)[keyof typeof PatchOperation];

/** What a patch request targets: a whole cluster (nodegroup null) or one node group. */
export interface PatchTarget {
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string | null;
}

export interface PatchRequestedEvent extends PatchTarget {
  commandId: string;
  operation: PatchOperation;
  reboot: boolean;
  instanceCount: number;
  maxConcurrency: string;
  maxErrors: string;
  /** Who asked: a Slack user ID, an IAM principal, `schedule`; null if unknown. */
  requestedBy: string | null;
}

export interface PatchFailedInstance {
  instanceId: string;
  /** SSM invocation status, e.g. `Failed`, `TimedOut`, `Cancelled`. */
  status: string;
  /** SSM `StatusDetails`, e.g. `Failed`, `DeliveryTimedOut`, `ExecutionTimedOut`. */
  statusDetails: string;
}

export interface PatchCompletedEvent extends PatchTarget {
  commandId: string;
  operation: PatchOperation;
  reboot: boolean;
  /** SSM command status: `Success`, `Failed`, `TimedOut`, `Cancelled`. */
  status: string;
  counts: { targeted: number; succeeded: number; failed: number };
  failedInstances: PatchFailedInstance[];
  /** Instances with patches installed but waiting for a reboot (`InstalledPendingReboot`). */
  pendingRebootInstances: string[];
}

export const PatchRefusalReason = {
  unsupportedPlatform: 'unsupported-platform',
  optedOut: 'opted-out',
  noManagedInstances: 'no-managed-instances',
} as const;
export type PatchRefusalReason = (typeof PatchRefusalReason)[keyof typeof PatchRefusalReason];

export interface PatchRefusedEvent extends PatchTarget {
  reason: PatchRefusalReason;
  /** For `unsupported-platform`: the platform found, e.g. `Bottlerocket`. */
  platform: string | null;
  message: string | null;
}

/** A patch request that failed before any command was sent (AWS unreachable while reading). */
export interface PatchFailedEvent extends PatchTarget {
  requestId: string;
  operation: PatchOperation;
  /** What went wrong, as the AWS adapter reported it. */
  error: string;
}

export const RunItemState = {
  pending: 'pending',
  inProgress: 'in-progress',
  succeeded: 'succeeded',
  failed: 'failed',
  /** nodekeeper stopped waiting (`rollout.maxWaitHours`); EKS still runs the update. */
  stillRunning: 'still-running',
  notStarted: 'not-started',
} as const;
export type RunItemState = (typeof RunItemState)[keyof typeof RunItemState];

/** The last pause or resume done from a run's parent message (its buttons). */
export interface RunControl {
  paused: boolean;
  /** `slack:<user id>`. */
  by: string;
  /** ISO 8601. */
  at: string;
}

/** The state of a whole run (one scan's rollouts, or one patch request) for the bot-mode parent message. */
export interface RunStatus {
  kind: 'rollout' | 'patch' | 'rollback';
  /** ISO 8601. */
  startedAt: string;
  items: (NodegroupRef & { state: RunItemState })[];
  /** The run's ID: its parent carries Pause/Resume buttons for it (rollout runs). */
  runId?: string;
  /** The last pause or resume done from the parent, shown on it. */
  control?: RunControl | null;
}

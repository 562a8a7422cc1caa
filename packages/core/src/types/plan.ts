/** The plan contract (`nodekeeper plan --json`); see docs and ../shared/DESIGN.md. */

export const Decision = { roll: 'roll', current: 'current', skip: 'skip' } as const;
export type Decision = (typeof Decision)[keyof typeof Decision];

export const Strategy = { releaseVersion: 'release-version', launchTemplate: 'launch-template' } as const;
export type Strategy = (typeof Strategy)[keyof typeof Strategy];

/** Reason codes for `skip` items. New codes may be added; existing ones never change meaning. */
export const SkipReason = {
  optedOut: 'opted-out',
  updateInProgress: 'update-in-progress',
  notActive: 'not-active',
  unknownAmiFamily: 'unknown-ami-family',
  noParameter: 'no-parameter',
  amiTooNew: 'ami-too-new',
  amiDenied: 'ami-denied',
  amiUnavailable: 'ami-unavailable',
  waveGate: 'wave-gate',
  outsideWindow: 'outside-window',
  budget: 'budget',
  paused: 'paused',
  halted: 'halted',
  /**
   * The node group's last rollout to this target failed; nodekeeper does not try it again by
   * itself (`nodekeeper retry`, or an approval of the release for its wave, starts a new attempt).
   */
  failed: 'failed',
  /** The pause flag or the ledger could not be read: nothing rolls until they can (see docs/rollouts.md). */
  stateUnreadable: 'state-unreadable',
  /** The target release or image is recalled (`nodekeeper recall`) until `nodekeeper unrecall`. */
  recalled: 'recalled',
  error: 'error',
} as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

/** Codes of plan item warnings. New codes may be added; existing ones never change meaning. */
export const PlanWarningCode = {
  /**
   * Another node group uses the item's launch template at `$Latest`: the version nodekeeper creates
   * for this rollout becomes what `$Latest` means for it too.
   */
  sharedTemplateLatest: 'shared-template-latest',
  /**
   * The node group runs a release or image that is recalled (`nodekeeper recall`); the message
   * names the recall and says whether a newer release lets it roll forward.
   */
  runningRecalled: 'running-recalled',
} as const;
export type PlanWarningCode = (typeof PlanWarningCode)[keyof typeof PlanWarningCode];

/** Something the operator should know before the item runs; it changes no decision. */
export interface PlanWarning {
  code: PlanWarningCode;
  message: string;
}

export interface AmiRef {
  releaseVersion: string | null;
  imageId: string | null;
}

export interface PlanItem {
  /** Present from the multi-account work on; null means the caller's own account. */
  accountId: string | null;
  cluster: string;
  nodegroup: string;
  region: string;
  decision: Decision;
  /** null unless decision is `skip`. */
  reason: SkipReason | null;
  /** One line a human understands: `from → to`, or why it is skipped. */
  message: string;
  strategy: Strategy | null;
  current: AmiRef;
  target: AmiRef | null;
  wave: string | null;
  /** Additive: present only when the item has warnings. */
  warnings?: PlanWarning[];
}

export interface Plan {
  /** ISO 8601; equals the `now` the plan was made for. */
  generatedAt: string;
  items: PlanItem[];
}

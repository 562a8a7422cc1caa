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
  error: 'error',
} as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

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
}

export interface Plan {
  /** ISO 8601; equals the `now` the plan was made for. */
  generatedAt: string;
  items: PlanItem[];
}

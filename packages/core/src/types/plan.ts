/** The plan contract (`nodekeeper plan --json`); see docs and ../shared/DESIGN.md. */
import type { UpdateConfig } from './fleet.ts';

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
  /**
   * The node group's Kubernetes minor is behind its cluster's and it does not follow it (no
   * `followClusterVersion`), or nodekeeper cannot tell its AMI on the next minor; nothing else to do.
   */
  versionBehind: 'version-behind',
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
  /** The node group's AMI family gets no new EKS AMIs (AL2 since 2025-11-26): move to AL2023 or Bottlerocket. */
  amiFamilyEndOfLife: 'ami-family-end-of-life',
  /** The image the node group runs is past its EC2 `DeprecationTime`. */
  imageDeprecated: 'image-deprecated',
  /** The image the node group runs reaches its EC2 `DeprecationTime` within `DEPRECATION_WARNING_DAYS`. */
  imageDeprecating: 'image-deprecating',
  /**
   * The node group's Kubernetes minor is behind its cluster's and it does not follow it: it rolls
   * (or holds) on its own minor; `followClusterVersion` moves it on.
   */
  versionBehind: 'version-behind',
  /**
   * The node group's kubelet is older than its cluster's kube-apiserver by more minors than
   * Kubernetes' version skew policy supports (3, or 2 for kubelets older than 1.25).
   */
  versionSkewUnsupported: 'version-skew-unsupported',
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

/** An AMI family whose EKS-optimized AMIs have (or will have) an announced end (see `AMI_FAMILY_END_OF_LIFE`). */
export interface FamilyEndOfLife {
  /** Release line, e.g. `al2`. */
  family: string;
  /** ISO date (YYYY-MM-DD): from this day on EKS publishes no new AMIs of the family. */
  endOfSupport: string;
  /** The last Kubernetes minor the family was published for; null when none is announced. */
  lastKubernetesVersion: string | null;
  /** What to do, e.g. `move to AL2023 or Bottlerocket`. */
  advice: string;
  /** The AWS page that announces it. */
  source: string;
}

/** The image a node group runs, as EC2 DescribeImages (deprecated images included) reported it. */
export interface CurrentImageLifecycle {
  imageId: string;
  name: string;
  /** ISO 8601 EC2 `DeprecationTime`; null when none is set. */
  deprecationTime: string | null;
  /** Whole days from the plan's time to `deprecationTime` (negative once past); null without one. */
  daysToDeprecation: number | null;
}

/** What a plan item says about the end of life of what the node group runs. */
export interface EndOfLife {
  /** Release line of the running AMI (`al2023`, `al2`, `bottlerocket`, `windows-2022`…); null for AMIs nodekeeper cannot place (golden images). */
  family: string | null;
  /** The family's announced end; null when none is announced. */
  familyEndOfLife: FamilyEndOfLife | null;
  /** The running image; null when it could not be described (not found, or made private). */
  image: CurrentImageLifecycle | null;
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
  /**
   * Additive: the Kubernetes minor the item moves the node group to (`1.34`), present only on items
   * planned to follow the cluster's version (a version upgrade).
   */
  targetVersion?: string;
  /** Additive: present only when the item has warnings. */
  warnings?: PlanWarning[];
  /** Additive: EKS `updateConfig` of the node group (null when EKS reported none); absent on `error` items. */
  updateConfig?: UpdateConfig | null;
  /** Additive: the running family's and image's end of life; absent on `error` items. */
  endOfLife?: EndOfLife;
}

export interface Plan {
  /** ISO 8601; equals the `now` the plan was made for. */
  generatedAt: string;
  items: PlanItem[];
}

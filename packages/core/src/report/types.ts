/**
 * The fleet freshness report as data (`nodekeeper report --format json`). The table and HTML
 * renderings are pure functions of it.
 */
import type { DatedAmi } from '../metrics.ts';
import type { RolloutOutcome } from '../rollout/types.ts';
import type { UpdateConfig } from '../types/fleet.ts';
import type { Decision, EndOfLife, PlanWarningCode, SkipReason, Strategy } from '../types/plan.ts';
import type { Recall } from '../types/policy.ts';

/** A maintenance window: when the schedule fires and how long it stays open (ISO 8601). */
export interface ReportWindow {
  start: string;
  end: string;
}

/** What the ledger told the report. `missing`: the table does not exist; `error`: it could not be read. */
export type LedgerStatus =
  | { kind: 'ok'; table: string; records: number }
  | { kind: 'missing'; table: string; message: string }
  | { kind: 'error'; table: string; message: string };

/** The last rollout of a node group, from the ledger. */
export interface ReportRollout {
  key: string;
  /** `rollback` for a `nodekeeper rollback`; absent for a forward rollout. */
  kind?: 'rollback';
  /** A version upgrade: the Kubernetes minor it moved (or tried to move) the node group to; absent otherwise. */
  targetVersion?: string;
  outcome: RolloutOutcome;
  from: string | null;
  to: string | null;
  createdAt: string;
  finishedAt: string | null;
  updateId: string | null;
  /** EKS error codes (or nodekeeper's own), e.g. `PodEvictionFailure`. */
  errorCodes: string[];
  message: string | null;
}

/** When a node group would roll next, and why it waits if it waits. */
export const NextRollKind = {
  /** It rolls in the next window (`at`). */
  nextWindow: 'next-window',
  /** It waits for a condition that has a known end, then the first window after it (`at`). */
  waiting: 'waiting',
  /** It waits for something nodekeeper cannot date (an earlier wave, an operator). */
  blocked: 'blocked',
  /** Nothing to roll: on the latest AMI. */
  current: 'current',
  /** nodekeeper will not roll it as things stand (opted out, unknown AMI, error…). */
  never: 'never',
} as const;
export type NextRollKind = (typeof NextRollKind)[keyof typeof NextRollKind];

export interface NextRoll {
  kind: NextRollKind;
  /** Start of the window it would roll in; null when unknown or not applicable. */
  at: string | null;
  /** One line: why it waits (the plan's message), or what happens next. */
  why: string;
}

export interface ReportNodegroup {
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string;
  wave: string | null;
  amiType: string | null;
  strategy: Strategy | null;
  current: DatedAmi;
  latest: DatedAmi | null;
  daysBehind: number | null;
  behind: boolean | null;
  decision: Decision;
  reason: SkipReason | null;
  message: string;
  lastRollout: ReportRollout | null;
  nextRoll: NextRoll;
  /** EKS `updateConfig` (strategy, max unavailable); null when EKS reported none or the group could not be read. */
  updateConfig: UpdateConfig | null;
  /** End of life of its AMI family and running image (the plan item's `endOfLife`); null when unknown. */
  endOfLife: EndOfLife | null;
}

/** A node group whose family or running image is at (or near) its end of life: one plan warning. */
export interface EndOfLifeNotice {
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string;
  /** `ami-family-end-of-life`, `image-deprecated` or `image-deprecating`. */
  code: PlanWarningCode;
  message: string;
  /** Whole days to the running image's DeprecationTime (negative once past); null for a family notice. */
  daysToDeprecation: number | null;
}

export interface ReportCluster {
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroups: ReportNodegroup[];
  behind: number;
  maxAgeDays: number | null;
  /** Node groups whose last rollout failed. */
  failed: number;
}

/** One entry of the recent-activity timeline. */
export interface TimelineEvent {
  kind: 'rollout' | 'patch';
  /** ISO 8601: when it started (rollouts: created; patches: requested). */
  at: string;
  finishedAt: string | null;
  accountId: string | null;
  region: string;
  cluster: string;
  /** null for a patch of a whole cluster. */
  nodegroup: string | null;
  outcome: 'succeeded' | 'failed' | 'started' | 'still-running' | 'not-started';
  title: string;
  detail: string;
}

/** A patch run as the report shows it (from the ledger when patches are recorded there). */
export interface ReportPatch {
  commandId: string;
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string | null;
  requestedAt: string;
  finishedAt: string | null;
  /** SSM command status: `Success`, `Failed`, `TimedOut`, `Cancelled`, `InProgress`. */
  status: string;
  succeeded: number;
  failed: number;
}

/** The plan's holds: every skip reason that occurs, explained, with the node groups it holds. */
export interface HoldGroup {
  reason: SkipReason;
  title: string;
  explanation: string;
  items: Array<{
    accountId: string | null;
    region: string;
    cluster: string;
    nodegroup: string;
    message: string;
    at: string | null;
  }>;
}

/** A node group that runs a recalled release or image (the plan's `running-recalled` warning). */
export interface RecalledNodegroup {
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string;
  /** What it runs: its release version, or the AMI ID of a custom AMI. */
  running: string;
  recall: Recall;
  /** The plan's warning: the recall and what to do (roll forward, or `nodekeeper rollback`). */
  message: string;
}

/** Active recalls and the node groups that already run what they recall. */
export interface ReportRecalls {
  active: Recall[];
  running: RecalledNodegroup[];
}

export interface ReportSummary {
  clusters: number;
  nodegroups: number;
  behind: number;
  current: number;
  unknown: number;
  maxAgeDays: number | null;
  medianAgeDays: number | null;
  /** Plan decisions. */
  roll: number;
  skip: number;
  /** Rollouts in the timeline window, by outcome. */
  /** `stillRunning`: nodekeeper stopped waiting (rollout.maxWaitHours) while EKS still ran the update. */
  rollouts: { succeeded: number; failed: number; started: number; stillRunning: number; notStarted: number };
  patches: { succeeded: number; failed: number };
  /** Node groups with each end-of-life notice (one group may count under several). */
  endOfLife: { familyEndOfLife: number; imageDeprecated: number; imageDeprecating: number };
}

export interface Report {
  /** ISO 8601: the `now` the report (and its plan) is made for. */
  generatedAt: string;
  schedule: { cron: string; timezone: string; windowMinutes: number } | null;
  /** The next maintenance window after `generatedAt`; null without a schedule or evaluator. */
  nextWindow: ReportWindow | null;
  ledger: LedgerStatus;
  /** Days of history the timeline covers. */
  timelineDays: number;
  summary: ReportSummary;
  clusters: ReportCluster[];
  timeline: TimelineEvent[];
  holds: HoldGroup[];
  /** End-of-life notices, most urgent first: deprecated images, then deprecating ones (soonest first), then families. */
  endOfLife: EndOfLifeNotice[];
  recalls: ReportRecalls;
}

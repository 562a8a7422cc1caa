/**
 * Rollout orchestration types and ports. The orchestration functions in this folder are written
 * against these ports; @nodekeeper/aws implements them over the SDK, tests over the sandbox.
 */
import type { RunDeps } from '../runs.ts';
import type { NodegroupRef, UpdateError } from '../types/fleet.ts';
import type { AmiRef, Strategy } from '../types/plan.ts';
import type { Recall } from '../types/policy.ts';
import type { NoticeFinderPort } from './notices.ts';

export type { NodegroupRef, UpdateError } from '../types/fleet.ts';

/**
 * What a rollout is: forward to a newer image (the plan's `roll`), or a rollback to the image a node
 * group ran before (`nodekeeper rollback`). Same engine, ledger and notices; its own keys.
 */
export const RolloutKind = { rollout: 'rollout', rollback: 'rollback' } as const;
export type RolloutKind = (typeof RolloutKind)[keyof typeof RolloutKind];

/** What one rollout is asked to do: one `roll` plan item, frozen at planning time. */
export interface RolloutRequest {
  /**
   * `rollback`: back to the image the ledger shows before the current one (`nodekeeper rollback`);
   * its key, tokens and execution name differ from a forward rollout to the same image. Absent: a
   * forward rollout.
   */
  kind?: RolloutKind;
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string;
  strategy: Strategy;
  /** What the node group ran when it was planned. */
  current: AmiRef;
  /** What it should run afterwards (`imageId` for launch-template, `releaseVersion` for release-version). */
  target: AmiRef;
  /** The node group's launch template as planned; required for the launch-template strategy. */
  launchTemplate: { id: string; version: string } | null;
  wave: string | null;
  /**
   * A version upgrade (the group follows its cluster's Kubernetes version): the minor it moves to,
   * `1.34`. Release-version updates send it as `version`; custom-AMI updates move with the new
   * minor's AMI in the launch template. Absent: the group stays on its own minor.
   */
  targetVersion?: string;
  /**
   * Release line of the target (`al2023`, `bottlerocket`, `golden:<parameter>`…), so the guard
   * matches recalls scoped to a line. Absent in requests planned before it existed: a recall of
   * the target's release on any line then refuses it.
   */
  family?: string;
  /** 1 for the first attempt at (node group, target); a deliberate retry uses 2, 3, … */
  attempt: number;
  /**
   * The wave opts in to one forced retry when nodes cannot be drained (`forceOnPodEvictionFailure`).
   * Absent means false.
   */
  forceOnPodEvictionFailure?: boolean;
  /** This attempt is that forced retry: UpdateNodegroupVersion is sent with `force: true`. */
  force?: boolean;
  /** The run that started this rollout (bot mode: its notices go to that run's Slack thread). */
  runId?: string;
  /**
   * The plan that started this rollout held other node groups back only for the budget: when it
   * ends, the workflow asks for a continuation scan (see {@link ContinuationPort}) so the next one
   * starts while the maintenance window is open. Absent means false.
   */
  continuation?: boolean;
  /**
   * Launch-template only: after the rollout succeeds, retire nodekeeper's old versions of the
   * template beyond `keep`, never one that a node group in `users` (every node group of the
   * inspected fleet referencing the template, this one included) uses. Absent: nothing is retired.
   */
  versionRetention?: VersionRetention;
}

/** What version retirement needs from the plan: the retention count and the template's users. */
export interface VersionRetention {
  keep: number;
  users: NodegroupRef[];
}

/** EKS update statuses (DescribeUpdate `status`). */
export const UpdateStatus = {
  inProgress: 'InProgress',
  successful: 'Successful',
  failed: 'Failed',
  cancelled: 'Cancelled',
} as const;
export type UpdateStatus = (typeof UpdateStatus)[keyof typeof UpdateStatus];

/**
 * Ledger outcomes of a rollout. `started` is the only non-final one. `still-running`: nodekeeper
 * stopped waiting (`rollout.maxWaitHours`) while EKS still ran the update; its result is unknown.
 */
export const RolloutOutcome = {
  started: 'started',
  succeeded: 'succeeded',
  failed: 'failed',
  stillRunning: 'still-running',
  notStarted: 'not-started',
} as const;
export type RolloutOutcome = (typeof RolloutOutcome)[keyof typeof RolloutOutcome];

/** Why a guarded rollout did not start. */
export const NotStartedReason = {
  paused: 'paused',
  updateInProgress: 'update-in-progress',
  notActive: 'not-active',
  versionChanged: 'version-changed',
  templateChanged: 'template-changed',
  alreadyOnTarget: 'already-on-target',
  notFound: 'not-found',
  /** The target was recalled (`nodekeeper recall`), possibly after planning. */
  recalled: 'recalled',
} as const;
export type NotStartedReason = (typeof NotStartedReason)[keyof typeof NotStartedReason];

/** A node group as the guard sees it right before starting. */
export interface NodegroupState {
  status: string;
  /** Kubernetes minor version (`1.33`); empty when EKS omits it. */
  version: string;
  releaseVersion: string;
  launchTemplate: { id: string; name: string | null; version: string } | null;
}

export type DescribeNodegroupResult = { kind: 'found'; nodegroup: NodegroupState } | { kind: 'not-found' };

/**
 * `force`: terminate nodes even when PodDisruptionBudgets block eviction. `version` (release-version
 * only): the node group's own Kubernetes version, sent so EKS never moves the group to the
 * cluster's version; null when unknown. Custom-AMI (launch-template) updates never carry it.
 */
export type UpdateNodegroupVersionInput =
  | {
      kind: 'release-version';
      version: string | null;
      releaseVersion: string;
      clientRequestToken: string;
      force: boolean;
    }
  | {
      kind: 'launch-template';
      launchTemplateId: string;
      version: string;
      clientRequestToken: string;
      force: boolean;
    };

/** `in-use`: EKS answered ResourceInUseException (an update is running). `rejected`: any other 4xx. */
export type UpdateNodegroupVersionResult =
  | { kind: 'started'; updateId: string }
  | { kind: 'in-use'; message: string }
  | { kind: 'rejected'; errorCode: string; message: string };

export interface UpdateFacts {
  id: string;
  status: UpdateStatus;
  type: string;
  /** The update's parameters as EKS reports them (`ReleaseVersion`, `LaunchTemplateVersion`, …). */
  params: Array<{ type: string; value: string }>;
  /** ISO 8601; null when EKS omits it. The only order among updates (ListUpdates has none). */
  createdAt: string | null;
  errors: UpdateError[];
}

export type DescribeUpdateResult = { kind: 'found'; update: UpdateFacts } | { kind: 'not-found' };

export interface FindLaunchTemplateVersionInput {
  launchTemplateId: string;
  /** Only versions newer than this are considered (nodekeeper's versions derive from it). */
  sourceVersion: string;
  imageId: string;
  /** The marker that `VersionDescription` must start with. */
  descriptionPrefix: string;
}

export interface CreateLaunchTemplateVersionInput {
  launchTemplateId: string;
  sourceVersion: string;
  imageId: string;
  clientToken: string;
  description: string;
}

export type CreateLaunchTemplateVersionResult =
  | { kind: 'created'; version: string }
  | { kind: 'rejected'; errorCode: string; message: string };

/** One version of a launch template, as retirement reads it. */
export interface LaunchTemplateVersionInfo {
  /** The version number, as a string. */
  version: string;
  description: string | null;
  imageId: string | null;
  isDefault: boolean;
  /** ISO 8601; null when EC2 did not say. */
  createdAt: string | null;
}

/** Per-version outcome of DeleteLaunchTemplateVersions (EC2 answers 200 with both sets). */
export interface DeleteLaunchTemplateVersionsResult {
  deleted: string[];
  failed: Array<{ version: string; errorCode: string; message: string }>;
}

/**
 * EKS and EC2 as the rollout needs them. Implementations map expected AWS answers into these
 * values and throw only for faults they cannot handle (network, retries exhausted).
 */
export interface RolloutPort {
  describeNodegroup(ref: NodegroupRef): Promise<DescribeNodegroupResult>;
  findLaunchTemplateVersion(ref: NodegroupRef, input: FindLaunchTemplateVersionInput): Promise<string | null>;
  createLaunchTemplateVersion(
    ref: NodegroupRef,
    input: CreateLaunchTemplateVersionInput,
  ): Promise<CreateLaunchTemplateVersionResult>;
  updateNodegroupVersion(
    ref: NodegroupRef,
    input: UpdateNodegroupVersionInput,
  ): Promise<UpdateNodegroupVersionResult>;
  describeUpdate(ref: NodegroupRef, updateId: string): Promise<DescribeUpdateResult>;
  /**
   * Update IDs of the node group in the order EKS lists them, which is none
   * (aws/containers-roadmap#1439): every page, at most `limit` IDs.
   */
  listUpdates(ref: NodegroupRef, limit: number): Promise<string[]>;
  /** Every version of the template (version retirement; absent: nothing is retired). */
  listLaunchTemplateVersions?(
    ref: NodegroupRef,
    launchTemplateId: string,
  ): Promise<LaunchTemplateVersionInfo[]>;
  /** Deletes versions of the template, reporting each (version retirement). */
  deleteLaunchTemplateVersions?(
    ref: NodegroupRef,
    launchTemplateId: string,
    versions: readonly string[],
  ): Promise<DeleteLaunchTemplateVersionsResult>;
}

/** One rollout as the ledger keeps it. */
export interface RolloutRecord {
  key: string;
  /** `rollback` for a rollback (`nodekeeper rollback`); absent for a forward rollout. */
  kind?: RolloutKind;
  accountId: string | null;
  region: string;
  cluster: string;
  nodegroup: string;
  strategy: Strategy;
  wave: string | null;
  /** Release version or AMI the node group ran before. */
  from: AmiRef;
  to: AmiRef;
  /** A version upgrade: the Kubernetes minor it moved the group to; absent otherwise. */
  targetVersion?: string;
  attempt: number;
  updateId: string | null;
  launchTemplateVersion: string | null;
  outcome: RolloutOutcome;
  /** Set for `not-started`. */
  reason: string | null;
  message: string | null;
  errors: UpdateError[];
  /** ISO 8601. */
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Slack `ts` of the "started" message when a bot token posted it (for threading). */
  slackThreadTs: string | null;
}

export type RecordResult = { kind: 'recorded' } | { kind: 'exists'; record: RolloutRecord };

/** How a followed update ends for nodekeeper. */
export type FinalOutcome = 'succeeded' | 'failed' | 'still-running';

/** Notification events, one Slack message each, at most once per rollout. */
export const RolloutEvent = {
  started: 'started',
  succeeded: 'succeeded',
  failed: 'failed',
  stillRunning: 'still-running',
  notStarted: 'not-started',
} as const;
export type RolloutEvent = (typeof RolloutEvent)[keyof typeof RolloutEvent];

export type ClaimResult =
  | {
      kind: 'claimed';
      /**
       * Present when this owner had claimed it before without marking it sent (a replay after a
       * crash): when that claim was made. The notice may already be in Slack.
       */
      reclaimed?: { at: string };
    }
  | { kind: 'already-sent' }
  | { kind: 'claimed-by-other' };

/** Which rollout records to list: newest first, at most `limit`. */
export interface HistoryQuery {
  cluster?: string;
  accountId?: string;
  /** The caller's own account: records without an account (written there) match it as `accountId`. */
  homeAccountId?: string;
  /** Only records created at or after this ISO time (the plan's history window). */
  since?: string;
  /** Only records created before this ISO time. */
  until?: string;
  limit: number;
}

/**
 * The rollout ledger. Every write is conditional, so concurrent or replayed callers make each
 * state transition and each notification claim exactly once.
 */
export interface LedgerPort {
  get(key: string): Promise<RolloutRecord | null>;
  /**
   * Creates the record (in any state: `started`, `not-started`, or `failed` when AWS refused the
   * start) unless one exists for its key; then answers `exists` with the stored one.
   */
  create(record: RolloutRecord): Promise<RecordResult>;
  /** Moves `started` → `succeeded|failed|still-running` once; a record already final answers `exists`. */
  recordOutcome(
    key: string,
    outcome: { outcome: FinalOutcome; errors: UpdateError[]; finishedAt: string; message: string },
  ): Promise<RecordResult>;
  /**
   * Claims the right to send one notification. `owner` identifies the claimer; the same owner may
   * claim again until it marks the notification sent (so a replay after a crash can resend).
   */
  claimNotification(key: string, event: RolloutEvent, owner: string, now: string): Promise<ClaimResult>;
  markNotificationSent(
    key: string,
    event: RolloutEvent,
    result: { ts: string | null; delivered: boolean },
  ): Promise<void>;
  /** Rollout records, newest first (by `createdAt`), read through an index: never the whole table. */
  listHistory(query: HistoryQuery): Promise<RolloutRecord[]>;
}

/** The pause flag: read by every guard before an update starts. */
export interface PausePort {
  /** `by` and `at` (who paused, ISO time) when the adapter knows them. Throws when unreadable. */
  read(): Promise<{ paused: boolean; reason: string | null; by?: string | null; at?: string | null }>;
}

/** Active recalls: read by every guard before an update starts. */
export interface RecallPort {
  /** Every active recall (no cache). Throws when unreadable. */
  list(): Promise<Recall[]>;
}

/** What the rollout tells humans. The shell turns it into a Slack message. */
export interface RolloutNotice {
  event: RolloutEvent;
  request: RolloutRequest;
  updateId: string | null;
  reason: string | null;
  message: string;
  errors: UpdateError[];
  /** Slack ts of the started message, for threading outcome messages. */
  threadTs: string | null;
  /** ISO 8601 times of the rollout, when known. */
  startedAt: string | null;
  finishedAt: string | null;
  /** EKS update status for outcome notices (`Successful`, `Failed`, …), `StartFailed` when refused. */
  status: string | null;
  /** The notice's once-only key, posted as Slack message metadata so a replay can find it. */
  noticeKey?: string;
}

export type NotifyResult = { ok: true; ts: string | null } | { ok: false; error: string };

/** Posts a notice; never throws (Slack failures never fail a rollout). */
export type NotifyPort = (notice: RolloutNotice) => Promise<NotifyResult>;

/** Everything a rollout needs from the outside world. */
/**
 * Asks for a continuation scan when a rollout ends (the Lambda: an asynchronous invocation of the
 * scan function, which never runs twice at once). The scan plans again as of its own time, so
 * outside the window it starts nothing. `id` is the same on every replay of the asking step.
 */
export interface ContinuationPort {
  request(input: {
    id: string;
    runId: string | null;
    time: string;
  }): Promise<{ kind: 'requested' } | { kind: 'failed'; error: string }>;
}

export interface RolloutDeps {
  /** Bot mode: the run ledger and Slack for run threads; absent means flat notices. */
  runs?: RunDeps;
  /** Continuation scans (Lambda only; `nodekeeper roll --wait` plans again itself). Absent: none. */
  continuation?: ContinuationPort;
  aws: RolloutPort;
  ledger: LedgerPort;
  pause: PausePort;
  recalls: RecallPort;
  notify: NotifyPort;
  /** Bot mode: finds a notice posted before a crash, so a replay does not post it twice. */
  notices?: NoticeFinderPort;
  /** The only clock the orchestration reads. */
  now: () => Date;
}

import { RolloutError } from './errors.ts';
import {
  launchTemplateClientToken,
  launchTemplateKey,
  rolloutKey,
  targetIdentity,
  updateRequestToken,
  versionDescription,
  versionDescriptionPrefix,
} from './key.ts';
import {
  type NodegroupRef,
  type RolloutPort,
  type RolloutRequest,
  type UpdateFacts,
  type UpdateNodegroupVersionInput,
  type UpdateNodegroupVersionResult,
  UpdateStatus,
} from './types.ts';

/**
 * `started`: this call (or an earlier identical one, by idempotency token) started the update.
 * `adopted`: EKS was already running an update to this rollout's own target; nodekeeper follows it.
 * `busy`: EKS answered ResourceInUseException and runs no update to this target (someone else's
 * update, or none any more): a "not now". It is never recorded as this rollout's; the next scan
 * tries again once the node group is free.
 * `rejected`: AWS refused (bad parameters, no such template version, …); nothing runs.
 */
export type StartResult =
  | { kind: 'started'; updateId: string; launchTemplateVersion: string | null }
  | { kind: 'adopted'; updateId: string; launchTemplateVersion: string | null }
  | { kind: 'busy'; runningUpdateId: string | null; message: string; launchTemplateVersion: string | null }
  | { kind: 'rejected'; errorCode: string; message: string; launchTemplateVersion: string | null };

/**
 * At most this many update IDs (ListUpdates pages of 100) are read when looking for an update. EKS
 * lists them in no order, so every one is described and they are ordered by `createdAt`.
 */
export const UPDATE_SCAN_LIMIT = 500;
/** DescribeUpdate calls in flight at once while reading a node group's updates. */
const DESCRIBE_CONCURRENCY = 5;
/** Clock skew allowed between this process and EKS when matching an unanswered start by `createdAt`. */
const START_SKEW_MS = 5 * 60_000;

/** What an update of this rollout names: the release (with the group's Kubernetes version) or the template version. */
interface UpdateTarget {
  type: 'ReleaseVersion' | 'LaunchTemplateVersion';
  value: string;
  /** The node group's Kubernetes version; an update naming another one is not this rollout's. */
  version: string | null;
}

/** Newest first by `createdAt` (unknown last), then by ID so the order is total. Pure. */
function newestFirst(a: UpdateFacts, b: UpdateFacts): number {
  const at = a.createdAt === null ? Number.NEGATIVE_INFINITY : Date.parse(a.createdAt);
  const bt = b.createdAt === null ? Number.NEGATIVE_INFINITY : Date.parse(b.createdAt);
  if (at !== bt) return bt - at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** An update that changes the node group's AMI or Kubernetes version (not a ConfigUpdate). Pure. */
function isVersionUpdate(u: UpdateFacts): boolean {
  return (
    u.type === 'VersionUpdate' ||
    u.params.some((p) => p.type === 'ReleaseVersion' || p.type === 'LaunchTemplateVersion')
  );
}

/** The update's parameters name exactly this target. Pure. */
function isTo(u: UpdateFacts, target: UpdateTarget): boolean {
  if (!u.params.some((p) => p.type === target.type && p.value === target.value)) return false;
  const version = u.params.find((p) => p.type === 'Version')?.value;
  return target.version === null || version === undefined || version === target.version;
}

function describeUpdateTarget(u: UpdateFacts): string {
  const named = u.params
    .filter((p) => p.type === 'ReleaseVersion' || p.type === 'LaunchTemplateVersion' || p.type === 'Version')
    .map((p) => `${p.type} ${p.value}`);
  return named.length > 0 ? named.join(', ') : u.type;
}

/**
 * Every update of the node group EKS lists (up to {@link UPDATE_SCAN_LIMIT}), described, newest
 * first by `createdAt`. Read-only; one ListUpdates per page and one DescribeUpdate per update.
 */
async function nodegroupUpdates(ref: NodegroupRef, port: RolloutPort): Promise<UpdateFacts[]> {
  const ids = await port.listUpdates(ref, UPDATE_SCAN_LIMIT);
  const found: UpdateFacts[] = [];
  for (let i = 0; i < ids.length; i += DESCRIBE_CONCURRENCY) {
    const batch = await Promise.all(
      ids.slice(i, i + DESCRIBE_CONCURRENCY).map((id) => port.describeUpdate(ref, id)),
    );
    for (const u of batch) if (u.kind === 'found') found.push(u.update);
  }
  return found.sort(newestFirst);
}

export function refOf(request: RolloutRequest): NodegroupRef {
  return {
    accountId: request.accountId,
    region: request.region,
    cluster: request.cluster,
    nodegroup: request.nodegroup,
  };
}

async function ensureLaunchTemplateVersion(
  request: RolloutRequest,
  port: RolloutPort,
): Promise<{ kind: 'ok'; version: string } | { kind: 'rejected'; errorCode: string; message: string }> {
  const lt = request.launchTemplate;
  const imageId = request.target.imageId;
  if (lt === null || imageId === null) {
    throw new RolloutError(
      `launch-template rollout of ${request.cluster}/${request.nodegroup} needs launchTemplate and target.imageId`,
    );
  }
  const ref = refOf(request);
  const key = launchTemplateKey(request);
  const found = await port.findLaunchTemplateVersion(ref, {
    launchTemplateId: lt.id,
    sourceVersion: lt.version,
    imageId,
    descriptionPrefix: versionDescriptionPrefix(key),
  });
  if (found !== null) return { kind: 'ok', version: found };
  const created = await port.createLaunchTemplateVersion(ref, {
    launchTemplateId: lt.id,
    sourceVersion: lt.version,
    imageId,
    clientToken: launchTemplateClientToken(key),
    description: versionDescription(key, request),
  });
  return created.kind === 'created' ? { kind: 'ok', version: created.version } : created;
}

/**
 * After ResourceInUseException: the update EKS runs, when it is to `target` (adopt it), else a
 * "not now" naming the one that runs. Someone else's update is never taken for this rollout's.
 */
async function adoptOrBusy(
  request: RolloutRequest,
  port: RolloutPort,
  target: UpdateTarget,
  inUse: string,
  launchTemplateVersion: string | null,
): Promise<StartResult> {
  const running = (await nodegroupUpdates(refOf(request), port)).filter(
    (u) => u.status === UpdateStatus.inProgress,
  );
  const same = running.find((u) => isVersionUpdate(u) && isTo(u, target));
  if (same !== undefined) return { kind: 'adopted', updateId: same.id, launchTemplateVersion };
  const name = `${request.cluster}/${request.nodegroup}`;
  const other = running[0];
  const message =
    other === undefined
      ? `${name} could not take an update now (${inUse}); nodekeeper tries again on a later scan`
      : `${name} is running update ${other.id} (${describeUpdateTarget(other)}), not this rollout's target ${targetIdentity(request)}; nodekeeper waits it out and tries again on a later scan`;
  return { kind: 'busy', runningUpdateId: other?.id ?? null, message, launchTemplateVersion };
}

/** Updates the guard reclaims: still running, or finished with the node group on target. */
const LIVE_OR_DONE: ReadonlySet<UpdateStatus> = new Set([UpdateStatus.inProgress, UpdateStatus.successful]);
/** Right after an unanswered start, the update may already have ended either way. */
const ANY_STATUS: ReadonlySet<UpdateStatus> = new Set(Object.values(UpdateStatus));

/** An update of the node group that carries this rollout's own parameters. */
export interface OwnUpdate {
  updateId: string;
  status: UpdateStatus;
  launchTemplateVersion: string | null;
}

export interface FindOwnUpdateOptions {
  /** Statuses that count (default: in progress or successful). */
  statuses?: ReadonlySet<UpdateStatus>;
  /** The node group's Kubernetes version: an update naming another one is not this rollout's. */
  version?: string | null;
  /** Only an update created at or after this time counts (an unanswered start: the call's time). */
  createdSince?: Date | null;
}

/**
 * Finds the update this rollout started, when its start was never recorded (the process died after
 * the start, or EKS took the request but its answer never arrived). Read-only: it looks for the
 * launch template version carrying this rollout's description marker, reads every update of the
 * node group (EKS lists them in no order) and takes the newest version update by `createdAt` when
 * its parameters name this rollout's target (`LaunchTemplateVersion` = that version, or
 * `ReleaseVersion` = the target release with the group's `Version`) and its status is one of
 * `statuses`. An update superseded by a newer one to another target is not taken.
 */
export async function findOwnUpdate(
  request: RolloutRequest,
  port: RolloutPort,
  options: FindOwnUpdateOptions = {},
): Promise<OwnUpdate | null> {
  const statuses = options.statuses ?? LIVE_OR_DONE;
  const ref = refOf(request);
  let want: UpdateTarget;
  let launchTemplateVersion: string | null = null;
  if (request.strategy === 'launch-template') {
    const lt = request.launchTemplate;
    const imageId = request.target.imageId;
    if (lt === null || imageId === null) return null;
    launchTemplateVersion = await port.findLaunchTemplateVersion(ref, {
      launchTemplateId: lt.id,
      sourceVersion: lt.version,
      imageId,
      descriptionPrefix: versionDescriptionPrefix(launchTemplateKey(request)),
    });
    // No version of ours means no update of ours: the start never got that far.
    if (launchTemplateVersion === null) return null;
    want = { type: 'LaunchTemplateVersion', value: launchTemplateVersion, version: null };
  } else {
    if (request.target.releaseVersion === null) return null;
    want = { type: 'ReleaseVersion', value: request.target.releaseVersion, version: options.version || null };
  }
  const newest = (await nodegroupUpdates(ref, port)).find(isVersionUpdate);
  if (newest === undefined || !statuses.has(newest.status) || !isTo(newest, want)) return null;
  const since = options.createdSince ?? null;
  if (since !== null) {
    const created = newest.createdAt === null ? Number.NaN : Date.parse(newest.createdAt);
    // Unknown or older: an earlier attempt's update, not the one this call may have started.
    if (!(created >= since.getTime() - START_SKEW_MS)) return null;
  }
  return { updateId: newest.id, status: newest.status, launchTemplateVersion };
}

/**
 * Sends UpdateNodegroupVersion. When the call fails without an answer (timeouts, resets, retries
 * exhausted), EKS may still have taken it: before the error propagates, the node group's recent
 * updates are searched for this rollout's own ({@link findOwnUpdate}), so a start that took effect
 * is followed instead of being recorded as failed.
 */
async function sendOrReclaim(
  request: RolloutRequest,
  port: RolloutPort,
  input: UpdateNodegroupVersionInput,
  now: Date | null,
): Promise<UpdateNodegroupVersionResult> {
  try {
    return await port.updateNodegroupVersion(refOf(request), input);
  } catch (error) {
    const own = await findOwnUpdate(request, port, {
      statuses: ANY_STATUS,
      version: input.kind === 'release-version' ? input.version : null,
      createdSince: now,
    }).catch(() => null);
    if (own !== null) return { kind: 'started', updateId: own.updateId };
    throw error;
  }
}

export interface StartRolloutOptions {
  /** When the start is made (deps.now()): an unanswered start only reclaims updates since then. */
  now?: Date;
}

/**
 * Starts the rollout. Idempotent: the launch template version is found (by description marker)
 * before it is created with a deterministic ClientToken, and UpdateNodegroupVersion carries a
 * deterministic clientRequestToken, so a replay after a crash creates nothing twice. A release
 * update names the node group's own Kubernetes version (read right before the call), so EKS never
 * moves the group to the cluster's, or a version upgrade's `targetVersion`; custom-AMI updates name
 * only the launch template version (their new minor comes with the AMI).
 * When EKS answers ResourceInUseException, an update to this same target is adopted; any other is
 * `busy` ("not now"), never this rollout's.
 */
export async function startRollout(
  request: RolloutRequest,
  port: RolloutPort,
  options: StartRolloutOptions = {},
): Promise<StartResult> {
  const key = rolloutKey(request);
  const clientRequestToken = updateRequestToken(key);
  const now = options.now ?? null;
  let launchTemplateVersion: string | null = null;
  let update: UpdateNodegroupVersionResult;
  let target: UpdateTarget;
  if (request.strategy === 'launch-template') {
    const lt = await ensureLaunchTemplateVersion(request, port);
    if (lt.kind === 'rejected') return { ...lt, launchTemplateVersion: null };
    launchTemplateVersion = lt.version;
    target = { type: 'LaunchTemplateVersion', value: lt.version, version: null };
    update = await sendOrReclaim(
      request,
      port,
      {
        kind: 'launch-template',
        launchTemplateId: request.launchTemplate?.id ?? '',
        version: lt.version,
        clientRequestToken,
        force: request.force === true,
      },
      now,
    );
  } else {
    const releaseVersion = request.target.releaseVersion;
    if (releaseVersion === null) {
      throw new RolloutError(
        `release-version rollout of ${request.cluster}/${request.nodegroup} needs target.releaseVersion`,
      );
    }
    const current = await port.describeNodegroup(refOf(request));
    if (current.kind === 'not-found') {
      return {
        kind: 'rejected',
        errorCode: 'ResourceNotFoundException',
        message: `${request.cluster}/${request.nodegroup} no longer exists`,
        launchTemplateVersion: null,
      };
    }
    // The group's own minor, or the next one for a version upgrade (the cluster's, at most).
    const version = request.targetVersion ?? (current.nodegroup.version || null);
    target = { type: 'ReleaseVersion', value: releaseVersion, version };
    update = await sendOrReclaim(
      request,
      port,
      { kind: 'release-version', version, releaseVersion, clientRequestToken, force: request.force === true },
      now,
    );
  }
  if (update.kind === 'started') return { kind: 'started', updateId: update.updateId, launchTemplateVersion };
  if (update.kind === 'rejected') {
    return { kind: 'rejected', errorCode: update.errorCode, message: update.message, launchTemplateVersion };
  }
  return adoptOrBusy(request, port, target, update.message, launchTemplateVersion);
}

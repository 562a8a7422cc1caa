import { RolloutError } from './errors.ts';
import {
  launchTemplateClientToken,
  launchTemplateKey,
  rolloutKey,
  updateRequestToken,
  versionDescription,
  versionDescriptionPrefix,
} from './key.ts';
import {
  type NodegroupRef,
  type RolloutPort,
  type RolloutRequest,
  type UpdateNodegroupVersionInput,
  type UpdateNodegroupVersionResult,
  UpdateStatus,
} from './types.ts';

/**
 * `started`: this call (or an earlier identical one, by idempotency token) started the update.
 * `adopted`: EKS was already running an update for the node group; nodekeeper follows that one.
 * `rejected`: AWS refused (bad parameters, no such template version, …); nothing runs.
 */
export type StartResult =
  | { kind: 'started'; updateId: string; launchTemplateVersion: string | null }
  | { kind: 'adopted'; updateId: string; launchTemplateVersion: string | null }
  | { kind: 'rejected'; errorCode: string; message: string; launchTemplateVersion: string | null };

/** How many recent updates are inspected to find the InProgress one to adopt. */
const ADOPT_SCAN_LIMIT = 10;

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

/** Finds the InProgress update among the node group's most recent updates. */
async function findInProgressUpdate(request: RolloutRequest, port: RolloutPort): Promise<string | null> {
  const ref = refOf(request);
  const ids = await port.listUpdates(ref, ADOPT_SCAN_LIMIT);
  for (const id of ids.slice(0, ADOPT_SCAN_LIMIT)) {
    const u = await port.describeUpdate(ref, id);
    if (u.kind === 'found' && u.update.status === UpdateStatus.inProgress) return id;
  }
  return null;
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

/**
 * Finds the update this rollout started, when its start was never recorded (the process died after
 * the start, or EKS took the request but its answer never arrived). Read-only: it looks for the
 * launch template version carrying this rollout's description marker, then for the newest recent
 * update with one of `statuses` (default: in progress or successful) whose parameters name this
 * rollout's target (`LaunchTemplateVersion` = that version, or `ReleaseVersion` = the target release).
 */
export async function findOwnUpdate(
  request: RolloutRequest,
  port: RolloutPort,
  statuses: ReadonlySet<UpdateStatus> = LIVE_OR_DONE,
): Promise<OwnUpdate | null> {
  const ref = refOf(request);
  let want: { type: string; value: string };
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
    want = { type: 'LaunchTemplateVersion', value: launchTemplateVersion };
  } else {
    if (request.target.releaseVersion === null) return null;
    want = { type: 'ReleaseVersion', value: request.target.releaseVersion };
  }
  const ids = await port.listUpdates(ref, ADOPT_SCAN_LIMIT);
  for (const id of ids.slice(0, ADOPT_SCAN_LIMIT)) {
    const u = await port.describeUpdate(ref, id);
    if (u.kind !== 'found') continue;
    const { status, params } = u.update;
    if (!statuses.has(status)) continue;
    if (params.some((p) => p.type === want.type && p.value === want.value)) {
      return { updateId: id, status, launchTemplateVersion };
    }
  }
  return null;
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
): Promise<UpdateNodegroupVersionResult> {
  try {
    return await port.updateNodegroupVersion(refOf(request), input);
  } catch (error) {
    const own = await findOwnUpdate(request, port, ANY_STATUS).catch(() => null);
    if (own !== null) return { kind: 'started', updateId: own.updateId };
    throw error;
  }
}

/**
 * Starts the rollout. Idempotent: the launch template version is found (by description marker)
 * before it is created with a deterministic ClientToken, and UpdateNodegroupVersion carries a
 * deterministic clientRequestToken, so a replay after a crash creates nothing twice. An update
 * already running is adopted rather than failed.
 */
export async function startRollout(request: RolloutRequest, port: RolloutPort): Promise<StartResult> {
  const key = rolloutKey(request);
  const clientRequestToken = updateRequestToken(key);
  let launchTemplateVersion: string | null = null;
  let update: UpdateNodegroupVersionResult;
  if (request.strategy === 'launch-template') {
    const lt = await ensureLaunchTemplateVersion(request, port);
    if (lt.kind === 'rejected') return { ...lt, launchTemplateVersion: null };
    launchTemplateVersion = lt.version;
    update = await sendOrReclaim(request, port, {
      kind: 'launch-template',
      launchTemplateId: request.launchTemplate?.id ?? '',
      version: lt.version,
      clientRequestToken,
      force: request.force === true,
    });
  } else {
    const releaseVersion = request.target.releaseVersion;
    if (releaseVersion === null) {
      throw new RolloutError(
        `release-version rollout of ${request.cluster}/${request.nodegroup} needs target.releaseVersion`,
      );
    }
    update = await sendOrReclaim(request, port, {
      kind: 'release-version',
      releaseVersion,
      clientRequestToken,
      force: request.force === true,
    });
  }
  if (update.kind === 'started') return { kind: 'started', updateId: update.updateId, launchTemplateVersion };
  if (update.kind === 'rejected') {
    return { kind: 'rejected', errorCode: update.errorCode, message: update.message, launchTemplateVersion };
  }
  const running = await findInProgressUpdate(request, port);
  if (running !== null) return { kind: 'adopted', updateId: running, launchTemplateVersion };
  return {
    kind: 'rejected',
    errorCode: 'ResourceInUseException',
    message: update.message,
    launchTemplateVersion,
  };
}

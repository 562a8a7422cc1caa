import { RolloutError } from './errors.ts';
import {
  launchTemplateClientToken,
  rolloutKey,
  updateRequestToken,
  versionDescription,
  versionDescriptionPrefix,
} from './key.ts';
import { type NodegroupRef, type RolloutPort, type RolloutRequest, UpdateStatus } from './types.ts';

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
  key: string,
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
  let update: Awaited<ReturnType<RolloutPort['updateNodegroupVersion']>>;
  if (request.strategy === 'launch-template') {
    const lt = await ensureLaunchTemplateVersion(request, key, port);
    if (lt.kind === 'rejected') return { ...lt, launchTemplateVersion: null };
    launchTemplateVersion = lt.version;
    update = await port.updateNodegroupVersion(refOf(request), {
      kind: 'launch-template',
      launchTemplateId: request.launchTemplate?.id ?? '',
      version: lt.version,
      clientRequestToken,
    });
  } else {
    const releaseVersion = request.target.releaseVersion;
    if (releaseVersion === null) {
      throw new RolloutError(
        `release-version rollout of ${request.cluster}/${request.nodegroup} needs target.releaseVersion`,
      );
    }
    update = await port.updateNodegroupVersion(refOf(request), {
      kind: 'release-version',
      releaseVersion,
      clientRequestToken,
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

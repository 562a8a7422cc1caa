import { createHash } from 'node:crypto';
import type { RolloutRequest } from './types.ts';

/** Durable execution names: 1–64 characters of `[a-zA-Z0-9_-]` (Lambda API). */
export const EXECUTION_NAME_MAX = 64;
/** EC2 `VersionDescription`: at most 255 characters. */
export const VERSION_DESCRIPTION_MAX = 255;
/** Every launch template version nodekeeper creates has a description starting with this. */
export const VERSION_DESCRIPTION_MARKER = 'nodekeeper:';

type KeyFields = Pick<
  RolloutRequest,
  'accountId' | 'region' | 'cluster' | 'nodegroup' | 'strategy' | 'target' | 'kind' | 'targetVersion'
> & {
  attempt?: number;
};

/** The target that identifies a rollout: the AMI for launch templates, else the release version. */
export function targetIdentity(request: Pick<RolloutRequest, 'strategy' | 'target'>): string {
  return request.strategy === 'launch-template'
    ? (request.target.imageId ?? '')
    : (request.target.releaseVersion ?? '');
}

/**
 * The idempotency key of a rollout: a hex SHA-256 of (account, region, cluster, node group,
 * target). Pure and stable: the same plan item always yields the same key. Attempts after the
 * first are part of the key so a deliberate retry gets fresh tokens; a rollback's key names its
 * kind, so it never shares tokens or a ledger record with a forward rollout to the same image.
 */
export function rolloutKey(request: KeyFields): string {
  const parts = [
    'nodekeeper/rollout/v1',
    request.accountId ?? '-',
    request.region,
    request.cluster,
    request.nodegroup,
    targetIdentity(request),
  ];
  if (request.attempt !== undefined && request.attempt > 1) parts.push(`attempt=${request.attempt}`);
  if (request.kind === 'rollback') parts.push('kind=rollback');
  // A version upgrade never shares a key with a rollout on the group's own minor.
  if (request.targetVersion !== undefined) parts.push(`version=${request.targetVersion}`);
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

function slug(value: string, max: number): string {
  return value
    .replace(/[^a-zA-Z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max);
}

/** The stage when none is configured (`NODEKEEPER_STAGE` unset), as for the pause parameter. */
export const DEFAULT_STAGE = 'default';

/**
 * Durable execution name for a rollout in `stage`: `nk_<stage>_<cluster>_<node group>_<hash>`, the
 * hash (20 hex digits) over the stage and the rollout key. Lambda names executions per account and
 * region, so two stages there never share a name. Always 1–64 characters of `[a-zA-Z0-9_-]`
 * (Lambda's DurableExecutionName). Pure. Ledger keys and tokens stay stage-free: the CLI and the
 * functions of one stage compute the same ones.
 */
export function executionName(request: KeyFields, stage: string): string {
  const hash = createHash('sha256')
    .update(`${stage}\u0000${rolloutKey(request)}`)
    .digest('hex')
    .slice(0, 20);
  const readable = `${slug(stage, 10)}_${slug(request.cluster, 14)}_${slug(request.nodegroup, 12)}`;
  return `nk_${readable}_${hash}`.slice(0, EXECUTION_NAME_MAX);
}

/**
 * The key nodekeeper's launch template version is named after: the first attempt's, so every
 * attempt at (node group, target) — retries and the forced retry included — reuses one version. Pure.
 */
export function launchTemplateKey(request: KeyFields): string {
  return rolloutKey({ ...request, attempt: 1 });
}

/** EKS `clientRequestToken` for UpdateNodegroupVersion. Pure. */
export function updateRequestToken(key: string): string {
  return `nodekeeper-${key.slice(0, 48)}`;
}

/** EC2 `ClientToken` for CreateLaunchTemplateVersion (≤128 characters). Pure. */
export function launchTemplateClientToken(key: string): string {
  return `nodekeeper-lt-${key.slice(0, 48)}`;
}

/** The `VersionDescription` prefix that marks nodekeeper's version for this rollout key. */
export function versionDescriptionPrefix(key: string): string {
  return `${VERSION_DESCRIPTION_MARKER}${key.slice(0, 16)}`;
}

/** `VersionDescription` of nodekeeper's launch template version, truncated to 255 characters. Pure. */
export function versionDescription(key: string, request: RolloutRequest): string {
  const release = request.target.releaseVersion ? ` (release ${request.target.releaseVersion})` : '';
  const kind = request.kind === 'rollback' ? ' rollback to' : '';
  const kubernetes = request.targetVersion ? ` (kubernetes ${request.targetVersion})` : '';
  const text = `${versionDescriptionPrefix(key)}${kind} ${request.target.imageId ?? '?'}${release}${kubernetes} for ${request.cluster}/${request.nodegroup}`;
  return text.slice(0, VERSION_DESCRIPTION_MAX);
}

import { NodegroupStatus } from '../types/fleet.ts';
import { VERSION_DESCRIPTION_MARKER } from './key.ts';
import { refOf } from './start.ts';
import type {
  LaunchTemplateVersionInfo,
  NodegroupRef,
  RolloutDeps,
  RolloutRequest,
  VersionRetention,
} from './types.ts';

/** nodekeeper's own versions kept per launch template when the config says nothing. */
export const DEFAULT_KEEP_LAUNCH_TEMPLATE_VERSIONS = 5;
/** EC2's quota of versions per launch template (EC2 User Guide, launch template restrictions). */
export const LAUNCH_TEMPLATE_VERSIONS_QUOTA = 10_000;
/** A version younger than this is never retired: a rollout running elsewhere may have just made it. */
export const RETIRE_MIN_AGE_MS = 24 * 3_600_000;
/** Versions per DeleteLaunchTemplateVersions request (EC2 API model). */
export const DELETE_VERSIONS_BATCH = 200;
/** A request carries retention only when the template has at most this many users (payload size). */
export const MAX_RETENTION_USERS = 500;

/** Why a nodekeeper version is kept. */
export const KeepReason = {
  newest: 'newest',
  default: 'default',
  inUse: 'in-use',
  tooYoung: 'too-young',
  targetImage: 'target-image',
  otherOwner: 'other-owner',
} as const;
export type KeepReason = (typeof KeepReason)[keyof typeof KeepReason];

export interface RetirementInput {
  versions: readonly LaunchTemplateVersionInfo[];
  /** Versions node groups reference right now: numbers, `$Latest` or `$Default`. */
  inUse: readonly string[];
  /** Node groups nodekeeper sees: only versions made for one of them may go. */
  owners: ReadonlyArray<Pick<NodegroupRef, 'cluster' | 'nodegroup'>>;
  keep: number;
  /** Images whose versions stay (a later attempt at the same target reuses its version's token). */
  protectImageIds: readonly string[];
  now: Date;
}

export interface RetirementChoice {
  /** Version numbers to delete, newest first. */
  retire: string[];
  /** nodekeeper versions that stay, with why. Versions nodekeeper did not make are never listed. */
  kept: Array<{ version: string; reason: KeepReason }>;
}

/** Whether nodekeeper made this version (its VersionDescription carries the marker). Pure. */
export function isNodekeeperVersion(v: Pick<LaunchTemplateVersionInfo, 'description'>): boolean {
  return v.description?.startsWith(VERSION_DESCRIPTION_MARKER) === true;
}

/**
 * Which of nodekeeper's own versions of one template to retire: beyond the newest `keep`, and never
 * the default version, one in use (`$Latest` counts as the newest version), one younger than a
 * day, one holding a protected image, or one made for a node group outside `owners` (see
 * `versionDescription`: "… for cluster/nodegroup"). Pure.
 */
export function chooseVersionsToRetire(input: RetirementInput): RetirementChoice {
  const byNumber = (a: LaunchTemplateVersionInfo, b: LaunchTemplateVersionInfo) =>
    Number(b.version) - Number(a.version);
  const all = [...input.versions].sort(byNumber);
  const latest = all[0]?.version;
  const defaultVersion = all.find((v) => v.isDefault)?.version;
  const inUse = new Set(
    input.inUse.map((v) => (v === '$Latest' ? latest : v === '$Default' ? defaultVersion : v)),
  );
  const owners = input.owners.map((o) => ` for ${o.cluster}/${o.nodegroup}`);
  const protectedImages = new Set(input.protectImageIds);
  const choice: RetirementChoice = { retire: [], kept: [] };
  const mine = all.filter(isNodekeeperVersion);
  mine.forEach((v, index) => {
    const keep = (reason: KeepReason) => choice.kept.push({ version: v.version, reason });
    const created = v.createdAt === null ? Number.NaN : Date.parse(v.createdAt);
    if (index < input.keep) keep(KeepReason.newest);
    else if (v.isDefault) keep(KeepReason.default);
    else if (inUse.has(v.version)) keep(KeepReason.inUse);
    else if (!(input.now.getTime() - created >= RETIRE_MIN_AGE_MS)) keep(KeepReason.tooYoung);
    else if (v.imageId !== null && protectedImages.has(v.imageId)) keep(KeepReason.targetImage);
    else if (!owners.some((o) => v.description?.endsWith(o))) keep(KeepReason.otherOwner);
    else choice.retire.push(v.version);
  });
  return choice;
}

export type RetireResult =
  | {
      kind: 'skipped';
      /** `no-retention`: the request carries none (or is not launch-template); `unsupported`: the
       * port cannot list or delete versions; `template-busy`: a user of the template is UPDATING. */
      reason: 'no-retention' | 'unsupported' | 'template-busy';
      message: string;
    }
  | {
      kind: 'retired';
      launchTemplateId: string;
      /** Deleted now, or already gone. */
      retired: string[];
      failed: Array<{ version: string; errorCode: string; message: string }>;
      kept: RetirementChoice['kept'];
    };

/** What the retirement step reports: the result, or why it could not run (it never throws). */
export type RetireStepResult = RetireResult | { kind: 'error'; message: string };

function sameRef(a: NodegroupRef, b: NodegroupRef): boolean {
  return (
    a.accountId === b.accountId &&
    a.region === b.region &&
    a.cluster === b.cluster &&
    a.nodegroup === b.nodegroup
  );
}

/**
 * After a successful launch-template rollout: retires nodekeeper's old versions of the template
 * (see {@link chooseVersionsToRetire}), reading every user's launch template version from EKS right
 * before deciding. Idempotent: a version already gone counts as retired, so a replay after a crash
 * deletes nothing twice and fails nothing. Retires nothing while a user of the template is UPDATING.
 */
export async function retireLaunchTemplateVersions(
  request: RolloutRequest,
  deps: Pick<RolloutDeps, 'aws' | 'now'>,
): Promise<RetireResult> {
  const retention: VersionRetention | undefined = request.versionRetention;
  const template = request.launchTemplate;
  if (request.strategy !== 'launch-template' || template === null || retention === undefined) {
    return { kind: 'skipped', reason: 'no-retention', message: 'the request carries no version retention' };
  }
  const { listLaunchTemplateVersions, deleteLaunchTemplateVersions } = deps.aws;
  if (listLaunchTemplateVersions === undefined || deleteLaunchTemplateVersions === undefined) {
    return { kind: 'skipped', reason: 'unsupported', message: 'the AWS port cannot list or delete versions' };
  }
  const self = refOf(request);
  const users = retention.users.some((u) => sameRef(u, self)) ? retention.users : [...retention.users, self];
  const inUse: string[] = [];
  for (const user of users) {
    const found = await deps.aws.describeNodegroup(user);
    if (found.kind !== 'found' || found.nodegroup.launchTemplate?.id !== template.id) continue;
    if (found.nodegroup.status === NodegroupStatus.updating) {
      return {
        kind: 'skipped',
        reason: 'template-busy',
        message: `${user.cluster}/${user.nodegroup} is UPDATING with launch template ${template.id}`,
      };
    }
    inUse.push(found.nodegroup.launchTemplate.version);
  }
  const versions = await listLaunchTemplateVersions.call(deps.aws, self, template.id);
  const choice = chooseVersionsToRetire({
    versions,
    inUse,
    owners: users,
    keep: retention.keep,
    protectImageIds: request.target.imageId === null ? [] : [request.target.imageId],
    now: deps.now(),
  });
  const retired: string[] = [];
  const failed: Array<{ version: string; errorCode: string; message: string }> = [];
  for (let i = 0; i < choice.retire.length; i += DELETE_VERSIONS_BATCH) {
    const batch = choice.retire.slice(i, i + DELETE_VERSIONS_BATCH);
    const out = await deleteLaunchTemplateVersions.call(deps.aws, self, template.id, batch);
    retired.push(...out.deleted);
    for (const f of out.failed) {
      if (f.errorCode === 'launchTemplateVersionDoesNotExist') retired.push(f.version);
      else failed.push(f);
    }
  }
  return { kind: 'retired', launchTemplateId: template.id, retired, failed, kept: choice.kept };
}

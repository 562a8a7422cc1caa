/**
 * Recalls (`nodekeeper recall`): which rollout targets and running images a recall covers, and how
 * plans, guards and reports name it. Pure.
 */
import { AmiFamily, amiFamily } from '../catalog.ts';
import { currentCustomImageId, isCustom } from '../targets.ts';
import type { CatalogSnapshot, NodegroupFacts } from '../types/fleet.ts';
import { Decision, type PlanItem, type PlanWarning, PlanWarningCode, Strategy } from '../types/plan.ts';
import type { Recall } from '../types/policy.ts';
import { formatUtc, timeOf } from './format.ts';
import { GOLDEN_LINE_PREFIX, releaseIdentity, releaseLineOf } from './release.ts';

const AMI_ID = /^ami-[0-9a-zA-Z]+$/;

/**
 * What a recall is matched against: an image, its release line and its release identity. Each may
 * be unknown (null): a rollout request planned before requests carried their line has no family.
 */
export interface RecallSubject {
  family: string | null;
  release: string | null;
  imageId: string | null;
}

/** True when the recall names one image (an AMI ID) rather than a release. Pure. */
export function isImageRecall(recall: Pick<Recall, 'release'>): boolean {
  return AMI_ID.test(recall.release);
}

/**
 * True when `recall` covers `subject`: an image recall covers that AMI ID (and the golden release
 * it identifies); a release recall covers that identity on its line, or on every line when it names
 * none. A subject whose line is unknown is covered by a release recall of its identity: refusing
 * is the safe side. Pure.
 */
export function recallCovers(recall: Recall, subject: RecallSubject): boolean {
  if (isImageRecall(recall)) return subject.imageId === recall.release || subject.release === recall.release;
  if (subject.release === null || subject.release !== recall.release) return false;
  return recall.family === null || subject.family === null || subject.family === recall.family;
}

/** The newest recall covering `subject`, or null. Pure. */
export function findRecall(recalls: readonly Recall[], subject: RecallSubject): Recall | null {
  let best: Recall | null = null;
  for (const r of recalls) {
    if (!recallCovers(r, subject)) continue;
    if (best === null || (timeOf(r.at) ?? 0) > (timeOf(best.at) ?? 0)) best = r;
  }
  return best;
}

/** `20261110 (al2023)`, `20261110` (every line) or `ami-0abc…`. Pure. */
export function recallLabel(recall: Pick<Recall, 'release' | 'family'>): string {
  return recall.family ? `${recall.release} (${recall.family})` : recall.release;
}

/** The command that lifts `recall` (shown wherever a recall holds something). Pure. */
export function unrecallCommand(recall: Pick<Recall, 'release' | 'family'>): string {
  return `nodekeeper unrecall ${recall.release}${recall.family ? ` --family ${recall.family}` : ''}`;
}

/** `recalled by arn:… at 2026-11-25 10:00 UTC: GPU nodes crash`. Pure. */
export function recallDetail(recall: Recall): string {
  return `recalled by ${recall.by} at ${formatUtc(recall.at)}: ${recall.reason}`;
}

/**
 * The one-line message of a target held by `recall`: the target as the node group names it, the
 * recall (when it names more than the target), who, when, why, and the command that lifts it. Pure.
 */
export function recalledMessage(recall: Recall, target: string): string {
  const label = recallLabel(recall);
  const which = label === target ? '' : ` (recall of ${label})`;
  return `${target} is ${recallDetail(recall)}${which}; lift with \`${unrecallCommand(recall)}\``;
}

/** The release identity in an EKS-optimized image's name (`…-v20261110`, `…-v1.50.0-abcdef12`, `…-2026.11.12`). */
function releaseOfImageName(family: string, name: string): string | null {
  if (family === AmiFamily.al2023 || family === AmiFamily.al2) return /-v(\d{8})$/.exec(name)?.[1] ?? null;
  if (family === AmiFamily.bottlerocket) return /-v(\d+\.\d+\.\d+)-[0-9a-f]+$/.exec(name)?.[1] ?? null;
  if (family.startsWith('windows')) return /-(\d{4}\.\d{2}\.\d{2})$/.exec(name)?.[1] ?? null;
  return null;
}

/**
 * One image as a recall subject on `family`'s line: a golden image is its own release; an
 * EKS-optimized image's release is read from its EC2 name (`…-v20261110`). Pure.
 */
export function imageSubject(
  family: string | null,
  imageId: string,
  image: { name: string } | null | undefined,
): RecallSubject {
  let release: string | null = null;
  if (family?.startsWith(GOLDEN_LINE_PREFIX)) release = imageId;
  else if (family !== null && image) release = releaseOfImageName(family, image.name);
  return { family, release, imageId };
}

/** The subject of a rollout target: its line (when known), release identity and image. Pure. */
export function targetSubject(
  family: string | null,
  target: { releaseVersion: string | null; imageId: string | null },
): RecallSubject {
  const release =
    family === null
      ? null
      : family.startsWith(GOLDEN_LINE_PREFIX)
        ? target.imageId
        : releaseIdentity(family, { releaseVersion: target.releaseVersion, imageId: null });
  return { family, release, imageId: target.imageId };
}

/**
 * What `ng` runs now, as a recall subject, with a label people read (its release version, or the
 * AMI ID for custom AMIs). The image of an EKS-AMI node group comes from its launch template, the
 * image inspection found by its release's name (`currentImageId`), or its plan target (`item`)
 * when it runs that. Pure.
 */
export function runningSubject(
  ng: NodegroupFacts,
  catalog: CatalogSnapshot,
  item: Pick<PlanItem, 'target'>,
): RecallSubject & { label: string } {
  if (!isCustom(ng)) {
    const family = amiFamily(ng.amiType);
    const onTarget = item.target !== null && item.target.releaseVersion === ng.releaseVersion;
    return {
      family,
      release:
        family === null
          ? null
          : releaseIdentity(family, { releaseVersion: ng.releaseVersion, imageId: null }),
      imageId:
        ng.launchTemplate?.imageId ?? ng.currentImageId ?? (onTarget ? (item.target?.imageId ?? null) : null),
      label: ng.releaseVersion,
    };
  }
  const imageId = currentCustomImageId(ng);
  const family = releaseLineOf(ng, catalog);
  if (imageId === null) return { family, release: null, imageId, label: ng.releaseVersion };
  return { ...imageSubject(family, imageId, catalog.images[ng.region]?.[imageId]), label: imageId };
}

/** The newest recall covering what `ng` runs now, with what it runs; null when none does. Pure. */
export function runningRecall(
  ng: NodegroupFacts,
  catalog: CatalogSnapshot,
  item: Pick<PlanItem, 'target'>,
  recalls: readonly Recall[],
): { recall: Recall; running: RecallSubject & { label: string } } | null {
  if (recalls.length === 0) return null;
  const running = runningSubject(ng, catalog, item);
  const recall = findRecall(recalls, running);
  return recall === null ? null : { recall, running };
}

function targetLabel(item: PlanItem): string {
  const t = item.target;
  if (t === null) return '?';
  return (item.strategy === Strategy.launchTemplate ? t.imageId : t.releaseVersion) ?? t.imageId ?? '?';
}

/**
 * The `running-recalled` warning of `item` when its node group runs a recalled release or image,
 * else null. The advice depends on the plan: it rolls forward now, a newer release waits behind a
 * hold, or there is nothing to roll forward to: wait for a fixed release, or roll back (a custom-AMI
 * group with `nodekeeper rollback`; an EKS AMI group needs a new node group, since EKS never moves
 * one to an earlier AMI version). Pure.
 */
export function runningRecallWarning(
  ng: NodegroupFacts,
  catalog: CatalogSnapshot,
  item: PlanItem,
  recalls: readonly Recall[],
): PlanWarning | null {
  const found = runningRecall(ng, catalog, item, recalls);
  if (found === null) return null;
  const { recall, running } = found;
  const label = recallLabel(recall);
  const which = label === running.label ? '' : ` (recall of ${label})`;
  let advice: string;
  if (item.decision === Decision.roll) {
    advice = `rolls forward to ${targetLabel(item)} in this run`;
  } else if (
    item.decision === Decision.skip &&
    item.target !== null &&
    item.reason !== 'recalled' &&
    targetLabel(item) !== running.label
  ) {
    advice = `roll forward: ${targetLabel(item)} is newer, held now by ${item.reason ?? 'a skip'}`;
  } else if (item.strategy === Strategy.launchTemplate) {
    advice = `no newer image to roll forward to: roll back to the image it ran before with \`nodekeeper rollback ${item.cluster}/${item.nodegroup}\` (a new launch template version on the previous image), or wait for a fixed release`;
  } else {
    // EKS refuses to move a managed node group to an earlier AMI version (UpdateNodegroupVersion).
    advice =
      'no newer release to roll forward to: wait for a fixed release, or replace the node group with one on an earlier release (EKS cannot roll a node group back to an earlier AMI version, so `nodekeeper rollback` refuses EKS AMI node groups)';
  }
  return {
    code: PlanWarningCode.runningRecalled,
    message: `runs ${running.label}, ${recallDetail(recall)}${which}; ${advice}`,
  };
}

/** What the one Slack notice of a recall says: the node groups running it and the rollouts it holds. */
export interface RecallNotice {
  recall: Recall;
  /** The notification claim key: one notice per recall (line, release and when it was recalled). */
  noticeKey: string;
  /** `cluster/nodegroup` and the plan's `running-recalled` warning, for each node group running it. */
  running: Array<{ group: string; message: string }>;
  /** Plan items skipped with `recalled` by this recall. */
  held: number;
}

/**
 * One notice per active recall of the plan's policy: which node groups run what it recalls (from
 * their `running-recalled` warnings) and how many planned rollouts it holds. Pure.
 */
export function recallNotices(planned: {
  fleet: { nodegroups: readonly NodegroupFacts[] };
  catalog: CatalogSnapshot;
  plan: { items: readonly PlanItem[] };
  policy: { recalls?: readonly Recall[] };
}): RecallNotice[] {
  const recalls = planned.policy.recalls ?? [];
  if (recalls.length === 0) return [];
  const key = (x: { accountId: string | null; region: string; cluster: string; nodegroup: string }) =>
    JSON.stringify([x.accountId, x.region, x.cluster, x.nodegroup]);
  const nodegroups = new Map(planned.fleet.nodegroups.map((ng) => [key(ng), ng]));
  return recalls.map((recall) => {
    const running: RecallNotice['running'] = [];
    let held = 0;
    for (const item of planned.plan.items) {
      const ng = nodegroups.get(key(item));
      if (ng === undefined) continue;
      const group = `${item.cluster}/${item.nodegroup}`;
      const warning = item.warnings?.find((w) => w.code === PlanWarningCode.runningRecalled);
      if (warning && runningRecall(ng, planned.catalog, item, [recall]) !== null) {
        running.push({ group, message: warning.message });
      }
      if (item.reason === 'recalled' && item.target !== null) {
        const subject = targetSubject(releaseLineOf(ng, planned.catalog), item.target);
        if (recallCovers(recall, subject)) held += 1;
      }
    }
    return {
      recall,
      noticeKey: `recalled/${recall.family ?? '*'}/${recall.release}/${recall.at}`,
      running,
      held,
    };
  });
}

/**
 * Age selection: when a node group's newest image is younger than its `minAmiAgeDays` (the wave's,
 * else the policy's), its target is the newest published release that is old enough, is available,
 * not deprecated and not denied, instead of waiting until the newest ages (which never happens
 * where AWS publishes more often than the minimum age). The planner, the safety rules' scoped
 * fleet and the inspector all go through here, so they agree on one target. Pure: `now` is passed in.
 */
import { AmiFamily, compareReleases } from './catalog.ts';
import { type FollowRule, lookupViews } from './kubernetes-version.ts';
import { assignWave } from './policy.ts';
import { compareNewestFirst, type ReleaseHistorySource, releaseHistorySource } from './release-history.ts';
import { findRecall, targetSubject } from './safety/recall.ts';
import { GOLDEN_LINE_PREFIX, releaseIdentity } from './safety/release.ts';
import { currentCustomImageId, isCustom, lookupTarget, type TargetLookup } from './targets.ts';
import type { CatalogSnapshot, ImageFacts, NodegroupFacts } from './types/fleet.ts';
import type { AmiRef } from './types/plan.ts';
import type { Policy } from './types/policy.ts';
import type { PublishedRelease, ReleaseHistory } from './types/releases.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** What age selection reads from the policy (recalls: active ones, when known). */
export type AmiAgeRule = Pick<Policy, 'minAmiAgeDays' | 'denyAmis' | 'waves'> & Pick<Policy, 'recalls'>;

/** A node group's minimum image age and where it comes from (`wave prod` or `policy`). */
export interface MinimumAge {
  days: number;
  scope: string;
}

/** The minimum age of `ng`'s target: its wave's `minAmiAgeDays` when set, else the policy's. Pure. */
export function minimumAgeFor(ng: NodegroupFacts, rule: AmiAgeRule): MinimumAge {
  const assignment = assignWave(ng, ng.tags, rule.waves);
  const wave = assignment.kind === 'wave' ? assignment.wave : null;
  if (wave?.minAmiAgeDays != null) return { days: wave.minAmiAgeDays, scope: `wave ${wave.name}` };
  return { days: rule.minAmiAgeDays, scope: 'policy' };
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** "3 days" / "5 hours", rounded down: an age is never overstated. */
export function formatAge(ms: number): string {
  return ms >= DAY_MS
    ? plural(Math.floor(ms / DAY_MS), 'day')
    : plural(Math.max(0, Math.floor(ms / HOUR_MS)), 'hour');
}

/** "3 days" / "5 hours", rounded up: a wait is never understated. */
export function formatWait(ms: number): string {
  return ms >= DAY_MS
    ? plural(Math.ceil(ms / DAY_MS), 'day')
    : plural(Math.max(1, Math.ceil(ms / HOUR_MS)), 'hour');
}

function describeImage(imageId: string, image: ImageFacts | null | undefined): string {
  return image?.name ? `${imageId} (${image.name})` : imageId;
}

type Found = Extract<TargetLookup, { kind: 'found' }>;

/** A release with the facts selection needs. */
export interface AgedRelease {
  imageId: string;
  releaseVersion: string | null;
  image: ImageFacts;
  ageMs: number;
  /** How messages name it: the release identity (`20261110`, `1.50.0`, `2026.11.12`), or the AMI for golden AMIs. */
  label: string;
}

const AL_STAMP = /-v(\d{8})$/;
const SEMVER = /^v?(\d+\.\d+\.\d+)$/;
const WINDOWS_DATE = /-(\d{4}\.\d{2}\.\d{2})$/;

/** The label of a release on line `family` (null: a golden AMI). */
function labelOf(
  family: AmiFamily | null,
  r: { imageId: string; releaseVersion: string | null; name?: string },
  image: ImageFacts | undefined,
): string {
  if (family === null) return describeImage(r.imageId, image);
  const identity = releaseIdentity(family, { releaseVersion: r.releaseVersion, imageId: null });
  if (identity !== null) return identity;
  const name = r.name ?? image?.name ?? '';
  const m =
    family === AmiFamily.al2023 || family === AmiFamily.al2
      ? AL_STAMP.exec(name)
      : family === AmiFamily.bottlerocket
        ? SEMVER.exec(name)
        : WINDOWS_DATE.exec(name);
  return m?.[1] ?? r.imageId;
}

function ageOf(image: ImageFacts, now: Date): number {
  return now.getTime() - Date.parse(image.creationDate);
}

/** The history `found` would need, when its source publishes one. */
function historyOf(found: Found): ReleaseHistorySource | null {
  return releaseHistorySource(found.source);
}

/** Whether `ng` is the kind that needs a release version to roll (not a launch-template group). */
function needsReleaseVersion(ng: NodegroupFacts): boolean {
  return !isCustom(ng);
}

/**
 * Whether `r` is ahead of what `ng` runs now (unknown counts as ahead; the planner checks again).
 * Every release of the next Kubernetes minor is ahead of what a group moving there runs (`versionUpgrade`).
 */
function isAhead(
  ng: NodegroupFacts,
  family: AmiFamily | null,
  r: AgedRelease,
  images: Record<string, ImageFacts>,
  versionUpgrade = false,
): boolean {
  if (versionUpgrade) return true;
  if (!isCustom(ng)) {
    if (r.releaseVersion === null || family === null) return true;
    const order = compareReleases(family, ng.releaseVersion, r.releaseVersion);
    return order === null || order < 0;
  }
  const currentId = currentCustomImageId(ng);
  if (currentId === r.imageId) return false;
  const current = currentId === null ? undefined : images[currentId];
  if (!current) return true;
  return Date.parse(r.image.creationDate) > Date.parse(current.creationDate);
}

/** Why no older release was chosen. */
export type NoChoice =
  /** Older releases were not read (the inspection was not asked to, or this shell does not). */
  | { kind: 'unread' }
  /** Reading them failed. */
  | { kind: 'error'; message: string }
  /** The best old-enough release has no published release version, which a release update needs. */
  | { kind: 'no-release-version'; release: AgedRelease; location: string }
  /** Nothing newer than what the node group runs is old enough yet; `soonest` is the first that will be. */
  | { kind: 'not-old-enough'; soonest: AgedRelease; complete: boolean; location: string };

/** What age selection decided for one node group. */
export type AgeSelection =
  /** No minimum, the newest is old enough, or its image is unknown (the rules after decide). */
  | { kind: 'newest' }
  /** The newest is too new; `chosen` is the newest release that is old enough and usable. */
  | { kind: 'older'; chosen: AgedRelease; newest: AgedRelease; min: MinimumAge }
  /** The newest is too new and nothing older can be taken. */
  | { kind: 'none'; newest: AgedRelease; min: MinimumAge; why: NoChoice };

function historyFor(snapshot: CatalogSnapshot, region: string, key: string): ReleaseHistory | null {
  return snapshot.releases?.[region]?.[key] ?? null;
}

/**
 * Age selection for `ng`, whose newest target `found` has passed the availability and deny checks:
 * `newest` when it is old enough, else the newest older release (from the snapshot's history) that
 * is at least the minimum age, available, not deprecated at `now`, not denied and not recalled. Pure.
 */
export function selectByAge(
  ng: NodegroupFacts,
  snapshot: CatalogSnapshot,
  found: Found,
  rule: AmiAgeRule,
  now: Date,
  versionUpgrade = false,
): AgeSelection {
  const images = snapshot.images[ng.region] ?? {};
  const newestImage = images[found.imageId];
  const min = minimumAgeFor(ng, rule);
  if (newestImage === undefined || min.days <= 0) return { kind: 'newest' };
  const minMs = min.days * DAY_MS;
  const newest: AgedRelease = {
    imageId: found.imageId,
    releaseVersion: found.releaseVersion,
    image: newestImage,
    ageMs: ageOf(newestImage, now),
    label: labelOf(found.family, found, newestImage),
  };
  if (newest.ageMs >= minMs) return { kind: 'newest' };
  const source = historyOf(found);
  const history = source === null ? null : historyFor(snapshot, ng.region, source.key);
  if (source === null || history === null) return { kind: 'none', newest, min, why: { kind: 'unread' } };
  if (history.error !== null)
    return { kind: 'none', newest, min, why: { kind: 'error', message: history.error } };

  const created = (id: string) => images[id]?.creationDate ?? null;
  const newestRelease: PublishedRelease = {
    imageId: found.imageId,
    releaseVersion: found.releaseVersion,
    name: newestImage.name,
    parameterVersion: found.source.kind === 'golden' ? Number.POSITIVE_INFINITY : null,
    publishedAt: null,
  };
  const line =
    found.source.kind === 'catalog'
      ? found.source.entry.family
      : `${GOLDEN_LINE_PREFIX}${found.source.parameter}`;
  const usable = (r: AgedRelease): boolean =>
    r.image.state === 'available' &&
    (r.image.deprecationTime === null || Date.parse(r.image.deprecationTime) > now.getTime()) &&
    !rule.denyAmis.some((d) => d === r.imageId || (r.releaseVersion !== null && d === r.releaseVersion)) &&
    findRecall(rule.recalls ?? [], targetSubject(line, r)) === null;
  const older: AgedRelease[] = history.releases
    .filter(
      (r) => r.imageId !== found.imageId && compareNewestFirst(found.family, newestRelease, r, created) < 0,
    )
    .sort((a, b) => compareNewestFirst(found.family, a, b, created))
    .flatMap((r) => {
      const image = images[r.imageId];
      return image === undefined
        ? []
        : [
            {
              imageId: r.imageId,
              releaseVersion: r.releaseVersion,
              image,
              ageMs: ageOf(image, now),
              label: labelOf(found.family, r, image),
            },
          ];
    })
    .filter(usable);
  const chosen = older.find((r) => r.ageMs >= minMs);
  if (chosen !== undefined) {
    if (chosen.releaseVersion === null && needsReleaseVersion(ng)) {
      return {
        kind: 'none',
        newest,
        min,
        why: { kind: 'no-release-version', release: chosen, location: history.location },
      };
    }
    return { kind: 'older', chosen, newest, min };
  }
  // The first release newer than the current one to come of age: the oldest of them (the newest is one).
  const ahead = [newest, ...older.filter((r) => isAhead(ng, found.family, r, images, versionUpgrade))];
  const soonest = ahead.reduce((a, b) => (b.ageMs > a.ageMs ? b : a));
  return {
    kind: 'none',
    newest,
    min,
    why: { kind: 'not-old-enough', soonest, complete: history.complete, location: history.location },
  };
}

/**
 * The target every consumer sees for `ng`: the age-selected release when its newest is too new and
 * an older one is chosen, else the newest; null when there is no target. Pure.
 */
export function effectiveTarget(
  ng: NodegroupFacts,
  snapshot: CatalogSnapshot,
  rule: AmiAgeRule,
  now: Date,
): { found: Found; ref: AmiRef } | null {
  const found = lookupTarget(ng, snapshot);
  if (found.kind !== 'found') return null;
  const selection = selectByAge(ng, snapshot, found, rule, now);
  if (selection.kind === 'older') {
    return {
      found,
      ref: { releaseVersion: selection.chosen.releaseVersion, imageId: selection.chosen.imageId },
    };
  }
  return { found, ref: { releaseVersion: found.releaseVersion, imageId: found.imageId } };
}

/**
 * What the inspector should read for `ng`: its target's history source when the newest image is
 * described, younger than the node group's minimum age, not what the group already runs, and the
 * history is not in the snapshot yet; else null. Pure.
 */
export function releaseHistoryWanted(
  ng: NodegroupFacts,
  snapshot: CatalogSnapshot,
  rule: AmiAgeRule,
  now: Date,
): ReleaseHistorySource | null {
  const found = lookupTarget(ng, snapshot);
  if (found.kind !== 'found') return null;
  if (
    isCustom(ng) ? currentCustomImageId(ng) === found.imageId : ng.releaseVersion === found.releaseVersion
  ) {
    return null;
  }
  const image = snapshot.images[ng.region]?.[found.imageId];
  const min = minimumAgeFor(ng, rule);
  if (image === undefined || min.days <= 0 || ageOf(image, now) >= min.days * DAY_MS) return null;
  const source = historyOf(found);
  if (source === null || historyFor(snapshot, ng.region, source.key) !== null) return null;
  return source;
}

/**
 * Every history the inspector should read for `ng` ({@link releaseHistoryWanted} of each of its
 * `lookupViews`: its own minor and, when behind its cluster and following it under `follow`, the
 * next), with the view it is for. Pure.
 */
export function releaseHistoriesWanted(
  ng: NodegroupFacts,
  snapshot: CatalogSnapshot,
  rule: AmiAgeRule,
  now: Date,
  follow: FollowRule | null,
): Array<{ view: NodegroupFacts; source: ReleaseHistorySource }> {
  return lookupViews(ng, follow).flatMap((view) => {
    const source = releaseHistoryWanted(view, snapshot, rule, now);
    return source === null ? [] : [{ view, source }];
  });
}

/** How many older releases of one history the inspector describes (newest first): one DescribeImages call. */
export const RELEASE_CANDIDATES_DESCRIBED = 100;

/**
 * The images of `history` worth describing for `found`: older than the newest, newest first, at
 * most {@link RELEASE_CANDIDATES_DESCRIBED}. Pure.
 */
export function releaseImagesToDescribe(
  found: Found,
  history: ReleaseHistory,
  created: (imageId: string) => string | null,
): string[] {
  const newestRelease: PublishedRelease = {
    imageId: found.imageId,
    releaseVersion: found.releaseVersion,
    name: '',
    parameterVersion: found.source.kind === 'golden' ? Number.POSITIVE_INFINITY : null,
    publishedAt: null,
  };
  return history.releases
    .filter(
      (r) => r.imageId !== found.imageId && compareNewestFirst(found.family, newestRelease, r, created) < 0,
    )
    .sort((a, b) => compareNewestFirst(found.family, a, b, created))
    .slice(0, RELEASE_CANDIDATES_DESCRIBED)
    .map((r) => r.imageId);
}

/** The planner's verdict after age selection. */
export type AgeDecision =
  /** Roll to the newest (`note` null) or to `target` (an older release; `note` says why). */
  | { kind: 'roll'; target: AmiRef; image: ImageFacts; note: string | null }
  /** The node group is at or past the chosen release: nothing to do (never downgrades). */
  | { kind: 'current'; target: AmiRef; message: string }
  /** `ami-too-new`: nothing old enough can be taken yet. */
  | { kind: 'too-new'; message: string };

function legacyTooNew(newest: AgedRelease, min: MinimumAge): string {
  const scope = min.scope === 'policy' ? 'policy needs' : `${min.scope} needs`;
  return `${describeImage(newest.imageId, newest.image)} is ${formatAge(newest.ageMs)} old; ${scope} ${plural(min.days, 'day')} (${formatWait(min.days * DAY_MS - newest.ageMs)} left)`;
}

/**
 * Age selection as the planner words it: `roll` (to the newest, or to an older release with
 * "newest 20261121 is 3 days old; rolling to 20261110 (14 days)"), `current` when the node group is
 * at or past the chosen release, or `too-new` naming the newest and how long until a release newer
 * than the current one is old enough. `found` has passed the availability and deny checks.
 * `versionUpgrade`: `ng` is the node group at the next Kubernetes minor, where anything is ahead. Pure.
 */
export function decideByAge(
  ng: NodegroupFacts,
  snapshot: CatalogSnapshot,
  found: Found,
  rule: AmiAgeRule,
  now: Date,
  versionUpgrade = false,
): AgeDecision {
  const selection = selectByAge(ng, snapshot, found, rule, now, versionUpgrade);
  const newestRef: AmiRef = { releaseVersion: found.releaseVersion, imageId: found.imageId };
  if (selection.kind === 'newest') {
    const image = snapshot.images[ng.region]?.[found.imageId];
    // The planner checked the newest image exists before asking.
    return image
      ? { kind: 'roll', target: newestRef, image, note: null }
      : { kind: 'too-new', message: `DescribeImages returned nothing for ${found.imageId}` };
  }
  const { newest, min } = selection;
  const needs = `${min.scope === 'policy' ? 'policy' : min.scope} needs ${plural(min.days, 'day')}`;
  const newestSays = `newest ${newest.label} is ${formatAge(newest.ageMs)} old`;
  if (selection.kind === 'older') {
    const { chosen } = selection;
    const target: AmiRef = { releaseVersion: chosen.releaseVersion, imageId: chosen.imageId };
    const images = snapshot.images[ng.region] ?? {};
    if (!isAhead(ng, found.family, chosen, images, versionUpgrade)) {
      const why = `${chosen.label}, the newest release at least ${plural(min.days, 'day')} old (${newestSays})`;
      const at = isCustom(ng)
        ? currentCustomImageId(ng) === chosen.imageId
        : ng.releaseVersion === chosen.releaseVersion;
      const runs = isCustom(ng)
        ? describeImage(currentCustomImageId(ng) ?? ng.releaseVersion, images[currentCustomImageId(ng) ?? ''])
        : ng.releaseVersion;
      return {
        kind: 'current',
        target,
        message: at ? `at ${why}` : `${runs} is newer than ${why}; never downgrades`,
      };
    }
    return {
      kind: 'roll',
      target,
      image: chosen.image,
      note: `${newestSays}; rolling to ${chosen.label} (${formatAge(chosen.ageMs)})`,
    };
  }
  const why = selection.why;
  if (why.kind === 'unread') return { kind: 'too-new', message: legacyTooNew(newest, min) };
  if (why.kind === 'error') {
    return {
      kind: 'too-new',
      message: `${legacyTooNew(newest, min)}; older releases could not be read: ${why.message}`,
    };
  }
  if (why.kind === 'no-release-version') {
    return {
      kind: 'too-new',
      message: `${newestSays}; ${needs}; ${why.release.label} is old enough (${formatAge(why.release.ageMs)}) but AWS publishes no release version for it under ${why.location}, and UpdateNodegroupVersion needs one: not guessed`,
    };
  }
  const wait = formatWait(min.days * DAY_MS - why.soonest.ageMs);
  const partial = why.complete ? '' : ` (older releases under ${why.location} were read in part)`;
  return {
    kind: 'too-new',
    message: `${newestSays}; ${needs} and no release newer than the current one is that old yet; ${why.soonest.label} is in ${wait}${partial}`,
  };
}

/**
 * Older releases of a target: where they are published (per release line), how to read what SSM and
 * EC2 return into releases, and how to order them. Shared by the inspector (what to read) and the
 * planner (what to pick), so both agree. Pure: no IO.
 */
import { AmiFamily, compareReleases, releaseHistoryLocation } from './catalog.ts';
import type { TargetSource } from './targets.ts';
import type { ImageFacts } from './types/fleet.ts';
import { type PublishedRelease, ReleaseHistoryKind } from './types/releases.ts';

const AMI_ID = /^ami-[0-9a-zA-Z]+$/;

/** What to read to find a target's older releases; `key` names the history in `CatalogSnapshot.releases`. */
export type ReleaseHistorySource =
  | { kind: typeof ReleaseHistoryKind.ssmPath; key: string; path: string; skip: string }
  | { kind: typeof ReleaseHistoryKind.parameterHistory; key: string; parameter: string }
  | { kind: typeof ReleaseHistoryKind.imagesByName; key: string; namePattern: string; owner: 'amazon' };

/**
 * Where the older releases of a target source are published, keyed by the newest's parameter
 * (one history serves every node group with that target): the catalog's SSM root or AMI name
 * pattern, or the golden parameter's own history. Null for unknown sources. Pure.
 */
export function releaseHistorySource(source: TargetSource): ReleaseHistorySource | null {
  if (source.kind === 'golden') {
    return { kind: ReleaseHistoryKind.parameterHistory, key: source.parameter, parameter: source.parameter };
  }
  if (source.kind !== 'catalog') return null;
  const key = source.entry.imageIdParameter;
  const where = releaseHistoryLocation(source.entry);
  return where.kind === 'ssm-path'
    ? { kind: ReleaseHistoryKind.ssmPath, key, path: where.path, skip: where.skip }
    : { kind: ReleaseHistoryKind.imagesByName, key, namePattern: where.namePattern, owner: where.owner };
}

/** One parameter as GetParametersByPath or GetParameterHistory returns it. */
export interface ParameterEntry {
  name: string;
  value: string;
  /** ISO 8601, when SSM returned one. */
  lastModified: string | null;
  /** The parameter version (GetParameterHistory). */
  version?: number | null;
}

function jsonField(value: string, field: string): string | null {
  if (!value.trimStart().startsWith('{')) return null;
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed === null || typeof parsed !== 'object') return null;
    const v = (parsed as Record<string, unknown>)[field];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}

/**
 * The releases under an SSM root (GetParametersByPath, recursive): one per sub-path other than
 * `skip` (`recommended`, `latest`). A release's image comes from its `image_id` parameter, else
 * its parent's JSON `image_id`; its release version from `release_version` (Amazon Linux) or
 * `image_version` (Bottlerocket), else the parent's JSON `release_version`; null when neither is
 * published. Releases without an AMI ID are dropped. Pure.
 */
export function releasesFromPath(
  path: string,
  skip: string,
  parameters: readonly ParameterEntry[],
): PublishedRelease[] {
  const prefix = path.endsWith('/') ? path : `${path}/`;
  const byName = new Map<
    string,
    { image: string | null; release: string | null; parent: string | null; at: string | null }
  >();
  for (const p of parameters) {
    if (!p.name.startsWith(prefix)) continue;
    const [release, sub, ...deeper] = p.name.slice(prefix.length).split('/');
    if (release === undefined || release === '' || release === skip || deeper.length > 0) continue;
    const entry = byName.get(release) ?? { image: null, release: null, parent: null, at: null };
    const value = p.value.trim();
    if (sub === undefined) entry.parent = value;
    else if (sub === 'image_id') {
      entry.image = value;
      entry.at = p.lastModified ?? entry.at;
    } else if (sub === 'release_version' || sub === 'image_version') entry.release = value || null;
    if (entry.at === null && sub === undefined) entry.at = p.lastModified;
    byName.set(release, entry);
  }
  const out: PublishedRelease[] = [];
  for (const [name, e] of byName) {
    const imageId = e.image ?? (e.parent === null ? null : jsonField(e.parent, 'image_id'));
    if (imageId === null || !AMI_ID.test(imageId)) continue;
    const releaseVersion = e.release ?? (e.parent === null ? null : jsonField(e.parent, 'release_version'));
    out.push({ imageId, releaseVersion, name, parameterVersion: null, publishedAt: e.at });
  }
  return out;
}

/**
 * The AMIs a golden parameter held (GetParameterHistory), one release per AMI: its newest version
 * that held it. Values that are not AMI IDs are dropped. Pure.
 */
export function releasesFromParameterHistory(versions: readonly ParameterEntry[]): PublishedRelease[] {
  const byImage = new Map<string, PublishedRelease>();
  for (const v of versions) {
    const imageId = v.value.trim();
    if (!AMI_ID.test(imageId)) continue;
    const version = v.version ?? null;
    const seen = byImage.get(imageId);
    if (seen && (seen.parameterVersion ?? 0) >= (version ?? 0)) continue;
    byImage.set(imageId, {
      imageId,
      releaseVersion: null,
      name: version === null ? imageId : `version ${version}`,
      parameterVersion: version,
      publishedAt: v.lastModified,
    });
  }
  return [...byImage.values()];
}

const WINDOWS_EKS_NAME =
  /^Windows_Server-\d{4}-English-(?:Core|Full)-EKS_Optimized-(\d+\.\d+-\d{4}\.\d{2}\.\d{2})$/;

/**
 * The Windows EKS-optimized AMIs found by name (DescribeImages): the release version is the AMI
 * version that ends the name (`…-EKS_Optimized-1.33-2026.11.12` → `1.33-2026.11.12`, the format the
 * EKS user guide documents: Kubernetes minor, then the release date). Other names are dropped. Pure.
 */
export function releasesFromImages(images: readonly ImageFacts[]): PublishedRelease[] {
  const out: PublishedRelease[] = [];
  for (const image of images) {
    const m = WINDOWS_EKS_NAME.exec(image.name);
    if (!m?.[1] || !AMI_ID.test(image.imageId)) continue;
    out.push({
      imageId: image.imageId,
      releaseVersion: m[1],
      name: image.name,
      parameterVersion: null,
      publishedAt: image.creationDate || null,
    });
  }
  return out;
}

const AL_STAMP_IN_NAME = /-v(\d{8})$/;
const SEMVER_NAME = /^v?(\d+)\.(\d+)\.(\d+)$/;

function compareTuples(a: number[], b: number[]): -1 | 0 | 1 {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** A sortable key from the release's name when its release version is not published. */
function nameKey(family: AmiFamily | null, r: PublishedRelease): number[] | null {
  if (family === AmiFamily.al2023 || family === AmiFamily.al2) {
    const m = AL_STAMP_IN_NAME.exec(r.name);
    return m ? [Number(m[1]), 0] : null;
  }
  if (family === AmiFamily.bottlerocket) {
    const m = SEMVER_NAME.exec(r.name);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
  }
  return null;
}

/**
 * Orders two releases of one target, newest first is `-1`: by the line's release order (release
 * version, or the stamp or version in the release's name), by parameter version for golden AMIs,
 * and by image creation date (`created`) when nothing else tells. Pure.
 */
export function compareNewestFirst(
  family: AmiFamily | null,
  a: PublishedRelease,
  b: PublishedRelease,
  created: (imageId: string) => string | null,
): number {
  if (
    a.parameterVersion !== null &&
    b.parameterVersion !== null &&
    a.parameterVersion !== b.parameterVersion
  ) {
    return b.parameterVersion - a.parameterVersion;
  }
  if (family !== null && a.releaseVersion !== null && b.releaseVersion !== null) {
    const order = compareReleases(family, a.releaseVersion, b.releaseVersion);
    if (order !== null && order !== 0) return -order;
  }
  const ka = nameKey(family, a);
  const kb = nameKey(family, b);
  if (ka !== null && kb !== null) {
    const order = compareTuples(ka, kb);
    if (order !== 0) return -order;
  }
  const ta = Date.parse(created(a.imageId) ?? a.publishedAt ?? '');
  const tb = Date.parse(created(b.imageId) ?? b.publishedAt ?? '');
  if (!Number.isNaN(ta) && !Number.isNaN(tb) && ta !== tb) return tb - ta;
  return a.imageId < b.imageId ? -1 : a.imageId > b.imageId ? 1 : 0;
}

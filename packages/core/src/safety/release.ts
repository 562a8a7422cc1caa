/**
 * Release lines and release identities. A release is identified per line: the Amazon Linux date
 * stamp (`20261110`, shared by every Kubernetes version and variant of that release), the
 * Bottlerocket version (`1.50.0`), the Windows build date (`2026.11.12`), or, for the operator's
 * own golden parameter, the AMI ID. Pure.
 */
import { AmiFamily, amiFamily } from '../catalog.ts';
import { currentCustomImageId, isCustom, targetSourceFor } from '../targets.ts';
import type { CatalogSnapshot, NodegroupFacts } from '../types/fleet.ts';
import type { AmiRef } from '../types/plan.ts';

/** Prefix of the release line of node groups that follow an operator's own AMI parameter. */
export const GOLDEN_LINE_PREFIX = 'golden:';

const AL = /^\d+\.\d+\.\d+-(\d{8})$/;
const AL_STAMP = /^\d{8}$/;
const BOTTLEROCKET = /^v?(\d+\.\d+\.\d+)(?:-[0-9a-zA-Z]+)?$/;
const WINDOWS = /^(?:\d+\.\d+-)?(\d{4}\.\d{2}\.\d{2})$/;
const AMI_ID = /^ami-[0-9a-zA-Z]+$/;

function isAmazonLinux(line: string): boolean {
  return line === AmiFamily.al2023 || line === AmiFamily.al2;
}

function isWindows(line: string): boolean {
  return line === AmiFamily.windows2019 || line === AmiFamily.windows2022 || line === AmiFamily.windows2025;
}

/**
 * The release identity of `target` on release line `family`, or null when the target says too
 * little (no release version where one is needed, and no image). Golden and unknown lines use the
 * AMI ID. Pure.
 */
export function releaseIdentity(family: string | null, target: AmiRef): string | null {
  const release = target.releaseVersion?.trim() ?? '';
  if (family !== null && isAmazonLinux(family)) {
    const m = AL.exec(release) ?? (AL_STAMP.test(release) ? [release, release] : null);
    if (m?.[1]) return m[1];
  } else if (family === AmiFamily.bottlerocket) {
    const m = BOTTLEROCKET.exec(release);
    if (m?.[1]) return m[1];
  } else if (family !== null && isWindows(family)) {
    const m = WINDOWS.exec(release);
    if (m?.[1]) return m[1];
  }
  return target.imageId ?? null;
}

/**
 * A release as people read it: its identity and its line, `20261110 (al2023)`, `1.50.0
 * (bottlerocket)`, `ami-0abc… (golden:/images/web)`. One release is one (line, identity): an Amazon
 * Linux build date covers that build's image for every Kubernetes version, architecture and variant.
 * A node group names it by its own release version (`1.31.14-20261110`). Pure.
 */
export function releaseName(family: string, release: string): string {
  return `${release} (${family})`;
}

/**
 * What an operator typed as a release (`1.33.5-20261110`, `20261110`, `v1.50.0-abcdef12`,
 * `1.33-2026.11.12`, `ami-…`), as an identity; `family` settles ambiguous input. Null when the
 * input follows no known scheme. Pure.
 */
export function normalizeReleaseInput(input: string, family: string | null = null): string | null {
  const value = input.trim();
  if (value === '') return null;
  if (AMI_ID.test(value)) return value;
  if (family?.startsWith(GOLDEN_LINE_PREFIX)) return null;
  if (family !== null) return releaseIdentity(family, { releaseVersion: value, imageId: null });
  const al = AL.exec(value);
  if (al?.[1]) return al[1];
  if (AL_STAMP.test(value)) return value;
  const win = WINDOWS.exec(value);
  if (win?.[1]) return win[1];
  const br = BOTTLEROCKET.exec(value);
  if (br?.[1]) return br[1];
  return null;
}

function tuple(identity: string, pattern: RegExp): number[] | null {
  if (!pattern.test(identity)) return null;
  return identity.split('.').map(Number);
}

/**
 * Orders two identities of one release line: -1 older, 0 same, 1 newer; null when they cannot be
 * ordered (golden AMI IDs, or an identity that follows no scheme). Equal strings are always 0. Pure.
 */
export function compareIdentities(family: string, a: string, b: string): -1 | 0 | 1 | null {
  if (a === b) return 0;
  let ka: number[] | null = null;
  let kb: number[] | null = null;
  if (isAmazonLinux(family)) {
    ka = AL_STAMP.test(a) ? [Number(a)] : null;
    kb = AL_STAMP.test(b) ? [Number(b)] : null;
  } else if (family === AmiFamily.bottlerocket) {
    ka = tuple(a, /^\d+\.\d+\.\d+$/);
    kb = tuple(b, /^\d+\.\d+\.\d+$/);
  } else if (isWindows(family)) {
    ka = tuple(a, /^\d{4}\.\d{2}\.\d{2}$/);
    kb = tuple(b, /^\d{4}\.\d{2}\.\d{2}$/);
  }
  if (ka === null || kb === null) return null;
  for (let i = 0; i < Math.max(ka.length, kb.length); i++) {
    const x = ka[i] ?? 0;
    const y = kb[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * The release line of a node group: its AMI family, or `golden:<parameter>` for groups on the
 * operator's own parameter; null when nodekeeper cannot tell (the planner skips those anyway). Pure.
 */
export function releaseLineOf(ng: NodegroupFacts, catalog: CatalogSnapshot): string | null {
  if (!isCustom(ng) && ng.tags['nodekeeper.io/ami-parameter'] === undefined) return amiFamily(ng.amiType);
  const currentId = currentCustomImageId(ng);
  const current = currentId === null ? null : (catalog.images[ng.region]?.[currentId] ?? null);
  const source = targetSourceFor(ng, current);
  if (source.kind === 'catalog') return source.entry.family;
  if (source.kind === 'golden') return `${GOLDEN_LINE_PREFIX}${source.parameter}`;
  return null;
}

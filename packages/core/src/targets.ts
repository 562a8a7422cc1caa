/**
 * Which SSM parameters and images a node group needs, and what its target AMI is once they are
 * known. Shared by the inspector (what to fetch) and the planner (what to decide), so both agree.
 * Pure.
 */
import { AmiFamily, AmiType, type CatalogEntry, catalogEntry, identifyAmiByName } from './catalog.ts';
import { type FollowRule, lookupViews } from './kubernetes-version.ts';
import type { CatalogSnapshot, ImageFacts, NodegroupFacts } from './types/fleet.ts';

/** Node group tags nodekeeper reads (see the tag contract in DESIGN.md). */
export const Tag = {
  skip: 'nodekeeper.io/skip',
  amiParameter: 'nodekeeper.io/ami-parameter',
  wave: 'nodekeeper.io/wave',
} as const;
export type Tag = (typeof Tag)[keyof typeof Tag];

// Real IDs are 8 or 17 hex digits; test doubles (the sandbox, docs) use readable ones such as ami-0new.
const AMI_ID = /^ami-[0-9a-zA-Z]+$/;

/** Where a node group's target AMI comes from. */
export type TargetSource =
  /** An EKS-optimized AMI (node group amiType, or a CUSTOM group whose current image has an EKS name). */
  | { kind: 'catalog'; entry: CatalogEntry }
  /** The operator's own parameter (tag `nodekeeper.io/ami-parameter`), CUSTOM groups only. */
  | { kind: 'golden'; parameter: string }
  /** nodekeeper cannot tell: skip with `unknown-ami-family`. */
  | { kind: 'unknown'; message: string };

/** True for node groups whose AMI comes from their launch template (`amiType: CUSTOM`). Pure. */
export function isCustom(ng: NodegroupFacts): boolean {
  return ng.amiType === AmiType.custom;
}

/** The AMI a CUSTOM node group runs now: its launch template's ImageId, else EKS's `releaseVersion`. Pure. */
export function currentCustomImageId(ng: NodegroupFacts): string | null {
  if (!isCustom(ng)) return null;
  const id = ng.launchTemplate?.imageId ?? ng.releaseVersion;
  return AMI_ID.test(id) ? id : null;
}

/**
 * Where the target AMI of `ng` comes from. For CUSTOM groups without the golden tag this needs the
 * current image (DescribeImages) to recognise its EKS-optimized name; pass null if it is unknown.
 * The lookup always uses the node group's Kubernetes version (also in place of `{version}` in a golden
 * parameter's name). Pure.
 */
export function targetSourceFor(ng: NodegroupFacts, currentImage: ImageFacts | null): TargetSource {
  const golden = ng.tags[Tag.amiParameter]?.trim();
  if (golden !== undefined && golden !== '') {
    if (!isCustom(ng)) {
      return {
        kind: 'unknown',
        message: `tag ${Tag.amiParameter} needs a custom AMI, but this node group uses the EKS AMI type ${ng.amiType}; switching between EKS and custom AMIs needs a new node group`,
      };
    }
    // `{version}` names one parameter per Kubernetes minor (`/images/web/{version}/ami`).
    return { kind: 'golden', parameter: golden.replaceAll('{version}', ng.version) };
  }
  if (!isCustom(ng)) {
    const entry = catalogEntry(ng.amiType, ng.version);
    return entry
      ? { kind: 'catalog', entry }
      : {
          kind: 'unknown',
          message: `no catalog entry for AMI type ${ng.amiType} at Kubernetes ${ng.version}`,
        };
  }
  const imageId = currentCustomImageId(ng);
  if (currentImage === null) {
    return {
      kind: 'unknown',
      message: `custom AMI ${imageId ?? ng.releaseVersion} could not be described; tag the node group with ${Tag.amiParameter} to name its AMI parameter`,
    };
  }
  const identified = identifyAmiByName(currentImage.name);
  const entry = identified ? catalogEntry(identified.amiType, ng.version) : null;
  if (entry === null) {
    return {
      kind: 'unknown',
      message: `custom AMI ${currentImage.imageId} (${currentImage.name}) is not an EKS-optimized AMI; tag the node group with ${Tag.amiParameter} to name its AMI parameter`,
    };
  }
  return { kind: 'catalog', entry };
}

/** The SSM parameter names a target source needs (release parameter first-class for catalog entries). Pure. */
export function parametersForSource(source: TargetSource): string[] {
  if (source.kind === 'catalog') return [source.entry.imageIdParameter, source.entry.releaseVersionParameter];
  if (source.kind === 'golden') return [source.parameter];
  return [];
}

/**
 * The SSM parameter names `ng` needs, given its current image (needed for CUSTOM groups without the
 * golden tag; null otherwise or when unknown): its own minor's and, when it is behind its cluster
 * and follows it under `follow`, the next minor's (see `lookupViews`). Pure.
 */
export function parametersForNodegroup(
  ng: NodegroupFacts,
  currentImage: ImageFacts | null,
  follow: FollowRule | null,
): string[] {
  const names = lookupViews(ng, follow).flatMap((view) =>
    parametersForSource(targetSourceFor(view, currentImage)),
  );
  return [...new Set(names)];
}

/**
 * The target image IDs the inspection describes for `ng`: its own minor's and, when it is behind its
 * cluster and follows it under `follow`, the next minor's, as far as the parameters in `snapshot`
 * name them. Pure.
 */
export function targetImageIds(
  ng: NodegroupFacts,
  snapshot: CatalogSnapshot,
  follow: FollowRule | null,
): string[] {
  const ids = lookupViews(ng, follow).flatMap((view) => {
    const found = lookupTarget(view, snapshot);
    return found.kind === 'found' ? [found.imageId] : [];
  });
  return [...new Set(ids)];
}

function imageFacts(
  images: CatalogSnapshot['images'],
  region: string,
  imageId: string | null,
): ImageFacts | null {
  return imageId === null ? null : (images[region]?.[imageId] ?? null);
}

/** A target AMI read from the parameters. */
export type TargetLookup =
  | {
      kind: 'found';
      source: Exclude<TargetSource, { kind: 'unknown' }>;
      /** Release line for catalog targets; null for golden AMIs. */
      family: AmiFamily | null;
      imageId: string;
      /** Release version as published; null for golden AMIs or when absent. */
      releaseVersion: string | null;
      /** The parameter holding the release version, when one is expected. */
      releaseVersionParameter: string | null;
    }
  | { kind: 'unknown-ami-family'; message: string }
  | { kind: 'no-parameter'; parameter: string; message: string };

function releaseVersionOf(entry: CatalogEntry, parameters: Record<string, string>): string | null {
  const value = parameters[entry.releaseVersionParameter];
  if (value === undefined) return null;
  if (entry.releaseVersionSource === 'plain') return value.trim() || null;
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed === 'object' && 'release_version' in parsed) {
      const release = (parsed as { release_version: unknown }).release_version;
      return typeof release === 'string' && release !== '' ? release : null;
    }
    return null;
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}

function noParameterMessage(parameter: string, region: string, entry: CatalogEntry | null): string {
  const base = `SSM parameter ${parameter} does not exist in ${region}`;
  if (entry?.family === AmiFamily.al2) {
    const [major, minor] = entry.k8sVersion.split('.').map(Number);
    if (major === 1 && minor !== undefined && minor > 32)
      return `${base}; EKS publishes no AL2 AMIs after Kubernetes 1.32`;
  }
  return base;
}

/**
 * Reads the target AMI of `ng` from `snapshot` (parameters and current images). Release-version
 * targets need both the image ID and the release version; launch-template targets need the image
 * ID only. Pure.
 */
export function lookupTarget(ng: NodegroupFacts, snapshot: CatalogSnapshot): TargetLookup {
  const current = imageFacts(snapshot.images, ng.region, currentCustomImageId(ng));
  const source = targetSourceFor(ng, current);
  if (source.kind === 'unknown') return { kind: 'unknown-ami-family', message: source.message };
  const parameters = snapshot.parameters[ng.region] ?? {};
  if (source.kind === 'golden') {
    const value = parameters[source.parameter]?.trim();
    if (value === undefined) {
      return {
        kind: 'no-parameter',
        parameter: source.parameter,
        message: noParameterMessage(source.parameter, ng.region, null),
      };
    }
    if (!AMI_ID.test(value)) {
      return {
        kind: 'unknown-ami-family',
        message: `parameter ${source.parameter} holds "${value.slice(0, 40)}", not an AMI ID`,
      };
    }
    return {
      kind: 'found',
      source,
      family: null,
      imageId: value,
      releaseVersion: null,
      releaseVersionParameter: null,
    };
  }
  const { entry } = source;
  const imageId = parameters[entry.imageIdParameter]?.trim();
  if (imageId === undefined || imageId === '') {
    return {
      kind: 'no-parameter',
      parameter: entry.imageIdParameter,
      message: noParameterMessage(entry.imageIdParameter, ng.region, entry),
    };
  }
  const releaseVersion = releaseVersionOf(entry, parameters);
  if (releaseVersion === null && !isCustom(ng)) {
    return {
      kind: 'no-parameter',
      parameter: entry.releaseVersionParameter,
      message: `${noParameterMessage(entry.releaseVersionParameter, ng.region, entry)} (or holds no release version)`,
    };
  }
  return {
    kind: 'found',
    source,
    family: entry.family,
    imageId,
    releaseVersion,
    releaseVersionParameter: entry.releaseVersionParameter,
  };
}

import {
  DeleteLaunchTemplateVersionsCommand,
  DescribeImagesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type DescribeLaunchTemplateVersionsCommandInput,
  type EC2Client,
  type Image,
  type LaunchTemplateBlockDeviceMapping,
  type LaunchTemplateBlockDeviceMappingRequest,
  type LaunchTemplateVersion,
  type RequestLaunchTemplateData,
} from '@aws-sdk/client-ec2';
import type { ImageFacts } from '@nodekeeper/core/plan';
import type {
  DeleteLaunchTemplateVersionsResult,
  FindLaunchTemplateVersionInput,
  LaunchTemplateVersionInfo,
} from '@nodekeeper/core/rollout';
import { callAws } from './errors.ts';
import './services/ec2.ts';

/**
 * EC2 adapters. They wrap failures in AwsAdapterError. Only deleteLaunchTemplateVersions mutates.
 * Every call names a launch template by its ID alone: EC2 takes an ID or a name, never both.
 */

const service = 'ec2';

/** Image IDs per DescribeImages call. */
export const imageBatchSize = 100;

/** One launch template version as nodekeeper needs it. */
export interface LaunchTemplateVersionFacts {
  launchTemplateId: string;
  launchTemplateName: string | null;
  versionNumber: string;
  /** `ImageId` of the version; null when the template leaves the AMI to EKS. */
  imageId: string | null;
  defaultVersion: boolean;
}

/**
 * Pages of DescribeLaunchTemplateVersions for one request (the caller's filters and versions), at
 * most `maxPages`; the one pager of every read of launch template versions. Read-only.
 */
async function* launchTemplateVersionPages(
  ec2: EC2Client,
  input: Omit<DescribeLaunchTemplateVersionsCommandInput, 'NextToken'>,
  context: string,
  maxPages = Number.POSITIVE_INFINITY,
): AsyncGenerator<LaunchTemplateVersion[]> {
  let nextToken: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const out = await callAws(
      service,
      'DescribeLaunchTemplateVersions',
      () => ec2.send(new DescribeLaunchTemplateVersionsCommand({ ...input, NextToken: nextToken })),
      context,
    );
    yield out.LaunchTemplateVersions ?? [];
    nextToken = out.NextToken || undefined;
    if (!nextToken) return;
  }
}

/**
 * The requested versions of ONE launch template in one call (plus pages): `versions` are numbers
 * as strings, `$Latest` or `$Default`. Keyed by the requested version string. A missing version
 * fails the call (EC2 answers InvalidLaunchTemplateId.VersionNotFound).
 */
export async function describeLaunchTemplateVersions(
  ec2: EC2Client,
  launchTemplateId: string,
  versions: readonly string[],
): Promise<Map<string, LaunchTemplateVersionFacts>> {
  const wanted = [...new Set(versions)];
  const found: LaunchTemplateVersionFacts[] = [];
  const pages = launchTemplateVersionPages(
    ec2,
    { LaunchTemplateId: launchTemplateId, ...(wanted.length > 0 ? { Versions: wanted } : {}) },
    launchTemplateId,
  );
  for await (const page of pages) {
    for (const v of page) {
      found.push({
        launchTemplateId: v.LaunchTemplateId ?? launchTemplateId,
        launchTemplateName: v.LaunchTemplateName ?? null,
        versionNumber: String(v.VersionNumber ?? ''),
        imageId: v.LaunchTemplateData?.ImageId || null,
        defaultVersion: v.DefaultVersion === true,
      });
    }
  }

  const byKey = new Map<string, LaunchTemplateVersionFacts>();
  for (const key of wanted) {
    const match =
      key === '$Default'
        ? found.find((v) => v.defaultVersion)
        : key === '$Latest'
          ? found.reduce<LaunchTemplateVersionFacts | undefined>(
              (best, v) => (best && Number(best.versionNumber) >= Number(v.versionNumber) ? best : v),
              undefined,
            )
          : found.find((v) => v.versionNumber === key);
    if (match) byKey.set(key, match);
  }
  return byKey;
}

/** Normalizes an SDK `Image`. Pure. */
export function toImageFacts(i: Image): ImageFacts {
  return {
    imageId: i.ImageId ?? '',
    name: i.Name ?? '',
    creationDate: i.CreationDate ?? '',
    state: i.State ?? 'unknown',
    deprecationTime: i.DeprecationTime || null,
    architecture: i.Architecture ?? '',
    ownerId: i.OwnerId ?? '',
  };
}

/**
 * Describes up to `imageBatchSize` images in one call (plus pages), deprecated and disabled ones
 * included. Uses the `image-id` filter rather than `ImageIds`, so an image that no longer exists
 * is simply absent instead of failing the whole batch with InvalidAMIID.NotFound.
 */
export async function describeImagesBatch(
  ec2: EC2Client,
  imageIds: readonly string[],
): Promise<ImageFacts[]> {
  const ids = [...new Set(imageIds)];
  if (ids.length === 0) return [];
  if (ids.length > imageBatchSize)
    throw new RangeError(`at most ${imageBatchSize} image IDs per call, got ${ids.length}`);
  return describeImagesPaged(ec2, { Filters: [{ Name: 'image-id', Values: ids }] });
}

/**
 * Describes Amazon's images with these exact names (up to `imageBatchSize`) in one call (plus
 * pages): the `name` filter, `Owners: ['amazon']` (EKS, Bottlerocket and Windows EKS-optimized AMIs
 * carry the owner alias `amazon`, whatever the region's owning account), deprecated and disabled
 * ones included — EC2 hides a deprecated image from an AMI user unless asked by ID or with
 * `IncludeDeprecated`. A name no image has is simply absent.
 */
export async function describeAmazonImagesByName(
  ec2: EC2Client,
  names: readonly string[],
): Promise<ImageFacts[]> {
  const wanted = [...new Set(names)];
  if (wanted.length === 0) return [];
  if (wanted.length > imageBatchSize)
    throw new RangeError(`at most ${imageBatchSize} image names per call, got ${wanted.length}`);
  return describeImagesPaged(ec2, { Owners: ['amazon'], Filters: [{ Name: 'name', Values: wanted }] });
}

/** Every page of one DescribeImages query, deprecated and disabled images included. */
async function describeImagesPaged(
  ec2: EC2Client,
  query: { Owners?: string[]; Filters: Array<{ Name: string; Values: string[] }> },
): Promise<ImageFacts[]> {
  const images: ImageFacts[] = [];
  let nextToken: string | undefined;
  do {
    const out = await callAws(service, 'DescribeImages', () =>
      ec2.send(
        new DescribeImagesCommand({
          ...query,
          IncludeDeprecated: true,
          IncludeDisabled: true,
          NextToken: nextToken,
        }),
      ),
    );
    images.push(...(out.Images ?? []).map(toImageFacts));
    nextToken = out.NextToken || undefined;
  } while (nextToken);
  return images;
}

/** Versions per DescribeLaunchTemplateVersions page (the API's maximum). */
const VERSIONS_PAGE = 200;

/** A version number as EC2 counts them, or null for `$Latest`, `$Default` and anything else. */
function versionNumber(version: string): number | null {
  return /^\d+$/.test(version) ? Number(version) : null;
}

/**
 * The newest version of the template newer than `sourceVersion` whose description starts with
 * `descriptionPrefix` and whose `ImageId` is `imageId` (nodekeeper's version for one rollout), or
 * null. `MinVersion` is "the version number after which to describe" (exclusive), so it is the
 * source version itself, and versions are also filtered here: the answer is right whether EC2 reads
 * it as exclusive or inclusive. Read-only; at most `maxPages` pages.
 */
export async function findLaunchTemplateVersionAfter(
  ec2: EC2Client,
  input: FindLaunchTemplateVersionInput,
  context: string,
  maxPages = 10,
): Promise<string | null> {
  const source = versionNumber(input.sourceVersion);
  const pages = launchTemplateVersionPages(
    ec2,
    {
      LaunchTemplateId: input.launchTemplateId,
      ...(source === null ? {} : { MinVersion: String(source) }),
      Filters: [{ Name: 'image-id', Values: [input.imageId] }],
    },
    context,
    maxPages,
  );
  for await (const page of pages) {
    const mine = page
      .filter(
        (v) =>
          v.VersionNumber !== undefined &&
          (source === null || v.VersionNumber > source) &&
          v.VersionDescription?.startsWith(input.descriptionPrefix) === true &&
          v.LaunchTemplateData?.ImageId === input.imageId,
      )
      .sort((a, b) => (b.VersionNumber ?? 0) - (a.VersionNumber ?? 0))[0];
    if (mine?.VersionNumber !== undefined) return String(mine.VersionNumber);
  }
  return null;
}

/** A described block device mapping in the request's shape, member by member. Pure. */
function toMappingRequest(
  m: LaunchTemplateBlockDeviceMapping,
  dropSnapshot: boolean,
): LaunchTemplateBlockDeviceMappingRequest {
  const ebs = m.Ebs;
  const keepsSnapshot = ebs?.SnapshotId !== undefined && !dropSnapshot;
  return {
    ...(m.DeviceName !== undefined ? { DeviceName: m.DeviceName } : {}),
    ...(m.VirtualName !== undefined ? { VirtualName: m.VirtualName } : {}),
    // An empty NoDevice is meaningful ("omit this device"), so it is kept as it is.
    ...(m.NoDevice !== undefined ? { NoDevice: m.NoDevice } : {}),
    ...(ebs
      ? {
          Ebs: {
            // EC2: "If you are creating a volume from a snapshot, you can't specify an encryption
            // value" (the volume takes the snapshot's).
            ...(ebs.Encrypted !== undefined && !keepsSnapshot ? { Encrypted: ebs.Encrypted } : {}),
            ...(ebs.DeleteOnTermination !== undefined
              ? { DeleteOnTermination: ebs.DeleteOnTermination }
              : {}),
            ...(ebs.Iops !== undefined ? { Iops: ebs.Iops } : {}),
            ...(ebs.KmsKeyId !== undefined ? { KmsKeyId: ebs.KmsKeyId } : {}),
            ...(keepsSnapshot ? { SnapshotId: ebs.SnapshotId } : {}),
            ...(ebs.VolumeSize !== undefined ? { VolumeSize: ebs.VolumeSize } : {}),
            ...(ebs.VolumeType !== undefined ? { VolumeType: ebs.VolumeType } : {}),
            ...(ebs.Throughput !== undefined ? { Throughput: ebs.Throughput } : {}),
            ...(ebs.VolumeInitializationRate !== undefined
              ? { VolumeInitializationRate: ebs.VolumeInitializationRate }
              : {}),
            ...(ebs.EbsCardIndex !== undefined ? { EbsCardIndex: ebs.EbsCardIndex } : {}),
          },
        }
      : {}),
  };
}

/**
 * `LaunchTemplateData` for a new version based on `sourceVersion` that changes only the AMI.
 * EC2 drops the snapshot IDs of inherited block devices ("Snapshots applied to the block device
 * mapping are ignored when creating a new version unless they are explicitly included", EC2 API
 * model), so when the source version has any, its mappings are passed explicitly. Snapshots that
 * belong to an image stay dropped, as EC2 would drop them: those of the outgoing AMI, and whatever
 * sits on the new AMI's root device. Read-only (DescribeLaunchTemplateVersions, DescribeImages).
 */
export async function launchTemplateDataForImage(
  ec2: EC2Client,
  input: { launchTemplateId: string; sourceVersion: string; imageId: string },
  context: string,
): Promise<RequestLaunchTemplateData> {
  const described = await callAws(
    service,
    'DescribeLaunchTemplateVersions',
    () =>
      ec2.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateId: input.launchTemplateId,
          Versions: [input.sourceVersion],
        }),
      ),
    context,
  );
  const source = described.LaunchTemplateVersions?.[0]?.LaunchTemplateData;
  const mappings = source?.BlockDeviceMappings ?? [];
  if (!mappings.some((m) => m.Ebs?.SnapshotId)) return { ImageId: input.imageId };
  const oldImageId = source?.ImageId;
  const ids = [...new Set([input.imageId, ...(oldImageId ? [oldImageId] : [])])];
  const images = await callAws(
    service,
    'DescribeImages',
    () =>
      ec2.send(
        new DescribeImagesCommand({
          Filters: [{ Name: 'image-id', Values: ids }],
          IncludeDeprecated: true,
          IncludeDisabled: true,
        }),
      ),
    context,
  );
  const newRoot = images.Images?.find((i) => i.ImageId === input.imageId)?.RootDeviceName;
  const oldSnapshots = new Set(
    (
      images.Images?.find((i) => i.ImageId === oldImageId && oldImageId !== input.imageId)
        ?.BlockDeviceMappings ?? []
    )
      .map((m) => m.Ebs?.SnapshotId)
      .filter((id): id is string => Boolean(id)),
  );
  const explicit = mappings.map((m) =>
    toMappingRequest(
      m,
      (m.Ebs?.SnapshotId !== undefined && oldSnapshots.has(m.Ebs.SnapshotId)) ||
        (newRoot !== undefined && m.DeviceName === newRoot),
    ),
  );
  return explicit.some((m) => m.Ebs?.SnapshotId)
    ? { ImageId: input.imageId, BlockDeviceMappings: explicit }
    : { ImageId: input.imageId };
}

/** Every version of one launch template (pages of 200), as retirement reads them. Read-only. */
export async function listLaunchTemplateVersions(
  ec2: EC2Client,
  launchTemplateId: string,
  context: string,
): Promise<LaunchTemplateVersionInfo[]> {
  const versions: LaunchTemplateVersionInfo[] = [];
  const pages = launchTemplateVersionPages(
    ec2,
    { LaunchTemplateId: launchTemplateId, MaxResults: VERSIONS_PAGE },
    context,
  );
  for await (const page of pages) {
    for (const v of page) {
      if (v.VersionNumber === undefined) continue;
      versions.push({
        version: String(v.VersionNumber),
        description: v.VersionDescription ?? null,
        imageId: v.LaunchTemplateData?.ImageId || null,
        isDefault: v.DefaultVersion === true,
        createdAt: v.CreateTime ? v.CreateTime.toISOString() : null,
      });
    }
  }
  return versions;
}

/** Versions per DeleteLaunchTemplateVersions call (EC2 API model). */
export const deleteVersionsBatchSize = 200;

/**
 * Deletes versions of one template. EC2 answers HTTP 200 with a success and a failure set (the
 * default version, for one, is refused per version), so each version's outcome is reported.
 */
export async function deleteLaunchTemplateVersions(
  ec2: EC2Client,
  launchTemplateId: string,
  versions: readonly string[],
  context: string,
): Promise<DeleteLaunchTemplateVersionsResult> {
  const result: DeleteLaunchTemplateVersionsResult = { deleted: [], failed: [] };
  for (let i = 0; i < versions.length; i += deleteVersionsBatchSize) {
    const batch = versions.slice(i, i + deleteVersionsBatchSize);
    const out = await callAws(
      service,
      'DeleteLaunchTemplateVersions',
      () =>
        ec2.send(
          new DeleteLaunchTemplateVersionsCommand({ LaunchTemplateId: launchTemplateId, Versions: batch }),
        ),
      context,
    );
    for (const ok of out.SuccessfullyDeletedLaunchTemplateVersions ?? []) {
      if (ok.VersionNumber !== undefined) result.deleted.push(String(ok.VersionNumber));
    }
    for (const bad of out.UnsuccessfullyDeletedLaunchTemplateVersions ?? []) {
      result.failed.push({
        version: bad.VersionNumber === undefined ? '?' : String(bad.VersionNumber),
        errorCode: bad.ResponseError?.Code ?? 'unexpectedError',
        message: bad.ResponseError?.Message ?? 'no message',
      });
    }
  }
  return result;
}

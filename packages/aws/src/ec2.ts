import {
  DescribeImagesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import type { ImageFacts } from '@nodekeeper/core';
import { callAws } from './errors.ts';

/** EC2 read adapters. They wrap failures in AwsAdapterError and mutate nothing. */

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
  let nextToken: string | undefined;
  do {
    const out = await callAws(
      service,
      'DescribeLaunchTemplateVersions',
      () =>
        ec2.send(
          new DescribeLaunchTemplateVersionsCommand({
            LaunchTemplateId: launchTemplateId,
            ...(wanted.length > 0 ? { Versions: wanted } : {}),
            NextToken: nextToken,
          }),
        ),
      launchTemplateId,
    );
    for (const v of out.LaunchTemplateVersions ?? []) {
      found.push({
        launchTemplateId: v.LaunchTemplateId ?? launchTemplateId,
        launchTemplateName: v.LaunchTemplateName ?? null,
        versionNumber: String(v.VersionNumber ?? ''),
        imageId: v.LaunchTemplateData?.ImageId || null,
        defaultVersion: v.DefaultVersion === true,
      });
    }
    nextToken = out.NextToken || undefined;
  } while (nextToken);

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
  const images: ImageFacts[] = [];
  let nextToken: string | undefined;
  do {
    const out = await callAws(service, 'DescribeImages', () =>
      ec2.send(
        new DescribeImagesCommand({
          Filters: [{ Name: 'image-id', Values: ids }],
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

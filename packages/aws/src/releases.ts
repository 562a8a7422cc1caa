import { DescribeImagesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { GetParameterHistoryCommand, GetParametersByPathCommand, type SSMClient } from '@aws-sdk/client-ssm';
import {
  type ImageFacts,
  type ParameterEntry,
  type ReleaseHistory,
  ReleaseHistoryKind,
  type ReleaseHistorySource,
  releasesFromImages,
  releasesFromParameterHistory,
  releasesFromPath,
} from '@nodekeeper/core/plan';
import { toImageFacts } from './ec2.ts';
import { callAws } from './errors.ts';
import './services/ec2.ts';
import './services/ssm.ts';

/**
 * Older releases of a target, for age selection: release-named and versioned SSM public parameters
 * (GetParametersByPath), a golden parameter's history (GetParameterHistory), Windows AMIs by name
 * (DescribeImages). Read-only, paged, bounded, and memoised per run.
 */

/** Parameters read under one SSM root at most (GetParametersByPath returns 10 a page): 100 pages. */
export const RELEASE_PATH_MAX_PARAMETERS = 1000;
/** Versions of a golden parameter read at most: SSM keeps the newest 100 (50 a page). */
export const PARAMETER_HISTORY_MAX_VERSIONS = 100;
/** Images found by name at most (one DescribeImages page). */
export const RELEASE_IMAGES_MAX = 1000;

const PATH_PAGE = 10;
const HISTORY_PAGE = 50;

function iso(date: Date | undefined): string | null {
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}

/**
 * Every parameter under `path` (recursive), 10 a page, until the end or `maxParameters`; `complete`
 * is false when it stopped at the bound.
 */
export async function getParametersUnderPath(
  ssm: SSMClient,
  path: string,
  options: { maxParameters?: number } = {},
): Promise<{ parameters: ParameterEntry[]; complete: boolean }> {
  const max = options.maxParameters ?? RELEASE_PATH_MAX_PARAMETERS;
  const parameters: ParameterEntry[] = [];
  let nextToken: string | undefined;
  do {
    const out = await callAws(
      'ssm',
      'GetParametersByPath',
      () =>
        ssm.send(
          new GetParametersByPathCommand({
            Path: path,
            Recursive: true,
            MaxResults: PATH_PAGE,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        ),
      path,
    );
    for (const p of out.Parameters ?? []) {
      if (p.Name === undefined || p.Value === undefined) continue;
      parameters.push({ name: p.Name, value: p.Value, lastModified: iso(p.LastModifiedDate) });
    }
    nextToken = out.NextToken || undefined;
  } while (nextToken && parameters.length < max);
  return { parameters, complete: nextToken === undefined };
}

/** The versions of parameter `name`, 50 a page, newest 100 at most (SSM keeps no more). */
export async function getParameterVersions(
  ssm: SSMClient,
  name: string,
  options: { maxVersions?: number } = {},
): Promise<{ versions: ParameterEntry[]; complete: boolean }> {
  const max = options.maxVersions ?? PARAMETER_HISTORY_MAX_VERSIONS;
  const versions: ParameterEntry[] = [];
  let nextToken: string | undefined;
  do {
    const out = await callAws(
      'ssm',
      'GetParameterHistory',
      () =>
        ssm.send(
          new GetParameterHistoryCommand({
            Name: name,
            MaxResults: HISTORY_PAGE,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        ),
      name,
    );
    for (const p of out.Parameters ?? []) {
      if (p.Value === undefined) continue;
      versions.push({
        name: p.Name ?? name,
        value: p.Value,
        lastModified: iso(p.LastModifiedDate),
        version: p.Version ?? null,
      });
    }
    nextToken = out.NextToken || undefined;
  } while (nextToken && versions.length < max);
  return { versions, complete: nextToken === undefined };
}

/**
 * Images of `owner` whose name matches `pattern` (EC2 `name` filter, `*` wildcards), deprecated
 * and disabled ones included (EC2 hides deprecated images unless asked), one page of at most
 * {@link RELEASE_IMAGES_MAX}.
 */
export async function describeImagesNamed(
  ec2: EC2Client,
  pattern: string,
  owner: string,
): Promise<{ images: ImageFacts[]; complete: boolean }> {
  const out = await callAws(
    'ec2',
    'DescribeImages',
    () =>
      ec2.send(
        new DescribeImagesCommand({
          Owners: [owner],
          Filters: [{ Name: 'name', Values: [pattern] }],
          IncludeDeprecated: true,
          IncludeDisabled: true,
          MaxResults: RELEASE_IMAGES_MAX,
        }),
      ),
    pattern,
  );
  return { images: (out.Images ?? []).map(toImageFacts), complete: !out.NextToken };
}

/** What one read found: the history, and the images it described on the way (Windows, by name). */
export interface ReleaseHistoryRead {
  history: ReleaseHistory;
  images: ImageFacts[];
}

/** Reads older releases; one reader serves one plan run. */
export interface ReleaseHistoryReader {
  /**
   * The history of `source` as seen from (`accountId`, `region`) with `clients`. Never throws: a
   * failed read is a history with `error`. Public sources are read once per region, a golden
   * parameter once per account and region.
   */
  read(
    clients: { ssm: SSMClient; ec2: EC2Client },
    where: { accountId: string | null; region: string },
    source: ReleaseHistorySource,
  ): Promise<ReleaseHistoryRead>;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function readSource(
  clients: { ssm: SSMClient; ec2: EC2Client },
  source: ReleaseHistorySource,
): Promise<ReleaseHistoryRead> {
  if (source.kind === ReleaseHistoryKind.ssmPath) {
    const { parameters, complete } = await getParametersUnderPath(clients.ssm, source.path);
    return {
      history: {
        kind: source.kind,
        location: source.path,
        releases: releasesFromPath(source.path, source.skip, parameters),
        complete,
        error: null,
      },
      images: [],
    };
  }
  if (source.kind === ReleaseHistoryKind.parameterHistory) {
    const { versions, complete } = await getParameterVersions(clients.ssm, source.parameter);
    return {
      history: {
        kind: source.kind,
        location: source.parameter,
        releases: releasesFromParameterHistory(versions),
        complete,
        error: null,
      },
      images: [],
    };
  }
  const { images, complete } = await describeImagesNamed(clients.ec2, source.namePattern, source.owner);
  return {
    history: {
      kind: source.kind,
      location: source.namePattern,
      releases: releasesFromImages(images),
      complete,
      error: null,
    },
    images,
  };
}

function locationOf(source: ReleaseHistorySource): string {
  if (source.kind === ReleaseHistoryKind.ssmPath) return source.path;
  if (source.kind === ReleaseHistoryKind.parameterHistory) return source.parameter;
  return source.namePattern;
}

/**
 * A reader that memoises each history for its lifetime (one plan run): AWS's public parameters and
 * images are the same for every account of a region; an operator's parameter is per account.
 */
export function createReleaseHistoryReader(): ReleaseHistoryReader {
  const memo = new Map<string, Promise<ReleaseHistoryRead>>();
  return {
    read(clients, where, source) {
      const account = source.kind === ReleaseHistoryKind.parameterHistory ? (where.accountId ?? '-') : '*';
      const key = JSON.stringify([account, where.region, source.kind, locationOf(source)]);
      let pending = memo.get(key);
      if (pending === undefined) {
        pending = readSource(clients, source).catch((error: unknown) => ({
          history: {
            kind: source.kind,
            location: locationOf(source),
            releases: [],
            complete: false,
            error: messageOf(error),
          },
          images: [],
        }));
        memo.set(key, pending);
      }
      return pending;
    },
  };
}

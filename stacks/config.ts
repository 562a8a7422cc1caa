// Reads and validates nodekeeper.config.json at deploy time (and for `npm run iam`). A bad config
// fails `sst deploy` before any resource changes.
import { readFile } from 'node:fs/promises';
import type { PermissionsConfig } from './permissions.ts';

/** What the stacks read from nodekeeper.config.json (core's parseConfig validates the whole file). */
export type StackConfig = PermissionsConfig & {
  /** Optional in the config file; a deploy needs it (see schedule.ts). */
  schedule?: { cron: string; timezone: string } | undefined;
};

export type DeployConfig = {
  /** The fields the infrastructure depends on. */
  config: StackConfig;
  /**
   * What core's parseConfig returned, minified, handed to every function as NODEKEEPER_CONFIG. It
   * has no `goldenAmiParameters` (only the stacks read them): the functions parse it again with the
   * same strict parser, which rejects keys it does not know.
   */
  json: string;
};

/** The config file `sst deploy` reads, relative to the app root (override: NODEKEEPER_CONFIG_FILE). */
export const DEFAULT_CONFIG_FILE = 'nodekeeper.config.json';

/** Thrown when the config file cannot be read or is invalid; the message names the file. */
export class DeployConfigError extends Error {
  override name = 'DeployConfigError';
}

/**
 * Reads `file`, validates it with core's `parseConfig`, and returns what the stacks need.
 * Throws DeployConfigError naming the file when it is missing, not JSON, or invalid.
 */
export async function loadDeployConfig(
  file = process.env.NODEKEEPER_CONFIG_FILE ?? DEFAULT_CONFIG_FILE,
): Promise<DeployConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new DeployConfigError(`cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  const { parseConfig } = await import('@nodekeeper/core');
  if (typeof parseConfig !== 'function') {
    throw new DeployConfigError('@nodekeeper/core does not export parseConfig; cannot validate the config');
  }
  try {
    return parseDeployConfig(raw, parseConfig);
  } catch (cause) {
    const details = (cause as { details?: unknown }).details;
    const lines = Array.isArray(details) ? `\n  ${details.join('\n  ')}` : '';
    throw new DeployConfigError(
      `${file} is not a valid nodekeeper config: ${(cause as Error).message}${lines}`,
      {
        cause,
      },
    );
  }
}

const GOLDEN_PARAMETER = /^\/[A-Za-z0-9_.\-/]+$/;

/**
 * Validates `raw` with `parse` (core's parseConfig) and picks the infrastructure's fields. Core's
 * schema does not carry `goldenAmiParameters` yet, so that key is validated here and taken out
 * before `parse` sees it. Pure apart from what `parse` does.
 */
export function parseDeployConfig(raw: unknown, parse: (raw: unknown) => unknown): DeployConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new DeployConfigError('expected a JSON object');
  }
  const { goldenAmiParameters: rawGolden, ...rest } = raw as Record<string, unknown>;
  const golden = rawGolden ?? [];
  if (!Array.isArray(golden) || !golden.every((p) => typeof p === 'string' && GOLDEN_PARAMETER.test(p))) {
    throw new DeployConfigError(
      'goldenAmiParameters: expected SSM parameter names such as "/golden/eks-al2023/ami"',
    );
  }
  const parsed = parse(rest) as Partial<StackConfig> & Record<string, unknown>;
  const config: StackConfig = {
    regions: parsed.regions ?? [],
    clusters: parsed.clusters ?? [],
    goldenAmiParameters: golden as string[],
    targets: parsed.targets,
    schedule: parsed.schedule,
  };
  return { config, json: JSON.stringify(parsed) };
}

// Reads and validates nodekeeper.config.json at deploy time (and for `npm run iam`). A bad config
// fails `sst deploy` before any resource changes.
import { readFile } from 'node:fs/promises';
import type { PermissionsConfig } from './permissions.ts';

/** What the stacks read from nodekeeper.config.json (core's parseConfig validates the whole file). */
export type StackConfig = PermissionsConfig & {
  /** Optional in the config file; a deploy needs it (see schedule.ts). */
  schedule?: { cron: string; timezone: string } | undefined;
  /** The config's `observability` section (defaults applied): whether to deploy the dashboard. */
  observability: { dashboard: boolean; clusterMetrics: boolean };
};

export type DeployConfig = {
  /** The fields the infrastructure depends on. */
  config: StackConfig;
  /**
   * What core's parseConfig returned, minified, handed to every function as NODEKEEPER_CONFIG. The
   * functions parse it again with the same parser (the CLI's too), so one file is valid everywhere.
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
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new DeployConfigError(`cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  const { parseConfigText } = await import('@nodekeeper/core/config');
  if (typeof parseConfigText !== 'function') {
    throw new DeployConfigError(
      '@nodekeeper/core/config does not export parseConfigText; cannot validate the config',
    );
  }
  try {
    // The CLI and the functions read the config with the same parser.
    return deployConfigOf(parseConfigText(text, file));
  } catch (cause) {
    throw new DeployConfigError(`${file} is not a valid nodekeeper config: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/**
 * Validates `raw` with `parse` (core's parseConfig) and picks the infrastructure's fields. Pure
 * apart from what `parse` does.
 */
export function parseDeployConfig(raw: unknown, parse: (raw: unknown) => unknown): DeployConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new DeployConfigError('expected a JSON object');
  }
  return deployConfigOf(parse(raw));
}

function deployConfigOf(validated: unknown): DeployConfig {
  const parsed = validated as Partial<StackConfig> & Record<string, unknown>;
  const config: StackConfig = {
    regions: parsed.regions ?? [],
    clusters: parsed.clusters ?? [],
    goldenAmiParameters: parsed.goldenAmiParameters ?? [],
    targets: parsed.targets,
    schedule: parsed.schedule,
    observability: {
      dashboard: parsed.observability?.dashboard ?? false,
      clusterMetrics: parsed.observability?.clusterMetrics ?? false,
    },
  };
  return { config, json: JSON.stringify(parsed) };
}

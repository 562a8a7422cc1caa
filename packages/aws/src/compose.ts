// The composition root both shells (the CLI and the Lambda functions) build their adapters with:
// one rule for the home region, one way to read the config, one way to build clients.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { ValidationError } from '@nodekeeper/core';
import { type Config, fleetTargets, parseConfigText, SpokeAccess } from '@nodekeeper/core/config';
import type { Credentials } from './clients.ts';
import { createTargetClientCache, rolesOf, type TargetClientCache } from './targets.ts';

/** The environment variable that carries the config's JSON (the functions; optional for the CLI). */
export const CONFIG_ENV = 'NODEKEEPER_CONFIG';
/** The config file the CLI looks for in its working directory. */
export const DEFAULT_CONFIG_FILE = 'nodekeeper.config.json';

type Env = Record<string, string | undefined>;

function value(env: Env, name: string): string | null {
  const v = env[name]?.trim();
  return v ? v : null;
}

/**
 * The home region: where the ledger table, the pause flag, the run ledger and the hub's own STS
 * calls live. One rule for every command and function: `AWS_REGION`, else `AWS_DEFAULT_REGION`,
 * else the config's first region; without any of them a ValidationError says how to set one. Pure.
 */
export function homeRegion(env: Env, config: Pick<Config, 'regions'> | null): string {
  const region = value(env, 'AWS_REGION') ?? value(env, 'AWS_DEFAULT_REGION') ?? config?.regions[0];
  if (region === undefined) {
    throw new ValidationError(
      'cannot tell the home region (ledger table, pause flag): set AWS_REGION, or list a region in the config\'s "regions"',
    );
  }
  return region;
}

export interface ReadConfigOptions {
  /** A config file (the CLI's `--config`), relative to `cwd`; it wins over the environment. */
  file?: string | undefined;
  /** Read for NODEKEEPER_CONFIG (the config's JSON). */
  env: Env;
  /** The CLI's working directory, where it looks for nodekeeper.config.json; unset for the functions. */
  cwd?: string;
}

/**
 * The config, from the first of: `file`, the NODEKEEPER_CONFIG environment variable (JSON),
 * `cwd`/nodekeeper.config.json; null when there is none. Parsed by core's parseConfigText, the
 * parser the stacks use too. Throws ValidationError naming the source when it is unreadable or invalid.
 */
export function readConfigIfAny(options: ReadConfigOptions): Config | null {
  if (options.file !== undefined) return readConfigFile(resolve(options.cwd ?? '.', options.file));
  const json = value(options.env, CONFIG_ENV);
  if (json !== null) return parseConfigText(json, CONFIG_ENV);
  if (options.cwd === undefined) return null;
  const file = resolve(options.cwd, DEFAULT_CONFIG_FILE);
  return existsSync(file) ? readConfigFile(file) : null;
}

/** Like readConfigIfAny, but no config at all is a ValidationError that says how to give one. */
export function readConfig(options: ReadConfigOptions): Config {
  const config = readConfigIfAny(options);
  if (config !== null) return config;
  throw new ValidationError(
    options.cwd === undefined
      ? `${CONFIG_ENV} is not set`
      : `no config: pass --config FILE, set ${CONFIG_ENV}, or copy nodekeeper.config.example.json to ${DEFAULT_CONFIG_FILE}`,
  );
}

function readConfigFile(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ValidationError(`cannot read config file ${file}`, [], { cause: error });
  }
  return parseConfigText(text, file);
}

export interface BuildClientsOptions {
  homeRegion: string;
  /** Which spoke role other accounts are reached through (default: the read-only one). */
  access?: SpokeAccess;
  /** Overrides every endpoint (tests, sandbox); else the SDK honours AWS_ENDPOINT_URL. */
  endpoint?: string;
  credentials?: Credentials;
}

/**
 * Client sets per (account, region): the caller's own credentials for its own account (accountId
 * null), the config's spoke role for every other account. Builds nothing until used; `destroy`
 * closes what was built. `config` null: the caller's own account only.
 */
export function buildClients(
  config: Pick<Config, 'regions' | 'clusters' | 'targets'> | null,
  options: BuildClientsOptions,
): TargetClientCache {
  return createTargetClientCache({
    homeRegion: options.homeRegion,
    roles: config ? rolesOf(fleetTargets(config, options.access ?? SpokeAccess.read)) : new Map(),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}

/**
 * A logger that writes nothing, for the adapters a command line runs: the CLI reports what
 * matters (inspection errors as plan items, undeliverable notices) as human lines, never as
 * the functions' JSON log lines.
 */
export function quietLogger(): Logger {
  return new Logger({ serviceName: 'nodekeeper', logLevel: 'SILENT' });
}

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { AwsService } from '../types/index.ts';
import { MODELED_OPERATIONS, type ServiceModel, trimServiceModel } from './service-model.ts';

/** Where the service models come from: the Python botocore on this machine (see docs/sandbox.md). */

export type BotocoreLocation =
  | { found: true; version: string; dir: string; python: string }
  | { found: false; reason: string };

/** botocore releases older than this carry 2023-era models (Debian's awscli bundles one). */
const MINIMUM_BOTOCORE = [1, 40] as const;

/**
 * Finds botocore through `python3` (or `$NODEKEEPER_PYTHON`): its version and package directory.
 * Never throws: a missing Python, a missing or too old botocore is `{ found: false, reason }`.
 */
export function locateBotocore(python = process.env.NODEKEEPER_PYTHON ?? 'python3'): BotocoreLocation {
  let out: string;
  try {
    out = execFileSync(
      python,
      [
        '-c',
        'import botocore, os, json; print(json.dumps({"version": botocore.__version__, "dir": os.path.dirname(botocore.__file__)}))',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 },
    );
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    const last = stderr.split('\n').at(-1) ?? '';
    return { found: false, reason: `${python} cannot import botocore (${last || (err as Error).message})` };
  }
  const { version, dir } = JSON.parse(out) as { version: string; dir: string };
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < MINIMUM_BOTOCORE[0] || (major === MINIMUM_BOTOCORE[0] && minor < MINIMUM_BOTOCORE[1])) {
    return {
      found: false,
      reason: `botocore ${version} at ${dir} is older than ${MINIMUM_BOTOCORE.join('.')} (old models)`,
    };
  }
  return { found: true, version, dir, python };
}

/** The full botocore model of one service (gzipped or not, as botocore ships it). */
export function readBotocoreModel(
  dir: string,
  service: string,
  apiVersion: string,
): { model: Record<string, unknown>; path: string } {
  const rel = join('data', service, apiVersion, 'service-2.json');
  const gz = join(dir, `${rel}.gz`);
  if (existsSync(gz)) {
    return {
      model: JSON.parse(gunzipSync(readFileSync(gz)).toString('utf8')),
      path: join('botocore', `${rel}.gz`),
    };
  }
  return {
    model: JSON.parse(readFileSync(join(dir, rel), 'utf8')),
    path: join('botocore', rel),
  };
}

/** Every service model the sandbox serves, trimmed, from the botocore at `location`. */
export function buildServiceModels(
  location: Extract<BotocoreLocation, { found: true }>,
): Record<AwsService, ServiceModel> {
  const out = {} as Record<AwsService, ServiceModel>;
  for (const [service, spec] of Object.entries(MODELED_OPERATIONS) as Array<
    [AwsService, (typeof MODELED_OPERATIONS)[AwsService]]
  >) {
    const { model, path } = readBotocoreModel(location.dir, service, spec.apiVersion);
    out[service] = trimServiceModel(model, spec.operations, { botocore: location.version, path });
  }
  return out;
}

import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import type { Sandbox } from '../index.ts';

/**
 * Every distinct AWS CLI on this machine: Debian's awscli at /usr/bin/aws (v2) and each `aws` on
 * PATH (a pyenv shim may be v1). The fidelity tests run against each, since both print timestamps
 * differently (v1: epoch seconds as numbers, v2: ISO 8601).
 */
function findAwsClis(): string[] {
  const found: string[] = [];
  const add = (candidate: string) => {
    if (!existsSync(candidate)) return;
    const real = realpathSync(candidate);
    if (!found.some((f) => realpathSync(f) === real)) found.push(candidate);
  };
  add('/usr/bin/aws');
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir !== '') add(join(dir, 'aws'));
  return found;
}

/** The AWS CLIs (the independent clients of the fidelity tests); empty when none is installed. */
export const AWS_CLIS = findAwsClis();

/** Debian's awscli when present, else the first `aws` on PATH, else null. */
export const AWS_CLI = AWS_CLIS[0] ?? null;

/**
 * A CLI timestamp as epoch milliseconds, whatever format the CLI printed: epoch seconds (number or
 * numeric string, possibly fractional: AWS CLI v1) or ISO 8601 (v2). Null when it is none of those.
 */
export function cliTimestampMs(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value * 1000);
  if (typeof value !== 'string') return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const ms = Date.parse(value);
  return /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(ms) ? ms : null;
}

/**
 * The AWS CLI's JSON output and the SDK's parsed answer, made comparable: wherever the SDK holds a
 * Date, both sides become epoch milliseconds (the CLI's value read by `cliTimestampMs`); SDK
 * metadata and undefined members are dropped. The SDK's shape decides what is a timestamp, so no
 * string or number is guessed to be one.
 */
export function comparable(cli: unknown, sdk: unknown): { cli: unknown; sdk: unknown } {
  if (sdk instanceof Date) return { cli: cliTimestampMs(cli) ?? cli, sdk: sdk.getTime() };
  if (Array.isArray(sdk) && Array.isArray(cli)) {
    const pairs = sdk.map((s, i) => comparable(cli[i], s));
    return {
      cli: [...pairs.map((p) => p.cli), ...cli.slice(sdk.length)],
      sdk: pairs.map((p) => p.sdk),
    };
  }
  if (isRecord(sdk) && isRecord(cli)) {
    const keys = new Set([...Object.keys(sdk), ...Object.keys(cli)]);
    keys.delete('$metadata');
    const out = { cli: {} as Record<string, unknown>, sdk: {} as Record<string, unknown> };
    for (const key of keys) {
      const pair = comparable(cli[key], sdk[key]);
      if (pair.cli !== undefined) out.cli[key] = pair.cli;
      if (pair.sdk !== undefined) out.sdk[key] = pair.sdk;
    }
    return out;
  }
  return { cli, sdk };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !(value instanceof Date) && !Array.isArray(value);
}

/**
 * An environment for the AWS CLI that reads nothing of the machine's own AWS setup: empty config
 * and credentials files in a fresh directory, the given keys, no retries, no pager.
 */
export async function awsCliEnv(
  credentials = { accessKeyId: 'AKIASANDBOXEXAMPLE', secretAccessKey: 'sandbox-secret' },
): Promise<NodeJS.ProcessEnv> {
  const dir = await mkdtemp(join(tmpdir(), 'nk-awscli-'));
  await writeFile(join(dir, 'config'), '');
  await writeFile(join(dir, 'credentials'), '');
  return {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    AWS_PAGER: '',
    AWS_MAX_ATTEMPTS: '1',
  };
}

/** SDK v3 clients pointed at a sandbox with fake static credentials and no retries. */
export function clients(sb: Sandbox, maxAttempts = 1) {
  const config = {
    endpoint: sb.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIASANDBOXEXAMPLE', secretAccessKey: 'sandbox-secret' },
    maxAttempts,
  };
  return {
    eks: new EKSClient(config),
    ec2: new EC2Client(config),
    ssm: new SSMClient(config),
    sts: new STSClient(config),
    dynamodb: new DynamoDBClient(config),
  };
}

/** Awaits `p` and returns the error it rejects with (fails the test when it resolves). */
export async function rejection(
  p: Promise<unknown>,
): Promise<Error & { name: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { name: string; $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

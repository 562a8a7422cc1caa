/**
 * The pause flag: an SSM String parameter nodekeeper owns (NODEKEEPER_PAUSE_PARAMETER, default
 * `/nodekeeper/default/paused`). Value: JSON `{"paused":true,"reason":…,"by":…,"at":…}` while
 * paused; `{"paused":false,…}` (or `false`, or no parameter) when not. Every scan and every
 * workflow guard reads it before starting an update.
 */
import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { PauseState } from '@nodekeeper/core/plan';
import type { PausePort } from '@nodekeeper/core/rollout';
import { AwsAdapterError, describeAwsError } from './errors.ts';
import './services/ssm.ts';

/** The parameter used when NODEKEEPER_PAUSE_PARAMETER is not set. */
export const DEFAULT_PAUSE_PARAMETER = '/nodekeeper/default/paused';

/** The pause parameter's name from the environment. Pure. */
export function pauseParameterName(env: Record<string, string | undefined>): string {
  const name = env.NODEKEEPER_PAUSE_PARAMETER?.trim();
  return name ? name : DEFAULT_PAUSE_PARAMETER;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * Interprets the parameter's value: null when not paused. `true`/`paused` and JSON with
 * `paused: true` pause; a value that is not valid JSON pauses too (a corrupt flag must never
 * silently resume rollouts), with a reason saying so. Pure.
 */
export function parsePauseState(value: string): PauseState | null {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === 'false') return null;
  if (trimmed === 'true' || trimmed === 'paused') return { reason: null, by: null, at: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (error) {
    return { reason: `pause parameter is not valid JSON (${(error as Error).message})`, by: null, at: null };
  }
  if (parsed === false || parsed === null) return null;
  if (typeof parsed !== 'object' || (parsed as { paused?: unknown }).paused !== true) return null;
  const flag = parsed as { reason?: unknown; by?: unknown; at?: unknown };
  return { reason: text(flag.reason), by: text(flag.by), at: text(flag.at) };
}

/** Reads the pause flag; a missing parameter means not paused. Throws AwsAdapterError for other failures. */
export async function readPauseState(ssm: SSMClient, name: string): Promise<PauseState | null> {
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: name }));
    return parsePauseState(out.Parameter?.Value ?? '');
  } catch (error) {
    if (describeAwsError(error).code === 'ParameterNotFound') return null;
    throw new AwsAdapterError('ssm', 'GetParameter', error, name);
  }
}

/**
 * The pause flag as the rollout guard's PausePort: `readPauseState` on every `read()` (no cache),
 * so a pause set after planning still stops the next start. Throws AwsAdapterError like it.
 */
export function createPausePort(ssm: SSMClient, name: string): PausePort {
  return {
    async read() {
      const state = await readPauseState(ssm, name);
      return {
        paused: state !== null,
        reason: state?.reason ?? null,
        by: state?.by ?? null,
        at: state?.at ?? null,
      };
    },
  };
}

/** Who changes the flag and when. */
export interface PauseChange {
  /** `paused: true` pauses; `false` resumes. */
  paused: boolean;
  reason: string | null;
  by: string;
  /** ISO 8601. */
  at: string;
}

/**
 * Writes the flag (PutParameter, String, Overwrite). Resuming writes `{"paused":false,…}` rather
 * than deleting, so the last change stays visible. Idempotent. Throws AwsAdapterError on failure.
 */
export async function setPauseState(ssm: SSMClient, name: string, change: PauseChange): Promise<void> {
  const value = {
    paused: change.paused,
    reason: change.paused ? change.reason : null,
    by: change.by,
    at: change.at,
  };
  try {
    await ssm.send(
      new PutParameterCommand({
        Name: name,
        Type: 'String',
        Overwrite: true,
        Description: 'nodekeeper pause flag (nodekeeper pause / resume)',
        Value: JSON.stringify(value),
      }),
    );
  } catch (error) {
    throw new AwsAdapterError('ssm', 'PutParameter', error, name);
  }
}

import { GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { callAws } from './errors.ts';
import { mapLimit } from './limit.ts';
import './services/ssm.ts';

/** SSM read adapters. They wrap failures in AwsAdapterError and mutate nothing. */

/** Names per GetParameters call (the API's maximum). */
export const parameterBatchSize = 10;

export interface ParameterValues {
  /** name → value for the names that exist. */
  values: Record<string, string>;
  /** Names SSM reported in `InvalidParameters` (they do not exist or are not readable). */
  invalid: string[];
}

/** GetParameters for up to 10 distinct names in one call. Unknown names are listed in `invalid`, not thrown. */
export async function getParametersBatch(ssm: SSMClient, names: readonly string[]): Promise<ParameterValues> {
  const unique = [...new Set(names)];
  if (unique.length === 0) return { values: {}, invalid: [] };
  if (unique.length > parameterBatchSize) {
    throw new RangeError(`at most ${parameterBatchSize} names per GetParameters call, got ${unique.length}`);
  }
  const out = await callAws('ssm', 'GetParameters', () =>
    ssm.send(new GetParametersCommand({ Names: unique })),
  );
  const values: Record<string, string> = {};
  for (const p of out.Parameters ?? []) {
    if (p.Name !== undefined && p.Value !== undefined) values[p.Name] = p.Value;
  }
  return { values, invalid: out.InvalidParameters ?? [] };
}

/** GetParameters for any number of names: deduplicated, 10 a call, at most `concurrency` calls at once. */
export async function getParameters(
  ssm: SSMClient,
  names: readonly string[],
  options: { concurrency?: number } = {},
): Promise<ParameterValues> {
  const unique = [...new Set(names)];
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += parameterBatchSize)
    chunks.push(unique.slice(i, i + parameterBatchSize));
  const results = await mapLimit(chunks, options.concurrency ?? 4, (chunk) => getParametersBatch(ssm, chunk));
  return {
    values: Object.assign({}, ...results.map((r) => r.values)),
    invalid: results.flatMap((r) => r.invalid),
  };
}

import { GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { AwsAdapterError, callAws } from './errors.ts';
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

/** What {@link getParametersIsolatingDenials} read: the batch's values, and the names IAM refused. */
export interface ParameterValuesWithDenials extends ParameterValues {
  /** name → AWS's AccessDeniedException, for each name refused when asked for alone. */
  denied: Record<string, AwsAdapterError>;
}

const isAccessDenied = (err: unknown): err is AwsAdapterError =>
  err instanceof AwsAdapterError && err.code === 'AccessDeniedException';

/**
 * GetParameters for up to 10 names, with IAM refusals kept to the refused names. IAM authorizes
 * each requested parameter, and we read a call naming one refused parameter as refused whole (AWS
 * does not say), so on AccessDeniedException each name is asked for alone (one call each, one at a
 * time) and only the refused ones are `denied`. A refusal that is no one name's (every name
 * refused alone too, or one of AWS's public `/aws/…` parameters refused) throws the batch's error,
 * as does any other failure ({@link getParametersBatch}). Read-only.
 */
export async function getParametersIsolatingDenials(
  ssm: SSMClient,
  names: readonly string[],
): Promise<ParameterValuesWithDenials> {
  const unique = [...new Set(names)];
  let batchError: AwsAdapterError;
  try {
    return { ...(await getParametersBatch(ssm, unique)), denied: {} };
  } catch (err) {
    if (!isAccessDenied(err)) throw err;
    if (unique.length === 1 && !isPublicParameter(unique[0] as string))
      return { values: {}, invalid: [], denied: { [unique[0] as string]: err } };
    batchError = err;
  }
  const out: ParameterValuesWithDenials = { values: {}, invalid: [], denied: {} };
  for (const name of unique) {
    try {
      const one = await getParametersBatch(ssm, [name]);
      Object.assign(out.values, one.values);
      out.invalid.push(...one.invalid);
    } catch (err) {
      if (!isAccessDenied(err)) throw err;
      // AWS's public parameters are readable by any role allowed to read them at all: a denial
      // there is the role's (or an SCP's), not a missing golden grant.
      if (isPublicParameter(name)) throw batchError;
      out.denied[name] = err;
    }
  }
  // Every name refused alone too: the role reads no parameter here, which is no one name's fault.
  if (Object.keys(out.denied).length === unique.length && unique.length > 1) throw batchError;
  return out;
}

/** AWS's public parameters (`/aws/service/…`: EKS AMI IDs, release versions). Pure. */
function isPublicParameter(name: string): boolean {
  return name.startsWith('/aws/');
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

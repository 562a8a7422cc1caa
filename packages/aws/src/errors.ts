/** Errors raised by the AWS adapters. Every error sets `name` and carries `cause`. */

/** An AWS call that failed after the SDK's retries, wrapped with where it happened. */
export class AwsAdapterError extends Error {
  readonly service: string;
  readonly operation: string;
  /** AWS error code (`ThrottlingException`, `ResourceNotFoundException`, ...) or the JS error name. */
  readonly code: string;
  /** HTTP status of the last attempt, when there was one. */
  readonly httpStatus: number | null;
  /** Attempts the SDK made (1 = no retry), when known. */
  readonly attempts: number | null;

  constructor(service: string, operation: string, cause: unknown, context?: string) {
    const { code, message, httpStatus, attempts } = describeAwsError(cause);
    super(`${operation}${context ? ` (${context})` : ''} failed: ${code}: ${message}`, { cause });
    this.name = 'AwsAdapterError';
    this.service = service;
    this.operation = operation;
    this.code = code;
    this.httpStatus = httpStatus;
    this.attempts = attempts;
  }
}

/**
 * IAM refused reading these SSM parameters (AccessDeniedException, asked for each name alone): a
 * golden parameter the deployment does not grant. Names the parameters and what to grant.
 */
export class ParameterAccessDeniedError extends Error {
  readonly parameters: readonly string[];

  constructor(parameters: readonly string[], cause: unknown) {
    const list = parameters.join(', ');
    super(
      `access denied reading SSM parameter${parameters.length === 1 ? '' : 's'} ${list}: grant ssm:GetParameters on ${parameters.length === 1 ? 'it' : 'them'} (list golden parameters in goldenAmiParameters, one per Kubernetes minor as /path/{version}/ami; see docs/deploy.md) (${describeAwsError(cause).message})`,
      { cause },
    );
    this.name = 'ParameterAccessDeniedError';
    this.parameters = [...parameters];
  }
}

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown; attempts?: unknown };
}

/** Pulls code, message, status and attempts out of an SDK error (or anything thrown). Pure. */
export function describeAwsError(err: unknown): {
  code: string;
  message: string;
  httpStatus: number | null;
  attempts: number | null;
} {
  if (typeof err !== 'object' || err === null)
    return { code: 'Error', message: String(err), httpStatus: null, attempts: null };
  const e = err as ErrorShape;
  const code =
    [e.Code, e.code, e.name].find((c): c is string => typeof c === 'string' && c !== '') ?? 'Error';
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : 'no message';
  const status = e.$metadata?.httpStatusCode;
  const attempts = e.$metadata?.attempts;
  return {
    code,
    message,
    httpStatus: typeof status === 'number' ? status : null,
    attempts: typeof attempts === 'number' ? attempts : null,
  };
}

/** Runs one SDK call and wraps any failure in AwsAdapterError. */
export async function callAws<T>(
  service: string,
  operation: string,
  fn: () => Promise<T>,
  context?: string,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AwsAdapterError) throw err;
    throw new AwsAdapterError(service, operation, err, context);
  }
}

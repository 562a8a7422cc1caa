import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AwsService } from '../types/index.ts';

/** A request as every service handler sees it: already read, with service and region resolved. */
export interface SandboxRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  service: AwsService;
  region: string;
  operation: string;
  requestId: string;
}

/** What a handler answers. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** An AWS API error, rendered in the shape of the protocol that raised it. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fields: Record<string, unknown>;
  readonly retryAfterSeconds: number | undefined;
  constructor(
    status: number,
    code: string,
    message: string,
    options: { fields?: Record<string, unknown>; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = options.fields ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** One service of the sandbox: how it names operations, answers them, and shapes its errors. */
export interface ServiceHandler {
  readonly service: AwsService;
  /** The operation a request asks for, or `Unknown:<hint>` when the sandbox does not implement it. */
  operationOf(req: Omit<SandboxRequest, 'operation'>): string;
  handle(req: SandboxRequest): Reply | Promise<Reply>;
  errorReply(req: SandboxRequest, err: ApiError): Reply;
  /** AWS's own throttling error for this service. */
  throttleError(): ApiError;
  /** AWS's error for a 5xx (or other status) injected without a code. */
  defaultErrorCode(status: number): string;
}

export function newRequestId(): string {
  return randomUUID();
}

export function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** Seconds since the epoch with milliseconds, the default timestamp format of AWS JSON protocols. */
export function epochSeconds(d: Date | string): number {
  const t = typeof d === 'string' ? Date.parse(d) : d.getTime();
  return t / 1000;
}

/** Parses a JSON request body; an empty body is `{}`. Throws ApiError(400, code) when malformed. */
export function parseJsonBody(body: Buffer, code: string): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ApiError(400, code, 'Request body must be a JSON object');
    }
    return parsed as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(400, code, 'Could not parse request body as JSON', { cause: err });
  }
}

/** Opaque pagination tokens: base64url of `{o: offset, k: scope}`. */
export function encodeToken(offset: number, scope: string): string {
  return Buffer.from(JSON.stringify({ o: offset, k: scope })).toString('base64url');
}

/** Decodes a token made by `encodeToken` for `scope`; returns null when the token is not one of ours. */
export function decodeToken(token: string, scope: string): number | null {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      o?: unknown;
      k?: unknown;
    };
    if (typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0 && parsed.k === scope)
      return parsed.o;
    return null;
  } catch {
    return null;
  }
}

/** Slices `items` for one page. Throws `badToken()` when the token does not decode. */
export function paginate<T>(
  items: readonly T[],
  maxResults: number,
  nextToken: string | undefined,
  scope: string,
  badToken: () => Error,
): { page: T[]; nextToken: string | undefined } {
  let start = 0;
  if (nextToken !== undefined && nextToken !== '') {
    const decoded = decodeToken(nextToken, scope);
    if (decoded === null) throw badToken();
    start = decoded;
  }
  const page = items.slice(start, start + maxResults);
  const end = start + page.length;
  return { page, nextToken: end < items.length ? encodeToken(end, scope) : undefined };
}

/** Deterministic UUID-looking string derived from `seed` (stable ARNs and ASG names). */
export function stableUuid(seed: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  const hex: string[] = [];
  for (let round = 0; round < 4; round++) {
    for (const ch of `${round}:${seed}`) {
      h1 = Math.imul(h1 ^ ch.charCodeAt(0), 16777619) >>> 0;
      h2 = Math.imul(h2 + ch.charCodeAt(0), 2246822519) >>> 0;
    }
    hex.push(((h1 ^ h2) >>> 0).toString(16).padStart(8, '0'));
  }
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

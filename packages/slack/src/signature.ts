/** Slack request signing (v0): verification of slash-command requests. */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Requests whose timestamp is further than this from `now` are refused (replay protection). */
export const MAX_SIGNATURE_SKEW_SECONDS = 300;

export const SignatureFailure = {
  missingSecret: 'missing-secret',
  missingHeader: 'missing-header',
  malformedTimestamp: 'malformed-timestamp',
  stale: 'stale',
  future: 'future',
  malformedSignature: 'malformed-signature',
  badSignature: 'bad-signature',
} as const;
export type SignatureFailure = (typeof SignatureFailure)[keyof typeof SignatureFailure];

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure };

export interface SignatureInput {
  signingSecret: string;
  /** `X-Slack-Request-Timestamp`. */
  timestamp: string | number | null | undefined;
  /** The body exactly as received (after base64 decoding, see `decodeFunctionUrlBody`). */
  rawBody: string | Uint8Array;
  /** `X-Slack-Signature`, `v0=<hex>`. */
  signature: string | null | undefined;
  now: Date;
  /** How old a request may be; default MAX_SIGNATURE_SKEW_SECONDS. The worker allows its queue delay. */
  maxAgeSeconds?: number;
}

/**
 * Checks Slack's v0 signature: HMAC-SHA256 over `v0:{timestamp}:{rawBody}` with the signing
 * secret, compared in constant time, timestamp within 300 s of `now`. Pure; never throws.
 */
export function verifySlackSignature(input: SignatureInput): SignatureCheck {
  const { signingSecret, rawBody, now } = input;
  if (typeof signingSecret !== 'string' || signingSecret === '') {
    return { ok: false, reason: SignatureFailure.missingSecret };
  }
  const timestamp =
    input.timestamp === null || input.timestamp === undefined ? '' : String(input.timestamp).trim();
  const signature = typeof input.signature === 'string' ? input.signature.trim() : '';
  if (timestamp === '' || signature === '') return { ok: false, reason: SignatureFailure.missingHeader };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: SignatureFailure.malformedTimestamp };
  const skew = Math.floor(now.getTime() / 1000) - Number(timestamp);
  if (!Number.isFinite(skew)) return { ok: false, reason: SignatureFailure.malformedTimestamp };
  if (skew > (input.maxAgeSeconds ?? MAX_SIGNATURE_SKEW_SECONDS))
    return { ok: false, reason: SignatureFailure.stale };
  if (skew < -MAX_SIGNATURE_SKEW_SECONDS) return { ok: false, reason: SignatureFailure.future };
  const match = /^v0=([0-9a-fA-F]{64})$/.exec(signature);
  if (!match?.[1]) return { ok: false, reason: SignatureFailure.malformedSignature };
  const given = Buffer.from(match[1], 'hex');
  const expected = createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(rawBody).digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: SignatureFailure.badSignature };
  }
  return { ok: true };
}

/** The parts of a Lambda Function URL event that carry the body. */
export interface FunctionUrlBody {
  body?: string | null;
  isBase64Encoded?: boolean;
}

/** The raw request body of a Function URL event, base64-decoded when Lambda encoded it. Pure. */
export function decodeFunctionUrlBody(event: FunctionUrlBody): string {
  const body = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
}

/** `X-Slack-Request-Timestamp` and `X-Slack-Signature` from headers of any case. Pure. */
export function readSignatureHeaders(headers: Record<string, string | undefined> | null | undefined): {
  timestamp: string | null;
  signature: string | null;
} {
  let timestamp: string | null = null;
  let signature: string | null = null;
  for (const [key, value] of Object.entries(headers ?? {})) {
    const k = key.toLowerCase();
    if (k === 'x-slack-request-timestamp' && value !== undefined) timestamp = value;
    if (k === 'x-slack-signature' && value !== undefined) signature = value;
  }
  return { timestamp, signature };
}

/**
 * Verifies a Function URL request from Slack: its decoded body and v0 signature headers against
 * the signing secret at `now`. Returns the raw body to parse only when the signature holds. Pure.
 */
export function verifyFunctionUrlRequest(
  event: FunctionUrlBody & { headers?: Record<string, string | undefined> | null },
  signingSecret: string,
  now: Date,
):
  | { ok: true; rawBody: string; timestamp: string; signature: string }
  | { ok: false; reason: SignatureFailure } {
  const rawBody = decodeFunctionUrlBody(event);
  const { timestamp, signature } = readSignatureHeaders(event.headers);
  const check = verifySlackSignature({ signingSecret, timestamp, rawBody, signature, now });
  // A passed check means both headers were present.
  return check.ok ? { ok: true, rawBody, timestamp: timestamp ?? '', signature: signature ?? '' } : check;
}

/**
 * The once-only key of a signed request: SHA-256 of its timestamp and its signature's digest in
 * lower case (hex is case-insensitive, so `v0=AB…` and `v0=ab…` are the same request). Pure.
 */
export function signedRequestKey(timestamp: string, signature: string): string {
  const digest = signature.trim().replace(/^v0=/, '').toLowerCase();
  return createHash('sha256').update(`v0:${timestamp.trim()}:${digest}`).digest('hex');
}

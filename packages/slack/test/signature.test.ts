import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decodeFunctionUrlBody,
  readSignatureHeaders,
  signedRequestKey,
  verifySlackSignature,
} from '../src/signature.ts';

interface Vector {
  signing_secret: string;
  timestamp: string;
  body: string;
  signature: string;
  headers_python_slack_sdk: Record<string, string>;
}

/** Slack's published test vector (python-slack-sdk / Bolt tests). */
const vector = JSON.parse(
  readFileSync(
    new URL(
      '../../../test/fixtures/realcases/slack_slash-command_signature-test-vector.json',
      import.meta.url,
    ),
    'utf8',
  ),
) as Vector;
const at = (offsetSeconds: number): Date => new Date((Number(vector.timestamp) + offsetSeconds) * 1000);

function check(over: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) {
  return verifySlackSignature({
    signingSecret: vector.signing_secret,
    timestamp: vector.timestamp,
    rawBody: vector.body,
    signature: vector.signature,
    now: at(0),
    ...over,
  });
}

describe('verifySlackSignature', () => {
  describe("when given Slack's published test vector", () => {
    it('accepts it', () => {
      expect(check()).toEqual({ ok: true });
    });

    it('accepts it as bytes and with a numeric timestamp', () => {
      expect(check({ rawBody: Buffer.from(vector.body), timestamp: Number(vector.timestamp) })).toEqual({
        ok: true,
      });
    });

    it('accepts it within 300 s either side of now', () => {
      expect(check({ now: at(300) })).toEqual({ ok: true });
      expect(check({ now: at(-300) })).toEqual({ ok: true });
    });
  });

  describe('when the body is tampered with', () => {
    it('rejects it', () => {
      expect(check({ rawBody: vector.body.replace('text=', 'text=patch+prod') })).toEqual({
        ok: false,
        reason: 'bad-signature',
      });
      expect(check({ rawBody: `${vector.body} ` })).toEqual({ ok: false, reason: 'bad-signature' });
    });
  });

  describe('when the secret is wrong', () => {
    it('rejects it', () => {
      expect(check({ signingSecret: `${vector.signing_secret}x` })).toEqual({
        ok: false,
        reason: 'bad-signature',
      });
    });
  });

  describe('when the signature was made for another timestamp', () => {
    it('rejects it', () => {
      const ts = String(Number(vector.timestamp) + 1);
      expect(check({ timestamp: ts })).toEqual({ ok: false, reason: 'bad-signature' });
    });
  });

  describe('when the timestamp is too old', () => {
    it('rejects it as stale even with a valid signature', () => {
      expect(check({ now: at(301) })).toEqual({ ok: false, reason: 'stale' });
    });
  });

  describe('when the timestamp is in the future', () => {
    it('rejects it', () => {
      expect(check({ now: at(-301) })).toEqual({ ok: false, reason: 'future' });
    });
  });

  describe('when a header is missing', () => {
    it.each([
      ['timestamp', { timestamp: undefined }],
      ['timestamp', { timestamp: null }],
      ['signature', { signature: undefined }],
      ['signature', { signature: '' }],
    ])('rejects a missing %s', (_name, over) => {
      expect(check(over)).toEqual({ ok: false, reason: 'missing-header' });
    });
  });

  describe('when the headers are malformed', () => {
    it.each([
      [{ timestamp: '1531420618.5' }, 'malformed-timestamp'],
      [{ timestamp: '-1' }, 'malformed-timestamp'],
      [{ signature: vector.signature.replace('v0=', 'v1=') }, 'malformed-signature'],
      [{ signature: vector.signature.slice(0, -2) }, 'malformed-signature'],
      [{ signature: `${vector.signature}00` }, 'malformed-signature'],
    ] as const)('rejects %j as %s', (over, reason) => {
      expect(check(over)).toEqual({ ok: false, reason });
    });
  });

  describe('when no signing secret is configured', () => {
    it('rejects every request', () => {
      expect(check({ signingSecret: '' })).toEqual({ ok: false, reason: 'missing-secret' });
    });
  });

  describe('when the Function URL body is base64-encoded', () => {
    it('verifies the decoded body', () => {
      const event = { body: Buffer.from(vector.body).toString('base64'), isBase64Encoded: true };
      expect(check({ rawBody: event.body })).toEqual({ ok: false, reason: 'bad-signature' });
      expect(check({ rawBody: decodeFunctionUrlBody(event) })).toEqual({ ok: true });
    });
  });

  describe('when the body holds non-ASCII text', () => {
    it('signs the UTF-8 bytes', () => {
      const body = 'text=pause+%E2%9C%8B+wartung&user_id=U1';
      const raw = 'text=pause ✋ Wartung';
      for (const b of [body, raw]) {
        const sig = `v0=${createHmac('sha256', 's3cret').update(`v0:${vector.timestamp}:${b}`).digest('hex')}`;
        const encoded = { body: Buffer.from(b).toString('base64'), isBase64Encoded: true };
        expect(
          check({ signingSecret: 's3cret', signature: sig, rawBody: decodeFunctionUrlBody(encoded) }),
        ).toEqual({ ok: true });
      }
    });
  });
});

describe('decodeFunctionUrlBody', () => {
  it('returns plain bodies unchanged and an empty string for no body', () => {
    expect(decodeFunctionUrlBody({ body: 'a=b', isBase64Encoded: false })).toBe('a=b');
    expect(decodeFunctionUrlBody({ body: null })).toBe('');
    expect(decodeFunctionUrlBody({})).toBe('');
  });
});

describe('readSignatureHeaders', () => {
  it('reads the headers in any case', () => {
    expect(readSignatureHeaders(vector.headers_python_slack_sdk)).toEqual({
      timestamp: vector.timestamp,
      signature: vector.signature,
    });
    expect(readSignatureHeaders({ 'x-slack-signature': 'v0=ab' })).toEqual({
      timestamp: null,
      signature: 'v0=ab',
    });
    expect(readSignatureHeaders(undefined)).toEqual({ timestamp: null, signature: null });
  });
});

describe('verifySlackSignature with maxAgeSeconds (the worker)', () => {
  describe('when the request is older than the window but within the given age', () => {
    it('accepts it at 14 minutes and refuses it as stale at 16', () => {
      expect(check({ now: at(14 * 60), maxAgeSeconds: 900 })).toEqual({ ok: true });
      expect(check({ now: at(16 * 60), maxAgeSeconds: 900 })).toEqual({ ok: false, reason: 'stale' });
    });
  });
});

describe('signedRequestKey', () => {
  describe('when the same signed request arrives again', () => {
    it('gives the same key, whatever the case of the signature hex', () => {
      const key = signedRequestKey(vector.timestamp, vector.signature);
      expect(key).toMatch(/^[0-9a-f]{64}$/);
      expect(signedRequestKey(vector.timestamp, `v0=${vector.signature.slice(3).toUpperCase()}`)).toBe(key);
      expect(signedRequestKey(` ${vector.timestamp} `, ` ${vector.signature} `)).toBe(key);
    });
  });

  describe('when the timestamp or signature differs', () => {
    it('gives another key', () => {
      const key = signedRequestKey(vector.timestamp, vector.signature);
      expect(signedRequestKey(String(Number(vector.timestamp) + 1), vector.signature)).not.toBe(key);
      expect(signedRequestKey(vector.timestamp, `v0=${'0'.repeat(64)}`)).not.toBe(key);
    });
  });
});

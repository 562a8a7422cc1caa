/**
 * Secret canaries: recognisable fake secrets planted wherever a test configures Slack, and a scan
 * that proves none of them reached captured output (stdout, stderr, log lines, error messages).
 * Usage: plant `Canary.*` (or `canaryWebhookUrl(base)`), capture with `captureOutput()`, then
 * `expect(canaryHits(texts)).toEqual([])`.
 */
import { vi } from 'vitest';

/** The canaries. Each is shaped like the real secret so validators accept it. */
export const Canary = {
  /** Last path segment of an incoming-webhook URL (the secret part of it). */
  webhookPath: 'CANARYwebhookPATH7f3a9c1e5b',
  botToken: 'xoxb-111122223333-CANARYbotTOKEN4d2e8a',
  signingSecret: 'CANARYsigningSECRET9e1b7c3f0a2d',
  /** A `response_url` token from a slash command. */
  responseUrlToken: 'CANARYresponseURL5c8e2a1f',
} as const;

/** Every form a canary may leak in: raw, URL-encoded and the distinctive stem. */
function forms(): string[] {
  const out = new Set<string>();
  for (const value of Object.values(Canary)) {
    out.add(value);
    out.add(encodeURIComponent(value));
    const stem = /CANARY[A-Za-z]+/.exec(value)?.[0];
    if (stem) out.add(stem);
  }
  return [...out];
}

/** A Slack webhook URL on `base` (e.g. a loopback sink) whose secret segment is the canary. */
export function canaryWebhookUrl(base: string): string {
  return `${base.replace(/\/$/, '')}/slack/webhook/T00000000/B00000000/${Canary.webhookPath}`;
}

export interface CanaryHit {
  canary: string;
  /** Up to 120 characters around the hit. */
  excerpt: string;
}

/** Every occurrence of any canary in `texts` (strings, errors, or anything JSON can show). Pure. */
export function canaryHits(texts: readonly unknown[]): CanaryHit[] {
  const hits: CanaryHit[] = [];
  const all = forms();
  for (const t of texts) {
    const text =
      typeof t === 'string'
        ? t
        : t instanceof Error
          ? `${t.name}: ${t.message}\n${t.stack ?? ''}\n${String((t as { cause?: unknown }).cause ?? '')}`
          : JSON.stringify(t);
    if (text === undefined) continue;
    for (const canary of all) {
      let at = text.indexOf(canary);
      while (at !== -1) {
        hits.push({ canary, excerpt: text.slice(Math.max(0, at - 60), at + canary.length + 60) });
        at = text.indexOf(canary, at + canary.length);
      }
    }
  }
  return hits;
}

/**
 * Captures (and silences) everything written to process.stdout and process.stderr until `restore`,
 * which Powertools Logger and console both use.
 */
export function captureOutput(): { text: () => string; lines: () => string[]; restore: () => void } {
  const chunks: string[] = [];
  const capture = (chunk: unknown, ...rest: unknown[]): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture as typeof process.stdout.write);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture as typeof process.stderr.write);
  return {
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== ''),
    restore() {
      out.mockRestore();
      err.mockRestore();
    },
  };
}

/** Secret redaction for every log line and error message the Slack package produces. Pure. */
import type { NotifierLogger } from './types/index.ts';

export const REDACTED = '[REDACTED]';

const WEBHOOK_PATH = /hooks\.slack\.com\/(services|workflows|triggers|commands)\/[^\s"'<>|)\]}]+/gi;
const SLACK_TOKEN = /\bxox[a-z]-[A-Za-z0-9-]+/g;
const APP_TOKEN = /\bxapp-[A-Za-z0-9-]+/g;

/**
 * Replaces every occurrence of each secret (raw and URL-encoded), every Slack webhook path and
 * every Slack token by `[REDACTED]`. Pure.
 */
export function redactSecrets(text: string, secrets: readonly (string | null | undefined)[] = []): string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
  }
  let out = text;
  for (const s of [...forms].sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED);
  return out
    .replace(WEBHOOK_PATH, `hooks.slack.com/$1/${REDACTED}`)
    .replace(SLACK_TOKEN, REDACTED)
    .replace(APP_TOKEN, REDACTED);
}

/** Redacts every string inside a log attribute value. Pure. */
export function redactValue(value: unknown, secrets: readonly (string | null | undefined)[]): unknown {
  if (typeof value === 'string') return redactSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets));
  if (value instanceof Error) return redactSecrets(`${value.name}: ${value.message}`, secrets);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, secrets)]));
  }
  return value;
}

/**
 * A logger that redacts the secrets `secrets()` names (read at each line), Slack webhook paths and
 * tokens from every message and attribute (errors become `name: message`) before `inner` sees them.
 */
export function redactingLogger(
  inner: NotifierLogger,
  secrets: () => readonly (string | null)[],
): NotifierLogger {
  const scrub = (value: unknown): unknown => {
    if (typeof value === 'string') return redactSecrets(value, secrets());
    if (Array.isArray(value)) return value.map(scrub);
    if (value instanceof Error) return redactSecrets(`${value.name}: ${value.message}`, secrets());
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v)]));
    }
    return value;
  };
  const wrap =
    (level: keyof NotifierLogger) =>
    (message: string, ...attributes: Record<string, unknown>[]) =>
      inner[level](
        redactSecrets(message, secrets()),
        ...attributes.map((a) => scrub(a) as Record<string, unknown>),
      );
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

/**
 * Validation of what reaches the slash-command function: Slack's form fields (after the signature
 * was verified) and the internal work payload. zod schemas; types derive from them. Pure.
 */
import * as z from 'zod';
import type { SlashRequest, SlashWorkPayload } from './types.ts';

const LOOPBACK = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/;
/** Slack user IDs: `U…` or, in Enterprise Grid, `W…`. */
const USER_ID = /^[UW][A-Z0-9]{2,30}$/;
const TEAM_ID = /^[TE][A-Z0-9]{2,30}$/;
const CHANNEL_ID = /^[CDGZ][A-Z0-9]{2,30}$/;
/** Same shapes as the parser in messages/slash-command.ts: names or (plan/history) glob patterns. */
const CLUSTER_PATTERN = /^[0-9A-Za-z*?][A-Za-z0-9_*?-]{0,99}$/;

/**
 * True when `raw` is a URL Slack gives as `response_url`: `https://hooks.slack.com/…` (no port,
 * no credentials). With `allowLocal` (local development only) also http(s) on loopback. Anything
 * else is refused so a request cannot make nodekeeper post to an arbitrary host (SSRF). Pure.
 */
export function isAllowedResponseUrl(raw: string, allowLocal = false): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    if (error instanceof TypeError) return false;
    throw error;
  }
  if (url.username !== '' || url.password !== '') return false;
  if (url.protocol === 'https:' && url.hostname === 'hooks.slack.com' && url.port === '') {
    return url.pathname.length > 1;
  }
  return allowLocal && (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK.test(url.hostname);
}

function responseUrlSchema(allowLocal: boolean) {
  return z
    .string()
    .max(2048)
    .refine((v) => isAllowedResponseUrl(v, allowLocal), {
      message: allowLocal
        ? 'must be an https://hooks.slack.com/ or loopback URL'
        : 'must be an https://hooks.slack.com/ URL',
    });
}

/** Slack's form fields nodekeeper reads; extra fields (token, trigger_id, …) are ignored. */
export function slashFormSchema(allowLocal: boolean) {
  return z.looseObject({
    command: z.string().regex(/^\/[a-z0-9_-]{1,32}$/i, 'expected a slash command such as /nodekeeper'),
    text: z.string().max(4000).default(''),
    user_id: z.string().regex(USER_ID, 'expected a Slack user ID'),
    user_name: z.string().max(100).optional(),
    team_id: z.string().regex(TEAM_ID, 'expected a Slack team ID').optional(),
    channel_id: z.string().regex(CHANNEL_ID, 'expected a Slack channel ID').optional(),
    response_url: responseUrlSchema(allowLocal),
  });
}

export type SlashParse = { ok: true; request: SlashRequest } | { ok: false; problems: string[] };

function problems(error: z.ZodError): string[] {
  // Field names only, never values: a value may be a response_url (a short-lived secret).
  return error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
}

/**
 * Reads an `application/x-www-form-urlencoded` slash-command body. Call only after the request
 * signature was verified. A repeated field is refused (Slack never repeats one). Pure; never throws.
 */
export function parseSlashRequest(rawBody: string, options: { allowLocal?: boolean } = {}): SlashParse {
  const params = new URLSearchParams(rawBody);
  const fields: Record<string, string> = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    if (all.length > 1) return { ok: false, problems: [`${key}: given more than once`] };
    fields[key] = all[0] ?? '';
  }
  const parsed = slashFormSchema(options.allowLocal === true).safeParse(fields);
  if (!parsed.success) return { ok: false, problems: problems(parsed.error) };
  const f = parsed.data;
  return {
    ok: true,
    request: {
      command: f.command,
      text: f.text,
      userId: f.user_id,
      userName: f.user_name ?? null,
      teamId: f.team_id ?? null,
      channelId: f.channel_id ?? null,
      responseUrl: f.response_url,
    },
  };
}

const clusterPattern = z.string().regex(CLUSTER_PATTERN, 'expected a cluster name or glob');

/** The internal work payload (strict: any other key is refused). */
export function slashWorkSchema(allowLocal: boolean) {
  return z.strictObject({
    kind: z.literal('slack-command-work'),
    version: z.literal(1),
    command: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('plan'), cluster: clusterPattern.optional() }),
      z.strictObject({ kind: z.literal('status') }),
      z.strictObject({ kind: z.literal('history'), cluster: clusterPattern.optional() }),
    ]),
    userId: z.string().regex(USER_ID, 'expected a Slack user ID'),
    responseUrl: responseUrlSchema(allowLocal),
    requestedAt: z.iso.datetime({ offset: true }),
  });
}

export type SlashWorkParse = { ok: true; payload: SlashWorkPayload } | { ok: false; problems: string[] };

/** Validates an internal work payload; the response URL is checked again here. Pure; never throws. */
export function parseSlashWork(event: unknown, options: { allowLocal?: boolean } = {}): SlashWorkParse {
  const parsed = slashWorkSchema(options.allowLocal === true).safeParse(event);
  if (!parsed.success) return { ok: false, problems: problems(parsed.error) };
  const { command, ...rest } = parsed.data;
  // Rebuild without `cluster: undefined` keys so the payload round-trips as JSON unchanged.
  const clean =
    command.kind === 'status'
      ? { kind: 'status' as const }
      : command.cluster === undefined
        ? { kind: command.kind }
        : { kind: command.kind, cluster: command.cluster };
  return { ok: true, payload: { ...rest, command: clean } };
}

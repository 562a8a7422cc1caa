/**
 * The `/nodekeeper` slash command behind a Lambda Function URL, written against ports so tests
 * can inject the clock, the logger and the adapters. Two event shapes reach the function:
 * - a Function URL request from Slack: verified with the v0 signature FIRST (401 and nothing else
 *   otherwise), then routed by core; slow subcommands are handed to
 * - the internal work payload `{kind:'slack-command-work',…}`, sent by this function to itself
 *   with an asynchronous Lambda invoke; the worker posts its answer to Slack's response_url.
 */

import type { AsyncInvoker, PauseChange } from '@nodekeeper/aws';
import type { Config } from '@nodekeeper/core/config';
import { buildPlanSummaryMessage, type SlackMessage } from '@nodekeeper/core/messages';
import { matchesGlob, type Plan } from '@nodekeeper/core/plan';
import type { HistoryQuery, RolloutRecord } from '@nodekeeper/core/rollout';
import {
  buildHistoryMessage,
  buildStatusMessage,
  buildWorkFailedMessage,
  type DeferredCommand,
  misconfiguredText,
  parseSlashRequest,
  parseSlashWork,
  patchAcceptedText,
  patchFailedText,
  pausedText,
  pauseFailedText,
  resumedText,
  routeSlashCommand,
  SLASH_MAX_LISTED,
  type SlashPatchRequest,
  type SlashRequest,
  type SlashWorkPayload,
  workFailedToStartText,
  workingText,
} from '@nodekeeper/core/slash';
import {
  type DeliveryResult,
  decodeFunctionUrlBody,
  type NotifierLogger,
  readSignatureHeaders,
  redactSecrets,
  verifySlackSignature,
} from '@nodekeeper/slack';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';

/** Outcome of writing the pause flag: a refusal is a value carrying the AWS error code. */
export type PauseWriteOutcome = { kind: 'set' } | { kind: 'failed'; errorCode: string };

/** The pause flag as the slash command uses it. `set` never throws; `read` may (status reports it). */
export interface SlashPausePort {
  set(change: PauseChange): Promise<PauseWriteOutcome>;
  read(): Promise<{ paused: boolean; reason: string | null }>;
}

/** The adapters a verified request may use. Built only after verification (or for a work payload). */
export interface SlackCommandServices {
  /** Null when NODEKEEPER_CONFIG is missing or invalid: nothing is done then. */
  config: Config | null;
  invoker: AsyncInvoker;
  /** The pause flag (NODEKEEPER_PAUSE_PARAMETER, else the default parameter). */
  pause: SlashPausePort;
  /** Inspects every configured region and plans, as a scan would (read-only). */
  plan(now: Date): Promise<Plan>;
  history(query: HistoryQuery): Promise<RolloutRecord[]>;
  /** Posts to a response_url (already validated). Never throws. */
  respond(responseUrl: string, message: SlackMessage): Promise<DeliveryResult>;
}

export interface SlackCommandDeps {
  now: () => Date;
  /** From the SST secret SlackSigningSecret or NODEKEEPER_SLACK_SIGNING_SECRET; null: every request is refused. */
  signingSecret: string | null;
  /** NODEKEEPER_SLACK_ALLOW_LOCAL=1: also accept loopback response URLs (local development only). */
  allowLocal: boolean;
  /** Where log lines go; every line is redacted first. */
  logger: NotifierLogger;
  /** This function's own name (AWS_LAMBDA_FUNCTION_NAME), for the worker re-invoke. */
  selfFunctionName: string | null;
  /** NODEKEEPER_PATCH_FUNCTION. */
  patchFunctionName: string | null;
  newRequestId: () => string;
  /** Called at most once, and never for a request that failed verification. */
  services: () => SlackCommandServices;
}

/** What the worker returns (an asynchronous invoke ignores it; tests read it). */
export type SlackWorkResult =
  | { kind: 'work-done'; command: DeferredCommand['kind']; delivered: boolean }
  | { kind: 'rejected'; problems: string[] };

export type SlackCommandResult = LambdaFunctionURLResult | SlackWorkResult;

const WORK_KIND = 'slack-command-work';

/** Secrets and secret-like values are redacted from every log line, whatever logs them. */
function redactingLogger(inner: NotifierLogger, secrets: () => readonly (string | null)[]): NotifierLogger {
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

function text(statusCode: number, body: string): LambdaFunctionURLResult {
  return { statusCode, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}

function slackReply(responseType: 'ephemeral' | 'in_channel', message: string): LambdaFunctionURLResult {
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ response_type: responseType, text: message }),
  };
}

/**
 * A Function URL event has `requestContext` and `headers`; anything carrying either is treated as
 * one and must pass the signature check. Only an object with neither may be a work payload.
 */
function looksLikeHttp(event: object): boolean {
  return 'requestContext' in event || 'headers' in event || 'body' in event || 'rawPath' in event;
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const e = error as { name?: unknown; code?: unknown; Code?: unknown };
    for (const c of [e.Code, e.code, e.name])
      if (typeof c === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(c)) return c;
  }
  return 'Error';
}

/** Builds the handler. Keeps no state across invocations beyond the lazily built services. */
export function createSlackCommandHandler(deps: SlackCommandDeps) {
  const responseUrls = new Set<string>();
  const log = redactingLogger(deps.logger, () => [deps.signingSecret, ...responseUrls]);
  let services: SlackCommandServices | undefined;
  const getServices = (): SlackCommandServices => {
    services ??= deps.services();
    return services;
  };

  async function onHttp(event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> {
    if (deps.signingSecret === null) {
      log.error('slash command refused: no signing secret configured');
      return text(401, 'invalid request signature');
    }
    const rawBody = decodeFunctionUrlBody(event);
    const { timestamp, signature } = readSignatureHeaders(event.headers);
    const check = verifySlackSignature({
      signingSecret: deps.signingSecret,
      timestamp,
      rawBody,
      signature,
      now: deps.now(),
    });
    if (!check.ok) {
      log.warn('slash command refused: bad signature', { reason: check.reason });
      return text(401, 'invalid request signature');
    }

    const method = event.requestContext?.http?.method;
    if (method !== undefined && method !== 'POST') return text(405, 'method not allowed');
    const parsed = parseSlashRequest(rawBody, { allowLocal: deps.allowLocal });
    if (!parsed.ok) {
      log.warn('slash command refused: invalid request', { problems: parsed.problems });
      return text(400, 'invalid slash command request');
    }
    const request = parsed.request;
    responseUrls.add(request.responseUrl);
    const who = { userId: request.userId, teamId: request.teamId, channelId: request.channelId };

    const svc = getServices();
    if (svc.config === null) {
      log.error('slash command not run: configuration missing or invalid', who);
      return slackReply('ephemeral', misconfiguredText());
    }
    const action = routeSlashCommand({
      text: request.text,
      userId: request.userId,
      allowedUserIds: svc.config.slack.allowedUserIds,
      clusterPatterns: svc.config.clusters,
    });

    switch (action.kind) {
      case 'reply':
        log.info('slash command answered with usage', who);
        return slackReply('ephemeral', action.text);
      case 'refuse':
        log.info('slash command refused', { ...who, command: action.command, reason: action.reason });
        return slackReply('ephemeral', action.text);
      case 'defer':
        return defer(svc, request, action.command, who);
      case 'pause':
      case 'resume':
        return setPause(
          svc,
          request,
          action.kind === 'pause',
          action.kind === 'pause' ? action.reason : null,
          who,
        );
      case 'patch':
        return patch(svc, request, { ...action.request, requestId: deps.newRequestId() }, who);
    }
  }

  async function defer(
    svc: SlackCommandServices,
    request: SlashRequest,
    command: DeferredCommand,
    who: Record<string, unknown>,
  ): Promise<LambdaFunctionURLResult> {
    const payload: SlashWorkPayload = {
      kind: WORK_KIND,
      version: 1,
      command,
      userId: request.userId,
      responseUrl: request.responseUrl,
      requestedAt: deps.now().toISOString(),
    };
    const outcome =
      deps.selfFunctionName === null
        ? { kind: 'failed' as const, errorCode: 'self-function-unknown' }
        : await svc.invoker.invoke(deps.selfFunctionName, payload);
    if (outcome.kind === 'failed') {
      log.error('slash command work not started', {
        ...who,
        command: command.kind,
        error: outcome.errorCode,
      });
      return slackReply('ephemeral', workFailedToStartText(command));
    }
    log.info('slash command work started', {
      ...who,
      command: command.kind,
      lambdaRequestId: outcome.lambdaRequestId,
    });
    return slackReply('ephemeral', workingText(command));
  }

  async function setPause(
    svc: SlackCommandServices,
    request: SlashRequest,
    paused: boolean,
    reason: string | null,
    who: Record<string, unknown>,
  ): Promise<LambdaFunctionURLResult> {
    const kind = paused ? 'pause' : 'resume';
    const result = await svc.pause.set({
      paused,
      reason,
      by: `slack:${request.userId}`,
      at: deps.now().toISOString(),
    });
    if (result.kind === 'failed') {
      log.error('pause flag not changed', { ...who, command: kind, error: result.errorCode });
      return slackReply('ephemeral', pauseFailedText(kind, result.errorCode));
    }
    log.info(paused ? 'rollouts paused' : 'rollouts resumed', { ...who, command: kind });
    return slackReply(
      'in_channel',
      paused ? pausedText(request.userId, reason) : resumedText(request.userId),
    );
  }

  async function patch(
    svc: SlackCommandServices,
    request: SlashRequest,
    patchRequest: SlashPatchRequest,
    who: Record<string, unknown>,
  ): Promise<LambdaFunctionURLResult> {
    const fields = {
      ...who,
      command: 'patch',
      requestId: patchRequest.requestId,
      cluster: patchRequest.cluster,
      nodegroups: patchRequest.nodegroups,
      operation: patchRequest.operation,
      reboot: patchRequest.reboot,
    };
    const outcome =
      deps.patchFunctionName === null
        ? { kind: 'failed' as const, errorCode: 'patch-function-not-configured' }
        : await svc.invoker.invoke(deps.patchFunctionName, patchPayload(patchRequest));
    if (outcome.kind === 'failed') {
      log.error('patch request not sent', { ...fields, error: outcome.errorCode });
      return slackReply('ephemeral', patchFailedText(patchRequest, outcome.errorCode));
    }
    log.info('patch requested', { ...fields, lambdaRequestId: outcome.lambdaRequestId });
    return slackReply('in_channel', patchAcceptedText(patchRequest, request.userId));
  }

  async function onWork(event: unknown): Promise<SlackWorkResult> {
    const parsed = parseSlashWork(event, { allowLocal: deps.allowLocal });
    if (!parsed.ok) {
      log.error('work payload rejected', { problems: parsed.problems });
      return { kind: 'rejected', problems: parsed.problems };
    }
    const work = parsed.payload;
    responseUrls.add(work.responseUrl);
    const fields = { userId: work.userId, command: work.command.kind };
    const svc = getServices();
    let message: SlackMessage;
    if (svc.config === null) {
      log.error('slash command work not run: configuration missing or invalid', fields);
      message = { text: misconfiguredText(), blocks: [] };
    } else {
      try {
        message = await runWork(svc, work.command);
      } catch (error) {
        // Never rethrow: an asynchronous invoke would retry and answer twice.
        log.error('slash command work failed', { ...fields, error: errorCode(error) });
        message = buildWorkFailedMessage(work.command, errorCode(error));
      }
    }
    const delivered = await svc.respond(work.responseUrl, message);
    if (delivered.ok) log.info('slash command answered', fields);
    else log.error('slash command answer undeliverable', { ...fields, slackError: delivered.error });
    return { kind: 'work-done', command: work.command.kind, delivered: delivered.ok };
  }

  async function runWork(svc: SlackCommandServices, command: DeferredCommand): Promise<SlackMessage> {
    switch (command.kind) {
      case 'plan': {
        const full = await svc.plan(deps.now());
        const { cluster } = command;
        const planned =
          cluster === undefined
            ? full
            : { ...full, items: full.items.filter((i) => matchesGlob(i.cluster, cluster)) };
        return buildPlanSummaryMessage(planned);
      }
      case 'history': {
        const records = await historyOf(svc, command.cluster, SLASH_MAX_LISTED * 2);
        return buildHistoryMessage(records, command.cluster);
      }
      case 'status': {
        const pause = await svc.pause.read();
        const all = await svc.history({ limit: 1000 });
        return buildStatusMessage(
          pause,
          all.filter((r) => r.outcome === 'started'),
        );
      }
    }
  }

  return async function handler(event: unknown): Promise<SlackCommandResult> {
    if (typeof event !== 'object' || event === null) {
      log.error('event rejected: not an object');
      return { kind: 'rejected', problems: ['(event): expected an object'] };
    }
    if (looksLikeHttp(event)) return onHttp(event as LambdaFunctionURLEvent);
    return onWork(event);
  };
}

/** History for a cluster name (ledger query), a glob (all, filtered) or everything. */
async function historyOf(
  svc: SlackCommandServices,
  cluster: string | undefined,
  limit: number,
): Promise<RolloutRecord[]> {
  if (cluster === undefined) return svc.history({ limit });
  if (!/[*?]/.test(cluster)) return svc.history({ cluster, limit });
  const all = await svc.history({ limit: 1000 });
  return all.filter((r) => matchesGlob(r.cluster, cluster)).slice(0, limit);
}

/**
 * The patch function's payload for a slash-command request. Kept in one place so it can follow
 * the patch function's published schema.
 */
export function patchPayload(request: SlashPatchRequest): Record<string, unknown> {
  return {
    requestId: request.requestId,
    cluster: request.cluster,
    ...(request.nodegroups.length > 0 ? { nodegroups: request.nodegroups } : {}),
    operation: request.operation,
    reboot: request.reboot,
    requestedBy: request.requestedBy,
  };
}

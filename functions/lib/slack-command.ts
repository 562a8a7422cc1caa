/**
 * The `/nodekeeper` slash command behind a Lambda Function URL: the Lambda glue around core's
 * slash program, written against ports so tests can inject the clock, the logger and the
 * adapters. Two event shapes reach the function:
 * - a Function URL request from Slack: verified with the v0 signature FIRST (401 and nothing else
 *   otherwise), then run by core (`runSlashCommand`); slow subcommands are handed to
 * - the internal work payload `{kind:'slack-command-work',…}`, sent by this function to itself
 *   with an asynchronous Lambda invoke; the worker posts core's answer to Slack's response_url.
 */

import type { Config } from '@nodekeeper/core/config';
import type { SlackMessage } from '@nodekeeper/core/messages';
import {
  answerDeferredCommand,
  type DeferredCommand,
  misconfiguredText,
  parseSlashRequest,
  parseSlashWork,
  runSlashCommand,
  type SlashOutcome,
  type SlashPorts,
  type SlashReply,
} from '@nodekeeper/core/slash';
import {
  type DeliveryResult,
  type NotifierLogger,
  redactingLogger,
  verifyFunctionUrlRequest,
} from '@nodekeeper/slack';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';

/** The adapters a verified request may use. Built only after verification (or for a work payload). */
export interface SlackCommandServices extends SlashPorts {
  /** Null when NODEKEEPER_CONFIG is missing or invalid: nothing is done then. */
  config: Config | null;
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

function text(statusCode: number, body: string): LambdaFunctionURLResult {
  return { statusCode, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}

function slackReply(reply: SlashReply): LambdaFunctionURLResult {
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ response_type: reply.responseType, text: reply.text }),
  };
}

/**
 * A Function URL event has `requestContext` and `headers`; anything carrying either is treated as
 * one and must pass the signature check. Only an object with neither may be a work payload.
 */
function looksLikeHttp(event: object): boolean {
  return 'requestContext' in event || 'headers' in event || 'body' in event || 'rawPath' in event;
}

/** The one log line of what a request did. */
function logOutcome(log: NotifierLogger, who: Record<string, unknown>, o: SlashOutcome): void {
  if (o.kind === 'usage') log.info('slash command answered with usage', who);
  else if (o.kind === 'refused')
    log.info('slash command refused', { ...who, command: o.command, reason: o.reason });
  else if (o.kind === 'work-not-started')
    log.error('slash command work not started', { ...who, command: o.command, error: o.error });
  else if (o.kind === 'work-started')
    log.info('slash command work started', {
      ...who,
      command: o.command,
      lambdaRequestId: o.lambdaRequestId,
    });
  else if (o.kind === 'pause-failed')
    log.error('pause flag not changed', { ...who, command: o.command, error: o.error });
  else if (o.kind === 'pause-set')
    log.info(o.command === 'pause' ? 'rollouts paused' : 'rollouts resumed', { ...who, command: o.command });
  else {
    const r = o.request;
    const fields = {
      ...who,
      command: 'patch',
      requestId: r.requestId,
      cluster: r.cluster,
      nodegroups: r.nodegroups,
      operation: r.operation,
      reboot: r.reboot,
    };
    if (o.kind === 'patch-not-sent') log.error('patch request not sent', { ...fields, error: o.error });
    else log.info('patch requested', { ...fields, lambdaRequestId: o.lambdaRequestId });
  }
}

/** Builds the handler. Keeps no state across invocations beyond the lazily built services. */
export function createSlackCommandHandler(deps: SlackCommandDeps) {
  const responseUrls = new Set<string>();
  // Secrets and secret-like values are redacted from every log line, whatever logs them.
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
    const verified = verifyFunctionUrlRequest(event, deps.signingSecret, deps.now());
    if (!verified.ok) {
      log.warn('slash command refused: bad signature', { reason: verified.reason });
      return text(401, 'invalid request signature');
    }

    const method = event.requestContext?.http?.method;
    if (method !== undefined && method !== 'POST') return text(405, 'method not allowed');
    const parsed = parseSlashRequest(verified.rawBody, { allowLocal: deps.allowLocal });
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
      return slackReply({ responseType: 'ephemeral', text: misconfiguredText() });
    }
    const done = await runSlashCommand(request, svc.config, svc, {
      now: deps.now(),
      selfFunctionName: deps.selfFunctionName,
      patchFunctionName: deps.patchFunctionName,
      newRequestId: deps.newRequestId,
    });
    logOutcome(log, who, done.outcome);
    return slackReply(done.reply);
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
      const answer = await answerDeferredCommand(work.command, svc, deps.now());
      if (answer.error !== null) log.error('slash command work failed', { ...fields, error: answer.error });
      message = answer.message;
    }
    const delivered = await svc.respond(work.responseUrl, message);
    if (delivered.ok) log.info('slash command answered', fields);
    else log.error('slash command answer undeliverable', { ...fields, slackError: delivered.error });
    return { kind: 'work-done', command: work.command.kind, delivered: delivered.ok };
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

/**
 * The `/nodekeeper` slash command behind a Lambda Function URL: the Lambda glue around core's
 * slash program, written against ports so tests can inject the clock, the logger and the
 * adapters. Three event shapes reach the function:
 * - a Function URL request from Slack: verified with the v0 signature FIRST (401 and nothing else
 *   otherwise), parsed and routed without AWS (`acknowledgeSlashCommand`); everything that touches
 *   AWS is handed, as the signed request itself, to
 * - the worker payload `{kind:'slack-command-signed',…}`, sent by this function to itself with an
 *   asynchronous Lambda invoke: verified again, claimed once, run (`runSignedSlashWork`) and
 *   answered on Slack's response_url;
 * - the older read-only work payload `{kind:'slack-command-work',…}` (plan, status, history).
 * Button clicks (Slack's `block_actions` interaction payloads) reach the same Function URL on
 * {@link SlackPaths.interactions}: verified the same way, acknowledged with an empty 200 after the
 * hand-off of `{kind:'slack-interaction-signed',…}` to the worker, which claims the click once,
 * runs it through the slash program and edits the clicked message (chat.update).
 */

import type { Config } from '@nodekeeper/core/config';
import type { SlackMessage } from '@nodekeeper/core/messages';
import type { RunLedgerPort } from '@nodekeeper/core/runs';
import {
  acknowledgeSlashCommand,
  answerDeferredCommand,
  type DeferredCommand,
  type InteractionOutcome,
  type InteractionSlackPort,
  misconfiguredText,
  parseInteractionPayload,
  parseSlashRequest,
  parseSlashWork,
  type RequestClaimPort,
  runSignedInteraction,
  runSignedSlashWork,
  type SignedWorkOutcome,
  type SlashInvokeOutcome,
  type SlashOutcome,
  type SlashPorts,
  type SlashReply,
  WORKER_MAX_REQUEST_AGE_SECONDS,
} from '@nodekeeper/core/slash';
import {
  type DeliveryResult,
  type NotifierLogger,
  redactingLogger,
  signedRequestKey,
  verifyFunctionUrlRequest,
  verifySlackSignature,
} from '@nodekeeper/slack';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import * as z from 'zod';

/** The adapters a verified request may use. Built only after verification (or for a work payload). */
export interface SlackCommandServices extends SlashPorts {
  /** Once-only claims of signed requests (ledger table). Used only by the worker. */
  claims: RequestClaimPort;
  /** Null when NODEKEEPER_CONFIG is missing or invalid: nothing is done then. */
  config: Config | null;
  /** Posts to a response_url (already validated). Never throws. */
  respond(responseUrl: string, message: SlackMessage): Promise<DeliveryResult>;
  /** Buttons: edit the clicked message (chat.update with the bot token, else response_url), answer the clicker. */
  interactions: InteractionSlackPort;
  /** The run ledger (Pause/Resume on a run's parent). */
  runs: RunLedgerPort | null;
}

/** The Function URL's paths: slash commands (and, as before, `/`), and button clicks. */
export const SlackPaths = {
  commands: '/slack/commands',
  interactions: '/slack/interactions',
} as const;

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
  /** Waits `ms` (the bound on the acknowledgement's one AWS call); tests inject it. */
  sleep: (ms: number) => Promise<void>;
  /** Called at most once, and never for a request that failed verification. */
  services: () => SlackCommandServices;
}

/** What the worker returns (an asynchronous invoke ignores it; tests read it). */
export type SlackWorkResult =
  | { kind: 'work-done'; command: DeferredCommand['kind']; delivered: boolean }
  | { kind: 'signed-done'; outcome: SignedWorkOutcome['kind']; delivered: boolean }
  | { kind: 'interaction-done'; outcome: InteractionOutcome }
  | { kind: 'rejected'; problems: string[] };

export type SlackCommandResult = LambdaFunctionURLResult | SlackWorkResult;

/**
 * The acknowledgement waits at most this long for its one AWS call, the asynchronous self-invoke,
 * then answers anyway: Slack gives 3 s, and a hand-off that is merely slow is still likely queued.
 */
export const ACK_INVOKE_BUDGET_MS = 1000;
/**
 * The acknowledgement answers by this long after the request reached the Function URL (Slack's 3 s,
 * less a second for the answer's way back): a cold start's init shortens the hand-off's wait.
 */
export const ACK_DEADLINE_MS = 2000;
/** The hand-off is always waited on for at least this long. */
export const ACK_MIN_INVOKE_MS = 250;

/**
 * How long the acknowledgement waits for its hand-off: {@link ACK_INVOKE_BUDGET_MS}, less what
 * the request already spent since it arrived (Lambda's `requestContext.timeEpoch`; a cold start
 * spends its init there) beyond the deadline, at least {@link ACK_MIN_INVOKE_MS}. An arrival time
 * that is missing or more than a minute off the clock is ignored. Pure.
 */
export function handOffBudgetMs(arrivedAtMs: number | undefined, nowMs: number): number {
  if (arrivedAtMs === undefined || !Number.isFinite(arrivedAtMs)) return ACK_INVOKE_BUDGET_MS;
  const elapsed = nowMs - arrivedAtMs;
  if (elapsed < 0 || elapsed > 60_000) return ACK_INVOKE_BUDGET_MS;
  return Math.max(ACK_MIN_INVOKE_MS, Math.min(ACK_INVOKE_BUDGET_MS, ACK_DEADLINE_MS - elapsed));
}

/** The signed request as received, handed to the worker, which verifies it again and claims it once. */
const signedWorkSchema = z.strictObject({
  kind: z.literal('slack-command-signed'),
  version: z.literal(1),
  rawBody: z.string().max(16_384),
  timestamp: z.string().max(20),
  signature: z.string().max(100),
});
type SignedWork = z.infer<typeof signedWorkSchema>;

/**
 * A signed click, handed to the worker the same way. Slack's payload carries the whole message
 * (up to 50 blocks), so the body may be larger than a slash command's; Lambda's asynchronous
 * invoke takes 256 KB.
 */
const signedInteractionSchema = z.strictObject({
  kind: z.literal('slack-interaction-signed'),
  version: z.literal(1),
  rawBody: z.string().max(200_000),
  timestamp: z.string().max(20),
  signature: z.string().max(100),
});
type SignedInteraction = z.infer<typeof signedInteractionSchema>;

/** The Function URL path of a request, without a trailing slash (`/` for the root). */
function pathOf(event: LambdaFunctionURLEvent): string {
  const raw = event.rawPath ?? event.requestContext?.http?.path ?? '/';
  return raw.length > 1 ? raw.replace(/\/+$/, '') : raw;
}

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

/** A short name for an unexpected invoke error, safe to log. */
function errorName(error: unknown): string {
  return error instanceof Error && /^[A-Za-z0-9_.-]{1,64}$/.test(error.name) ? error.name : 'Error';
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
  else if (o.kind === 'approved')
    log.info(o.result === 'recorded' ? 'release approved' : 'release already approved', {
      ...who,
      command: 'approve',
      release: o.approval.release,
      family: o.approval.family,
      wave: o.approval.wave,
      by: o.approval.by,
    });
  else if (o.kind === 'approve-failed')
    log.error('approval not recorded', {
      ...who,
      command: 'approve',
      release: o.approval.release,
      wave: o.approval.wave,
      error: o.error,
    });
  else if (o.kind === 'recalled')
    log.info(o.result === 'recorded' ? 'release recalled' : 'release already recalled', {
      ...who,
      command: 'recall',
      release: o.recall.release,
      family: o.recall.family,
      by: o.recall.by,
    });
  else if (o.kind === 'recall-failed')
    log.error('recall not recorded', {
      ...who,
      command: 'recall',
      release: o.recall.release,
      error: o.error,
    });
  else if (o.kind === 'unrecalled')
    log.info(o.result === 'lifted' ? 'recall lifted' : 'nothing recalled to lift', {
      ...who,
      command: 'unrecall',
      release: o.target.release,
      family: o.target.family,
    });
  else if (o.kind === 'unrecall-failed')
    log.error('recall not lifted', {
      ...who,
      command: 'unrecall',
      release: o.target.release,
      error: o.error,
    });
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

/** The one log line of what a click did. */
function logInteraction(log: NotifierLogger, who: Record<string, unknown>, o: InteractionOutcome): void {
  switch (o.kind) {
    case 'replayed':
      log.warn('interaction replay refused: already handled', who);
      return;
    case 'claim-failed':
      log.error('interaction not run: claim failed', { ...who, error: o.error });
      return;
    case 'invalid':
      log.warn('interaction refused: button not understood', { ...who, problem: o.problem });
      return;
    case 'refused':
      log.info('interaction refused', { ...who, action: o.action, reason: o.reason });
      return;
    case 'failed':
      log.error('interaction failed', { ...who, action: o.action, error: o.error });
      return;
    case 'done':
      if (o.outcome) logOutcome(log, { ...who, via: 'button' }, o.outcome);
      if (o.updateError === null) log.info('interaction done; message updated', { ...who, action: o.action });
      else
        log.error('interaction done; message not updated', {
          ...who,
          action: o.action,
          slackError: o.updateError,
        });
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
    const path = pathOf(event);
    const budgetMs = handOffBudgetMs(event.requestContext?.timeEpoch, deps.now().getTime());
    if (path === SlackPaths.interactions) return onInteractionHttp(verified, budgetMs);
    if (path !== SlackPaths.commands && path !== '/') {
      log.warn('signed request refused: unknown path', { path: path.slice(0, 100) });
      return text(404, 'not found');
    }
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
    // No AWS before this point; the hand-off below is the acknowledgement's only AWS call, bounded.
    const ack = acknowledgeSlashCommand(request, svc.config);
    if (ack.kind === 'answer') {
      if (ack.refused !== null)
        log.info('slash command refused', { ...who, command: ack.command, reason: ack.refused });
      else log.info('slash command answered with usage', who);
      return slackReply({ responseType: 'ephemeral', text: ack.text });
    }
    const work: SignedWork = {
      kind: 'slack-command-signed',
      version: 1,
      rawBody: verified.rawBody,
      timestamp: verified.timestamp,
      signature: verified.signature,
    };
    const handed = await handOff(work, budgetMs);
    const fields = { ...who, command: ack.command };
    if (handed.kind === 'failed') {
      log.error('slash command work not started', { ...fields, error: handed.errorCode });
      return slackReply({ responseType: 'ephemeral', text: ack.failedText });
    }
    if (handed.kind === 'timed-out')
      log.warn('slash command work hand-off unconfirmed', { ...fields, waitedMs: budgetMs });
    else log.info('slash command work started', { ...fields, lambdaRequestId: handed.lambdaRequestId });
    return slackReply({ responseType: 'ephemeral', text: ack.text });
  }

  /**
   * A button click: read without AWS, handed to the worker (the one bounded AWS call), then
   * acknowledged with an empty 200 (Slack shows nothing; the worker edits the message). A click
   * that could not be handed off answers 500, so Slack tells the user it did not work.
   */
  async function onInteractionHttp(
    verified: { rawBody: string; timestamp: string; signature: string },
    budgetMs: number,
  ): Promise<LambdaFunctionURLResult> {
    const parsed = parseInteractionPayload(verified.rawBody, { allowLocal: deps.allowLocal });
    if (!parsed.ok) {
      log.warn('interaction refused: invalid payload', { problems: parsed.problems });
      return text(400, 'invalid interaction payload');
    }
    const click = parsed.interaction;
    responseUrls.add(click.responseUrl);
    const fields = {
      userId: click.userId,
      teamId: click.teamId,
      channelId: click.channelId,
      actionId: click.actionId,
    };
    const handed = await handOff(
      {
        kind: 'slack-interaction-signed',
        version: 1,
        rawBody: verified.rawBody,
        timestamp: verified.timestamp,
        signature: verified.signature,
      },
      budgetMs,
    );
    if (handed.kind === 'failed') {
      log.error('interaction work not started', { ...fields, error: handed.errorCode });
      return text(500, 'could not start; nothing was changed');
    }
    if (handed.kind === 'timed-out')
      log.warn('interaction work hand-off unconfirmed', { ...fields, waitedMs: budgetMs });
    else log.info('interaction work started', { ...fields, lambdaRequestId: handed.lambdaRequestId });
    return { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '' };
  }

  /** The asynchronous self-invoke, waited on for at most `budgetMs` (see handOffBudgetMs). */
  async function handOff(
    work: SignedWork | SignedInteraction,
    budgetMs: number,
  ): Promise<SlashInvokeOutcome | { kind: 'timed-out' }> {
    if (deps.selfFunctionName === null) return { kind: 'failed', errorCode: 'self-function-unknown' };
    const invoked = getServices()
      .invoker.invoke(deps.selfFunctionName, work)
      .catch((error: unknown) => ({ kind: 'failed' as const, errorCode: errorName(error) }));
    const late = deps.sleep(budgetMs).then(() => ({ kind: 'timed-out' as const }));
    const first = await Promise.race([invoked, late]);
    if (first.kind === 'timed-out')
      void invoked.then((o) => {
        if (o.kind === 'failed') log.error('slash command late hand-off failed', { error: o.errorCode });
      });
    return first;
  }

  /**
   * A signed hand-off from the acknowledgement, validated and its Slack signature verified again
   * (a direct invoke must carry a request Slack signed, at most 15 minutes old); else the rejection.
   */
  function verifiedWork<T extends { rawBody: string; timestamp: string; signature: string }>(
    event: unknown,
    schema: z.ZodType<T>,
    what: 'work' | 'interaction',
  ): { ok: true; work: T; now: Date } | { ok: false; result: SlackWorkResult } {
    const parsedWork = schema.safeParse(event);
    if (!parsedWork.success) {
      const problems = parsedWork.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
      log.error('work payload rejected', { problems });
      return { ok: false, result: { kind: 'rejected', problems } };
    }
    const work = parsedWork.data;
    if (deps.signingSecret === null) {
      log.error(`signed ${what} refused: no signing secret configured`);
      return {
        ok: false,
        result: { kind: 'rejected', problems: ['signature: no signing secret configured'] },
      };
    }
    const now = deps.now();
    const check = verifySlackSignature({
      signingSecret: deps.signingSecret,
      timestamp: work.timestamp,
      signature: work.signature,
      rawBody: work.rawBody,
      now,
      maxAgeSeconds: WORKER_MAX_REQUEST_AGE_SECONDS,
    });
    if (!check.ok) {
      log.warn(`signed ${what} refused: bad signature`, { reason: check.reason });
      return { ok: false, result: { kind: 'rejected', problems: [`signature: ${check.reason}`] } };
    }
    return { ok: true, work, now };
  }

  async function onSigned(event: unknown): Promise<SlackWorkResult> {
    const verified = verifiedWork(event, signedWorkSchema, 'work');
    if (!verified.ok) return verified.result;
    const { work, now } = verified;
    const parsed = parseSlashRequest(work.rawBody, { allowLocal: deps.allowLocal });
    if (!parsed.ok) {
      log.warn('signed work refused: invalid request', { problems: parsed.problems });
      return { kind: 'rejected', problems: parsed.problems };
    }
    const request = parsed.request;
    responseUrls.add(request.responseUrl);
    const who = { userId: request.userId, teamId: request.teamId, channelId: request.channelId };
    const svc = getServices();
    let message: SlackMessage;
    let outcome: SignedWorkOutcome['kind'] = 'claim-failed';
    if (svc.config === null) {
      log.error('slash command work not run: configuration missing or invalid', who);
      message = { text: misconfiguredText(), blocks: [] };
    } else {
      const done = await runSignedSlashWork(
        request,
        { key: signedRequestKey(work.timestamp, work.signature), timestampSeconds: Number(work.timestamp) },
        svc.config,
        svc,
        {
          now,
          selfFunctionName: null,
          patchFunctionName: deps.patchFunctionName,
          newRequestId: deps.newRequestId,
        },
      );
      outcome = done.outcome.kind;
      message = done.message;
      const o = done.outcome;
      if (o.kind === 'replayed') log.warn('slash command replay refused: already handled', who);
      else if (o.kind === 'claim-failed')
        log.error('slash command not run: claim failed', { ...who, error: o.error });
      else if (o.kind === 'answered') {
        if (o.error !== null)
          log.error('slash command work failed', { ...who, command: o.command, error: o.error });
      } else logOutcome(log, who, o.outcome);
    }
    const delivered = await svc.respond(request.responseUrl, message);
    if (delivered.ok) log.info('slash command answered', { ...who, outcome });
    else log.error('slash command answer undeliverable', { ...who, outcome, slackError: delivered.error });
    return { kind: 'signed-done', outcome, delivered: delivered.ok };
  }

  async function onSignedInteraction(event: unknown): Promise<SlackWorkResult> {
    const verified = verifiedWork(event, signedInteractionSchema, 'interaction');
    if (!verified.ok) return verified.result;
    const { work, now } = verified;
    const parsed = parseInteractionPayload(work.rawBody, { allowLocal: deps.allowLocal });
    if (!parsed.ok) {
      log.warn('signed interaction refused: invalid payload', { problems: parsed.problems });
      return { kind: 'rejected', problems: parsed.problems };
    }
    const click = parsed.interaction;
    responseUrls.add(click.responseUrl);
    const who = {
      userId: click.userId,
      teamId: click.teamId,
      channelId: click.channelId,
      actionId: click.actionId,
    };
    const svc = getServices();
    if (svc.config === null) {
      log.error('interaction not run: configuration missing or invalid', who);
      await svc.interactions.ephemeral(click.responseUrl, misconfiguredText());
      return { kind: 'rejected', problems: ['config: missing or invalid'] };
    }
    const outcome = await runSignedInteraction(
      click,
      { key: signedRequestKey(work.timestamp, work.signature), timestampSeconds: Number(work.timestamp) },
      svc.config,
      { ...svc, claims: svc.claims, runs: svc.runs, slack: svc.interactions },
      {
        now,
        selfFunctionName: null,
        patchFunctionName: deps.patchFunctionName,
        newRequestId: deps.newRequestId,
      },
    );
    logInteraction(log, who, outcome);
    return { kind: 'interaction-done', outcome };
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
    if ((event as { kind?: unknown }).kind === 'slack-command-signed') return onSigned(event);
    if ((event as { kind?: unknown }).kind === 'slack-interaction-signed') return onSignedInteraction(event);
    return onWork(event);
  };
}

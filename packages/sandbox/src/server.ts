import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClock } from './clock.ts';
import { demoFleet } from './demo-fleet.ts';
import { FaultInjector, faultRulesSchema } from './faults.ts';
import { type FleetPartition, formatPath } from './fleet.ts';
import {
  ApiError,
  jsonReply,
  newRequestId,
  type Reply,
  type SandboxRequest,
  type ServiceHandler,
} from './protocol/http.ts';
import { type RequestViolation, rejectionOf, validateRequest } from './protocol/validate.ts';
import {
  createDynamoDbHandler,
  createLedgerTables,
  DEFAULT_LEDGER_TABLE,
  startDynalite,
} from './services/dynamodb.ts';
import { createEc2Handler } from './services/ec2.ts';
import { createEksHandler } from './services/eks.ts';
import { DefaultEventBus, type SandboxEvent } from './services/events.ts';
import { createSlackSink, SLACK_API_PATH, SLACK_WEBHOOK_PATH } from './services/slack.ts';
import { blockActionsPayload, sendClick, signedInteractionRequest } from './services/slack-interactions.ts';
import { createSsmHandler, jsonProtocolError } from './services/ssm.ts';
import { accessKeyOf, CredentialRegistry, createStsHandler } from './services/sts.ts';
import { SandboxState } from './state.ts';
import type {
  AwsService,
  CallRecord,
  FaultRule,
  Sandbox,
  SandboxOptions,
  SlackClick,
  SlackClickResult,
} from './types/index.ts';
import { registerViolationSource } from './violations.ts';

const SERVICES = new Set<string>(['eks', 'ec2', 'ssm', 'sts', 'dynamodb']);

/** Which AWS service and region a request is for: SigV4 scope, then X-Amz-Target, then the Query Action, then the path. */
export function detectService(
  headers: IncomingMessage['headers'],
  url: URL,
  body: Buffer,
  defaultRegion: string,
): { service: AwsService | null; region: string } {
  const auth = String(headers.authorization ?? url.searchParams.get('X-Amz-Credential') ?? '');
  const scope =
    /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request/.exec(auth) ??
    /^[^/]+\/\d{8}\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request/.exec(auth);
  const region = scope?.[1] ?? defaultRegion;
  const target = String(headers['x-amz-target'] ?? '');
  if (target.startsWith('AmazonSSM.')) return { service: 'ssm', region };
  if (target.startsWith('DynamoDB_20120810.')) return { service: 'dynamodb', region };
  const scoped = scope?.[2];
  if (scoped !== undefined && SERVICES.has(scoped)) return { service: scoped as AwsService, region };
  const contentType = String(headers['content-type'] ?? '');
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const action = new URLSearchParams(body.toString('utf8')).get('Action');
    if (action === 'GetCallerIdentity' || action === 'AssumeRole') return { service: 'sts', region };
    if (action !== null) return { service: 'ec2', region };
  }
  if (url.pathname === '/clusters' || url.pathname.startsWith('/clusters/'))
    return { service: 'eks', region };
  return { service: null, region };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply, requestId: string = randomUUID()): void {
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body;
  res.writeHead(reply.status, {
    'x-amzn-requestid': requestId,
    ...reply.headers,
    'content-length': String(body.length),
    date: new Date().toUTCString(),
  });
  res.end(body);
}

/**
 * Starts the sandbox on 127.0.0.1 (and its embedded dynalite). Every service shares one endpoint.
 * The fleet is copied; the caller's object is never mutated.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const clock = createClock(options.now, { running: options.running ?? false });
  const fleet = options.fleet ?? demoFleet();
  const state = new SandboxState(fleet, clock);
  const faults = new FaultInjector();
  const slack = createSlackSink(() => clock.now());
  // Set once listening: response URLs of clicks point back at the sink.
  let endpointUrl = '';
  async function click(c: SlackClick): Promise<SlackClickResult> {
    for (const key of ['channel', 'ts', 'actionId', 'userId', 'url', 'signingSecret'] as const)
      if (typeof c[key] !== 'string' || c[key] === '') throw new Error(`click: ${key} is required`);
    const message = slack.message(c.channel, c.ts);
    if (!message) throw new Error(`click: no message ${c.ts} in ${c.channel}`);
    const nowMs = clock.now().getTime();
    const timestamp = c.timestamp ?? Math.floor(nowMs / 1000);
    const payload = blockActionsPayload({
      message,
      actionId: c.actionId,
      ...(c.value === undefined ? {} : { value: c.value }),
      userId: c.userId,
      responseUrl: slack.responseUrlFor(endpointUrl, message.channel, message.ts),
      actionTs: (nowMs / 1000).toFixed(6),
    });
    return sendClick(c, signedInteractionRequest(payload, c.signingSecret, timestamp));
  }
  let calls: CallRecord[] = [];
  // Requests that broke their operation's AWS model, until a test (or the guard) takes them.
  const violations: RequestViolation[] = [];
  const takeViolations = () => violations.splice(0);
  const unregisterViolations = registerViolationSource({ take: takeViolations });
  const dynalite = await startDynalite();
  // nodekeeper's ledger table exists as it does in a deployment: production code never creates it.
  try {
    await createLedgerTables(dynalite.port, [DEFAULT_LEDGER_TABLE, ...(options.ledgerTables ?? [])]);
  } catch (error) {
    unregisterViolations();
    await dynalite.close();
    throw error;
  }
  const registry = new CredentialRegistry(fleet.accountId);
  const shared = {
    sts: createStsHandler(fleet.roles ?? [], registry),
    dynamodb: createDynamoDbHandler(() => dynalite.port),
  };

  // One world per (account, region): the hub at the top level of the fleet file, then `partitions`.
  // Public parameters, images and EKS AMI releases are the same in every account of a region:
  // partitions inherit the hub's unless they name their own.
  const partitionKey = (accountId: string, region: string) => `${accountId}|${region}`;
  const worlds = new Map<
    string,
    { state: SandboxState; bus: DefaultEventBus; handlers: Record<AwsService, ServiceHandler> }
  >();
  const addWorld = (s: SandboxState) => {
    // Each (account, region) has its own default event bus: SSM's events land only there.
    const bus = new DefaultEventBus(s);
    return worlds.set(partitionKey(s.fleet.accountId, s.fleet.region), {
      state: s,
      bus,
      handlers: {
        eks: createEksHandler(s),
        ec2: createEc2Handler(s),
        ssm: createSsmHandler(s, bus),
        ...shared,
      },
    });
  };
  /** The default bus of (account, region); a region with no world has an empty one. */
  const busEvents = (accountId: string, region: string): SandboxEvent[] =>
    worlds.get(partitionKey(accountId, region))?.bus.events() ?? [];
  const inherit = (p: FleetPartition): FleetPartition => ({
    ...p,
    parameters: { ...fleet.parameters, ...p.parameters },
    images: [...fleet.images.filter((i) => !p.images.some((o) => o.imageId === i.imageId)), ...p.images],
    // AWS publishes a region's EKS AMI releases for every account.
    amiReleases: [
      ...(fleet.amiReleases ?? []).filter((r) => !(p.amiReleases ?? []).some((o) => o.imageId === r.imageId)),
      ...(p.amiReleases ?? []),
    ],
  });
  addWorld(state);
  // A fleet built in code (not parsed) may lack the multi-account fields.
  for (const p of fleet.partitions ?? []) addWorld(new SandboxState(inherit(p), clock));
  const states = () => [...worlds.values()].map((w) => w.state);
  /** The world a request reaches: its signer's account and its SigV4 region. */
  const worldOf = (accountId: string, region: string) => {
    const found = worlds.get(partitionKey(accountId, region));
    if (found) return found;
    // The hub's plain credentials reach the hub in any region (as before partitions existed);
    // another account in a region the file does not name is an empty account there.
    if (accountId === fleet.accountId) return worlds.get(partitionKey(fleet.accountId, fleet.region));
    addWorld(
      new SandboxState(
        inherit({
          ...fleet,
          accountId,
          region,
          launchTemplates: [],
          clusters: [],
          instances: [],
          images: [],
        }),
        clock,
      ),
    );
    return worlds.get(partitionKey(accountId, region));
  };

  function admin(method: string, url: URL, body: Buffer): Reply {
    const path = url.pathname;
    const json = (): unknown => {
      try {
        return body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch (err) {
        throw new ApiError(400, 'BadRequest', `invalid JSON: ${(err as Error).message}`);
      }
    };
    if (path === '/_sandbox/state' && method === 'GET') {
      const account = url.searchParams.get('account') ?? fleet.accountId;
      const region = url.searchParams.get('region') ?? fleet.region;
      const w = worlds.get(partitionKey(account, region));
      if (!w) return jsonReply(404, { error: `no partition for account ${account} region ${region}` });
      return jsonReply(200, w.state.snapshot());
    }
    if (path === '/_sandbox/events' && method === 'GET') {
      const account = url.searchParams.get('account') ?? fleet.accountId;
      return jsonReply(200, busEvents(account, url.searchParams.get('region') ?? fleet.region));
    }
    if (path === '/_sandbox/slack' && method === 'GET') return jsonReply(200, slack.posts);
    if (path === '/_sandbox/slack/messages' && method === 'GET') return jsonReply(200, slack.messages());
    if (path === '/_sandbox/slack' && method === 'DELETE') {
      slack.posts.length = 0;
      return jsonReply(200, { ok: true });
    }
    if (path === '/_sandbox/calls' && method === 'GET') return jsonReply(200, calls);
    if (path === '/_sandbox/violations' && method === 'GET') return jsonReply(200, violations);
    if (path === '/_sandbox/violations' && method === 'DELETE') return jsonReply(200, takeViolations());
    if (path === '/_sandbox/calls' && method === 'DELETE') {
      calls = [];
      return jsonReply(200, { ok: true });
    }
    if (path === '/_sandbox/faults' && method === 'GET') return jsonReply(200, faults.list());
    if (path === '/_sandbox/faults' && method === 'POST') {
      const parsed = faultRulesSchema.safeParse(json());
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
        return jsonReply(400, { error: 'invalid fault rules', issues });
      }
      faults.set(parsed.data as FaultRule[]);
      return jsonReply(200, faults.list());
    }
    if (path === '/_sandbox/clock' && method === 'GET')
      return jsonReply(200, { now: clock.now().toISOString() });
    if (path === '/_sandbox/clock' && method === 'POST') {
      const b = json() as { now?: unknown; advanceSeconds?: unknown };
      try {
        if (typeof b.now === 'string') clock.set(b.now);
        if (typeof b.advanceSeconds === 'number') clock.advance(b.advanceSeconds);
        if (typeof b.now !== 'string' && typeof b.advanceSeconds !== 'number') {
          return jsonReply(400, { error: 'expected {"now": ISO} or {"advanceSeconds": n}' });
        }
      } catch (err) {
        return jsonReply(400, { error: (err as Error).message });
      }
      for (const st of states()) st.tick();
      return jsonReply(200, { now: clock.now().toISOString() });
    }
    return jsonReply(404, { error: `no such sandbox endpoint: ${method} ${path}` });
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    if (url.pathname === '/_sandbox/slack/click' && method === 'POST') {
      // A button click, sent by the sandbox to the app as Slack would (answered asynchronously).
      try {
        send(res, jsonReply(200, await click(JSON.parse(body.toString('utf8') || '{}') as SlackClick)));
      } catch (err) {
        send(res, jsonReply(400, { error: (err as Error).message }));
      }
      return;
    }
    if (url.pathname.startsWith('/_sandbox/')) {
      try {
        send(res, admin(method, url, body));
      } catch (err) {
        send(res, jsonReply(err instanceof ApiError ? err.status : 500, { error: (err as Error).message }));
      }
      return;
    }
    if (url.pathname.startsWith('/slack/')) {
      const decision = faults.decide('slack', slack.operationOf(url.pathname));
      if (decision.latencyMs > 0) await sleep(decision.latencyMs);
      if (decision.reset) {
        req.socket.destroy();
        return;
      }
      const reply = slack.handle(url.pathname, req.headers, body, decision, {
        method,
        query: url.searchParams,
      });
      if (decision.slowMs > 0) await sleep(decision.slowMs);
      send(res, reply);
      return;
    }

    const { service, region } = detectService(req.headers, url, body, fleet.region);
    const caller = registry.callerOf(accessKeyOf({ headers: req.headers, query: url.searchParams }));
    const requestId = newRequestId();
    const at = clock.now().toISOString();
    if (service === null) {
      const fake = { requestId } as SandboxRequest;
      const reply = jsonProtocolError(
        fake,
        new ApiError(
          400,
          'UnknownOperationException',
          `The sandbox cannot tell which AWS service ${method} ${url.pathname} is for`,
        ),
      );
      calls.push({
        service: 'unknown',
        operation: `${method} ${url.pathname}`,
        region,
        accountId: caller.accountId,
        status: reply.status,
        at,
      });
      send(res, reply);
      return;
    }
    const world = worldOf(caller.accountId, region);
    if (world === undefined) throw new Error(`no world for ${caller.accountId} ${region}`);
    const handler = world.handlers[service];
    const base = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      service,
      region,
      requestId,
    };
    const operation = handler.operationOf(base);
    const sbReq: SandboxRequest = { ...base, operation };
    const broken = operation.startsWith('Unknown:') ? [] : validateRequest(service, operation, base);
    violations.push(...broken);
    const rejection = rejectionOf(service, broken);
    const decision = faults.decide(service, operation, `${caller.accountId}|${region}`);
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (decision.reset) {
      calls.push({ service, operation, region, accountId: caller.accountId, status: 0, at });
      req.socket.destroy();
      return;
    }
    let reply: Reply;
    if (decision.throttled) {
      reply = handler.errorReply(sbReq, handler.throttleError());
    } else if (decision.error) {
      const e = decision.error;
      const err = new ApiError(
        e.status,
        e.code ?? handler.defaultErrorCode(e.status),
        e.message ?? 'Injected fault',
        {
          ...(e.retryAfterSeconds !== undefined ? { retryAfterSeconds: e.retryAfterSeconds } : {}),
        },
      );
      reply = handler.errorReply(sbReq, err);
    } else if (rejection) {
      reply = handler.errorReply(sbReq, rejection);
    } else {
      try {
        reply = await handler.handle(sbReq);
      } catch (err) {
        const apiErr =
          err instanceof ApiError
            ? err
            : new ApiError(
                500,
                handler.defaultErrorCode(500),
                `sandbox internal error: ${(err as Error).message}`,
                { cause: err },
              );
        reply = handler.errorReply(sbReq, apiErr);
      }
    }
    if (decision.slowMs > 0) await sleep(decision.slowMs);
    calls.push({ service, operation, region, accountId: caller.accountId, status: reply.status, at });
    send(res, reply, requestId);
  }

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        send(res, jsonReply(500, { message: `sandbox internal error: ${(err as Error).message}` }));
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  }).catch(async (err: unknown) => {
    await dynalite.close();
    throw err;
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  endpointUrl = endpoint;
  let closed: Promise<void> | null = null;

  return {
    endpoint,
    port,
    slackWebhookUrl: `${endpoint}${SLACK_WEBHOOK_PATH}`,
    slackApiUrl: `${endpoint}${SLACK_API_PATH}`,
    clock: {
      now: () => clock.now(),
      set: (iso) => {
        clock.set(iso);
        for (const st of states()) st.tick();
      },
      advance: (seconds) => {
        clock.advance(seconds);
        for (const st of states()) st.tick();
      },
    },
    state: (accountId, region) => {
      const w = worlds.get(partitionKey(accountId ?? fleet.accountId, region ?? fleet.region));
      if (!w) throw new Error(`no partition for account ${accountId} region ${region}`);
      return w.state.snapshot();
    },
    issuedCredentials: (roleArn) => registry.issuedCount(roleArn),
    events: (accountId, region) => busEvents(accountId ?? fleet.accountId, region ?? fleet.region),
    slackPosts: () => structuredClone(slack.posts),
    slackMessages: () => slack.messages(),
    slackReads: () => structuredClone(slack.reads),
    slackClick: click,
    calls: () => structuredClone(calls),
    takeViolations,
    resetCalls: () => {
      calls = [];
    },
    setFaults: (rules) => faults.set(faultRulesSchema.parse(rules) as FaultRule[]),
    close: () => {
      closed ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const s of sockets) s.destroy();
        });
        await dynalite.close();
        unregisterViolations(takeViolations());
      })();
      return closed;
    },
  };
}

/**
 * The scheduled path (scan → durable rollout workflows → EKS/EC2/SSM/DynamoDB/Slack) against a
 * sandbox in a child process, with faults injected per operation class, and the invariants the
 * issue names, checked against the sandbox's state and calls and the ledger after every run.
 */
import { setTimeout as sleepReal } from 'node:timers/promises';
import {
  type AwsClients,
  createClients,
  createLedger,
  createLedgerTable,
  createPausePort,
  createRecallStore,
  createRolloutPort,
  inspectFleet,
} from '@nodekeeper/aws';
import { type Config, parseConfig } from '@nodekeeper/core/config';
import {
  type LedgerPort,
  type NotifyPort,
  type PollScheduleConfig,
  type RolloutDeps,
  type RolloutRecord,
  type RolloutRequest,
  rolloutKey,
  type WorkflowStarter,
} from '@nodekeeper/core/rollout';
import { createClock, type FaultRule, type FleetFile } from '@nodekeeper/sandbox';
import { createNotifier, type FetchLike } from '@nodekeeper/slack';
import { logger } from '../../../functions/lib/logger.ts';
import { notifyPortFrom } from '../../../functions/lib/notify.ts';
import { parseScanEvent, runScan, type ScanResult } from '../../../functions/lib/scan.ts';
import { Canary, canaryHits } from '../../helpers/canary.ts';
import { prodAFleet, SCAN_TIME, scheduledEvent } from '../../helpers/fixtures.ts';
import { createLocalWorkflowStarter } from '../../support/local-starter.ts';
import { type RemoteSandbox, startRemoteSandbox } from './remote-sandbox.ts';

export const region = 'us-east-1';
export const credentials = { accessKeyId: 'AKIDFAULTS', secretAccessKey: 'faults-secret' };
export const pauseParameter = '/nodekeeper/pause';
/** Client timeouts of the fault runs: short, so "slower than the client timeout" is cheap to inject. */
export const timeouts = { connectTimeoutMs: 400, requestTimeoutMs: 400 } as const;
/** Answers this much slower than the request timeout. */
export const SLOW_MS = 500;
const poll: PollScheduleConfig = { initialSeconds: 1, maxSeconds: 1, backoffRate: 1, maxTotalSeconds: 60 };
export const MUTATING = new Set([
  'UpdateNodegroupVersion',
  'CreateLaunchTemplateVersion',
  'ModifyLaunchTemplate',
  'SendCommand',
]);

/** prod-a of the demo fleet: general (release version), custom (launch template), gpu (update fails). */
export const rolloutFleet = (updateSeconds = 0): FleetFile => prodAFleet(updateSeconds);

export const config: Config = parseConfig({
  regions: [region],
  clusters: ['prod-a'],
  maxConcurrentPerCluster: 10,
});

export { scheduledEvent };

/** Slack attempts seen by the notifier's fetch (the sink does not record failed ones). */
export interface SlackWire {
  attempts: number;
  failures: number;
}

export interface World {
  sb: RemoteSandbox;
  table: string;
  home: AwsClients;
  /** Clients without faults' timeouts shortened, to read the truth after a run. */
  ledger: LedgerPort;
  slackWire: SlackWire;
  /** A fresh set of adapters, as a new process would build them. */
  deps(): RolloutDeps;
  close(): Promise<void>;
}

let tables = 0;

/** Starts a sandbox for one run and builds adapters the way the functions do (short timeouts). */
export async function createWorld(
  options: { fleet?: FleetFile; slack?: 'webhook' | 'bot' } = {},
): Promise<World> {
  // One clock: the child sandbox's and the workflows' both start at the scan's time and run.
  const sb = await startRemoteSandbox(options.fleet ?? rolloutFleet(), SCAN_TIME);
  const clock = createClock(SCAN_TIME, { running: true });
  tables += 1;
  const table = `faults-${process.pid}-${tables}`;
  const clientsFor = () =>
    createClients({ region, endpoint: sb.endpoint, credentials, ...timeouts, maxAttempts: 3 });
  const home = clientsFor();
  await createLedgerTable(home.dynamodb, table);
  const slackWire: SlackWire = { attempts: 0, failures: 0 };
  const countingFetch: FetchLike = async (url, init) => {
    slackWire.attempts += 1;
    try {
      const res = await fetch(url, init);
      if (!res.ok) slackWire.failures += 1;
      return res;
    } catch (error) {
      slackWire.failures += 1;
      throw error;
    }
  };
  const mode = options.slack ?? 'webhook';
  const built: AwsClients[] = [home];
  const deps = (): RolloutDeps => {
    const clients = clientsFor();
    built.push(clients);
    const notifier = createNotifier({
      ...(mode === 'bot'
        ? { botToken: Canary.botToken, channel: 'C0NODEKEEP', apiBaseUrl: sb.slackApiUrl }
        : { webhookUrl: sb.webhookUrl(Canary.webhookPath) }),
      allowInsecureLocalUrls: true,
      logger,
      fetch: countingFetch,
      timeoutMs: timeouts.requestTimeoutMs,
      baseBackoffMs: 20,
      maxBackoffMs: 100,
      maxRetryAfterSeconds: 2,
    });
    const notify: NotifyPort = notifyPortFrom(notifier);
    return {
      aws: createRolloutPort(() => clients),
      ledger: createLedger(clients.dynamodb, { tableName: table }),
      pause: createPausePort(clients.ssm, pauseParameter),
      recalls: createRecallStore(clients.dynamodb, { tableName: table }),
      notify,
      now: () => clock.now(),
    };
  };
  return {
    sb,
    table,
    home,
    ledger: createLedger(home.dynamodb, { tableName: table }),
    slackWire,
    deps,
    async close() {
      for (const c of built) c.destroy();
      await sb.close();
    },
  };
}

/** A starter that remembers every request it was asked to start, and can act before the first one. */
export function recordingStarter(
  inner: WorkflowStarter,
  beforeFirst: () => Promise<void> = async () => undefined,
): WorkflowStarter & { requests: Map<string, RolloutRequest> } {
  const requests = new Map<string, RolloutRequest>();
  let first: Promise<void> | null = null;
  return {
    requests,
    async start(input) {
      requests.set(input.executionName, input.request);
      first ??= beforeFirst();
      await first;
      return inner.start(input);
    },
  };
}

export interface ScanRun {
  results: ScanResult[];
  scanErrors: string[];
  requests: Map<string, RolloutRequest>;
  executions: Array<{ executionName: string; outcome: string | null; error: string | null }>;
}

/**
 * One scheduled run: the event is delivered (and redelivered, as EventBridge does when the scan
 * fails, up to `deliveries` times), then every workflow it started runs to its end.
 */
export async function scheduledRun(
  world: World,
  options: {
    eventId: string;
    /** Faults to set when the first workflow starts (after the scan planned). */
    workflowFaults?: FaultRule[];
    deliveries?: number;
    /** Concurrent deliveries of the same event (two scan invocations sharing nothing). */
    concurrent?: number;
  },
): Promise<ScanRun> {
  const concurrent = options.concurrent ?? 1;
  const requests = new Map<string, RolloutRequest>();
  const settled: Array<ReturnType<ReturnType<typeof createLocalWorkflowStarter>['settled']>> = [];
  const results: ScanResult[] = [];
  const scanErrors: string[] = [];
  const once = async () => {
    const deps = world.deps();
    const local = createLocalWorkflowStarter({ deps: () => deps, poll });
    const starter = recordingStarter(local, async () => {
      if (options.workflowFaults) await world.sb.setFaults(options.workflowFaults);
    });
    const clients = createClients({ region, endpoint: world.sb.endpoint, credentials, ...timeouts });
    try {
      for (let delivery = 1; delivery <= (options.deliveries ?? 3); delivery += 1) {
        try {
          const result = await runScan(parseScanEvent(scheduledEvent(options.eventId)), {
            config,
            inspect: (t) =>
              inspectFleet({
                clients,
                accountId: t.accountId,
                region: t.region,
                clusterPatterns: t.clusters,
                logger,
              }),
            pause: deps.pause,
            starter,
            notifier: createNotifier({
              webhookUrl: world.sb.webhookUrl(Canary.webhookPath),
              allowInsecureLocalUrls: true,
              logger,
              timeoutMs: timeouts.requestTimeoutMs,
              baseBackoffMs: 20,
            }),
            ledger: deps.ledger,
            now: deps.now,
          });
          results.push(result);
          break;
        } catch (error) {
          scanErrors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
        }
      }
      for (const [k, v] of starter.requests) requests.set(k, v);
      settled.push(local.settled());
    } finally {
      clients.destroy();
    }
  };
  await Promise.all(Array.from({ length: concurrent }, once));
  const executions = (await Promise.all(settled)).flat().map((e) => ({
    executionName: e.executionName,
    outcome: e.summary?.outcome ?? null,
    error: e.error,
  }));
  return { results, scanErrors, requests, executions };
}

/** Waits (real time) until slow answers still being held by the sandbox have been sent. */
export function drainSlowAnswers(): Promise<void> {
  return sleepReal(SLOW_MS + 200);
}

export interface InvariantReport {
  /** Name → problems (empty: held). */
  checks: Record<string, string[]>;
  held: boolean;
}

const FINAL = new Set(['succeeded', 'failed', 'not-started']);

/**
 * The issue's invariants, from the sandbox's state, EKS's update list, the Slack sink, the
 * captured log lines and the ledger:
 * - at-most-once: ≤1 nodekeeper launch template version per (template, image) and ≤1 EKS update
 *   per node group and target;
 * - recorded: every rollout the scan asked for has a final ledger record;
 * - slack-once: every failure (failed / not-started) reached Slack exactly once, or was logged as
 *   undeliverable; no notice was posted twice;
 * - ledger-agrees: succeeded ⇒ the node group runs the target; an EKS update exists ⇔ the ledger
 *   names it; a failed update is Failed in EKS;
 * - no-secret: no canary in any log line or error.
 */
export async function checkInvariants(
  world: World,
  run: { requests: Map<string, RolloutRequest>; executions: ScanRun['executions'] },
  logLines: string[],
  errors: unknown[] = [],
): Promise<InvariantReport> {
  const checks: Record<string, string[]> = {
    'at-most-once': [],
    recorded: [],
    'slack-once': [],
    'ledger-agrees': [],
    'no-secret': [],
  };
  const state = await world.sb.state();
  const posts = await world.sb.slackPosts();
  const port = createRolloutPort(() => world.home);
  const cluster = state.clusters.find((c) => c.name === 'prod-a');

  // at-most-once: launch template versions nodekeeper created, per (template, image).
  for (const lt of state.launchTemplates) {
    const mine = lt.versions.filter((v) =>
      String((v as { versionDescription?: unknown }).versionDescription ?? '').startsWith('nodekeeper:'),
    );
    const byImage = new Map<string, number>();
    for (const v of mine) byImage.set(v.imageId ?? '', (byImage.get(v.imageId ?? '') ?? 0) + 1);
    for (const [image, n] of byImage)
      if (n > 1) checks['at-most-once']?.push(`${lt.launchTemplateId}: ${n} versions for ${image}`);
  }

  const requests = [...run.requests.values()];
  const records = new Map<string, RolloutRecord | null>();
  for (const request of requests)
    records.set(rolloutKey(request), await world.ledger.get(rolloutKey(request)));

  for (const ng of cluster?.nodegroups ?? []) {
    const ref = { accountId: null, region, cluster: 'prod-a', nodegroup: ng.name };
    const updates = await port.listUpdates(ref, 100);
    if (updates.length > 1) checks['at-most-once']?.push(`${ng.name}: ${updates.length} EKS updates`);
    const request = requests.find((r) => r.nodegroup === ng.name);
    const record = request ? (records.get(rolloutKey(request)) ?? null) : null;
    // ledger-agrees: an update exists ⇔ the ledger names it.
    for (const id of updates) {
      if (record?.updateId !== id)
        checks['ledger-agrees']?.push(
          `${ng.name}: EKS update ${id} but the ledger says ${record ? `${record.outcome} (${record.updateId})` : 'nothing'}`,
        );
      else if (record.outcome === 'failed') {
        const u = await port.describeUpdate(ref, id);
        if (u.kind === 'found' && u.update.status === 'Successful')
          checks['ledger-agrees']?.push(`${ng.name}: ledger failed but EKS update ${id} succeeded`);
      }
    }
    if (record?.outcome === 'succeeded' && request) {
      const onTarget =
        request.strategy === 'launch-template'
          ? ng.launchTemplate?.version === record.launchTemplateVersion
          : ng.releaseVersion === request.target.releaseVersion;
      if (!onTarget) checks['ledger-agrees']?.push(`${ng.name}: ledger succeeded but AWS is not on target`);
    }
    if (record?.updateId && !updates.includes(record.updateId))
      checks['ledger-agrees']?.push(`${ng.name}: ledger names update ${record.updateId}, EKS does not`);
  }

  // recorded: every requested rollout ends final in the ledger.
  for (const request of requests) {
    const record = records.get(rolloutKey(request)) ?? null;
    if (record === null) checks.recorded?.push(`${request.nodegroup}: no ledger record (vanished)`);
    else if (!FINAL.has(record.outcome))
      checks.recorded?.push(`${request.nodegroup}: ledger outcome ${record.outcome}`);
  }

  // slack-once: per rollout and event, at most one post; every failure posted once or logged undeliverable.
  const texts = posts.map((p) => String((p.body as { text?: unknown }).text ?? ''));
  for (const request of requests) {
    const label = `prod-a/${request.nodegroup}`;
    for (const event of ['started', 'succeeded', 'failed', 'not started']) {
      const n = texts.filter((t) => t.startsWith(`Rollout ${event}:`) && t.includes(label)).length;
      if (n > 1) checks['slack-once']?.push(`${label}: ${n} "${event}" posts`);
    }
    const record = records.get(rolloutKey(request)) ?? null;
    if (record && (record.outcome === 'failed' || record.outcome === 'not-started')) {
      const event = record.outcome === 'failed' ? 'failed' : 'not started';
      const posted = texts.filter((t) => t.startsWith(`Rollout ${event}:`) && t.includes(label)).length;
      const logged = logLines.some(
        (l) =>
          l.includes('slack notification undeliverable') &&
          l.includes(`"nodegroup":"${request.nodegroup}"`) &&
          l.includes(`"event":"${record.outcome}"`),
      );
      if (posted === 0 && !logged)
        checks['slack-once']?.push(`${label}: ${record.outcome} neither posted nor logged undeliverable`);
    }
  }

  // no-secret: canaries in logs, errors, execution errors.
  const hits = canaryHits([...logLines, ...errors, ...run.executions.map((e) => e.error ?? '')]);
  for (const h of hits) checks['no-secret']?.push(`${h.canary}: …${h.excerpt}…`);

  return { checks, held: Object.values(checks).every((p) => p.length === 0) };
}

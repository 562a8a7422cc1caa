import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AwsClients,
  createApprovalStore,
  createClients,
  createLedger,
  createLedgerTable,
  createPausePort,
  createTargetClientCache,
  inspectTarget,
  setPauseState,
} from '@nodekeeper/aws';
import { type Config, parseConfig } from '@nodekeeper/core/config';
import { type Plan, type PlanItem, SkipReason, type Strategy } from '@nodekeeper/core/plan';
import { type LedgerPort, type RolloutRecord, rolloutKey } from '@nodekeeper/core/rollout';
import { demoFleet, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseScanEvent, planScan, runScan, type ScanDeps } from '../../functions/lib/scan.ts';
import { repoRoot, runCli, sandboxEnv } from '../helpers/cli.ts';
import { SCAN_TIME, scheduledEvent } from '../helpers/fixtures.ts';

/**
 * One plan pipeline: for the same fleet (the sandbox), config, ledger and time, `nodekeeper plan
 * --json` and the scheduled scan plan exactly the same items, including the facts the ledger and
 * the pause flag hold (a failed rollout, an approval, a rollout in flight, who paused and why) and
 * when the ledger cannot be read.
 */

const region = 'us-east-1';
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'sandbox' };
const configFile = 'examples/demo/nodekeeper.config.json';
const config: Config = parseConfig(JSON.parse(readFileSync(join(repoRoot, configFile), 'utf8')));
const DAY_MS = 86_400_000;

let tables = 0;

/** A ledger table and pause parameter of its own, and the scan's deps over them (as the handler builds them). */
async function world(sb: Sandbox) {
  tables += 1;
  const ledgerTable = `plan-eq-${tables}`;
  const pauseParameter = `/nodekeeper/plan-eq-${tables}/pause`;
  const home: AwsClients = createClients({ region, endpoint: sb.endpoint, credentials });
  await createLedgerTable(home.dynamodb, ledgerTable);
  const targets = createTargetClientCache({
    homeRegion: region,
    roles: new Map(),
    endpoint: sb.endpoint,
    credentials,
  });
  const ledger = createLedger(home.dynamodb, { tableName: ledgerTable });
  const deps: Pick<ScanDeps, 'config' | 'inspect' | 'pause' | 'approvals' | 'ledger'> = {
    config,
    inspect: (target, onCluster) => inspectTarget(targets, target, onCluster ? { onCluster } : {}),
    pause: createPausePort(home.ssm, pauseParameter),
    ledger: ledger as LedgerPort,
    approvals: createApprovalStore(home.dynamodb, { tableName: ledgerTable }),
  };
  const env = sandboxEnv(sb.endpoint, {
    NODEKEEPER_LEDGER_TABLE: ledgerTable,
    NODEKEEPER_PAUSE_PARAMETER: pauseParameter,
  });
  return { home, ledger, deps, env, pauseParameter, ledgerTable };
}

function record(
  now: Date,
  fields: {
    cluster: string;
    nodegroup: string;
    strategy?: Strategy;
    wave: string;
    from: string;
    to: string;
    outcome: RolloutRecord['outcome'];
    startedDaysAgo: number;
    finishedDaysAgo?: number;
    reason?: string;
  },
): RolloutRecord {
  const strategy = fields.strategy ?? 'release-version';
  const target = { releaseVersion: fields.to, imageId: null };
  const at = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
  return {
    key: rolloutKey({
      accountId: null,
      region,
      cluster: fields.cluster,
      nodegroup: fields.nodegroup,
      strategy,
      target,
    }),
    accountId: null,
    region,
    cluster: fields.cluster,
    nodegroup: fields.nodegroup,
    strategy,
    wave: fields.wave,
    from: { releaseVersion: fields.from, imageId: null },
    to: target,
    attempt: 1,
    updateId: fields.outcome === 'not-started' ? null : `upd-${fields.cluster}-${fields.nodegroup}`,
    launchTemplateVersion: null,
    outcome: fields.outcome,
    reason: fields.reason ?? null,
    message: null,
    errors:
      fields.outcome === 'failed'
        ? [{ errorCode: 'PodEvictionFailure', errorMessage: 'evictions blocked', resourceIds: [] }]
        : [],
    createdAt: at(fields.startedDaysAgo),
    startedAt: fields.outcome === 'not-started' ? null : at(fields.startedDaysAgo),
    finishedAt: fields.finishedDaysAgo === undefined ? null : at(fields.finishedDaysAgo),
    slackThreadTs: null,
  };
}

/** `nodekeeper plan --json` as of `now` through the real bin. */
async function cliPlan(env: Record<string, string>, now: Date) {
  const result = await runCli(['plan', '--config', configFile, '--now', now.toISOString(), '--json'], env);
  return { ...result, plan: JSON.parse(result.stdout) as Plan };
}

/** The scan's items as they would travel as JSON (absent and undefined fields alike). */
function asJson(items: readonly PlanItem[]): PlanItem[] {
  return JSON.parse(JSON.stringify(items)) as PlanItem[];
}

const byName = (items: readonly PlanItem[]) => new Map(items.map((i) => [`${i.cluster}/${i.nodegroup}`, i]));

describe('one plan pipeline: nodekeeper plan and the scan', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    // One clock: the sandbox's, pinned at the scan's time; every dependency and the CLI's --now read it.
    sb = await startSandbox({ fleet: demoFleet(), now: SCAN_TIME });
  });
  afterAll(() => sb.close());
  afterEach(() => sb.setFaults([]));

  describe('when the ledger holds a failed rollout, an approval and a rollout in flight', () => {
    it('plans exactly the same items, and the scan starts exactly the roll items', async () => {
      const w = await world(sb);
      const now = sb.clock.now();
      // dev failed on al2023 20261110 (the breaker halts it); prod is approved to take it anyway.
      await w.ledger.create(
        record(now, {
          cluster: 'dev-a',
          nodegroup: 'general',
          wave: 'dev',
          from: '1.32.9-20261001',
          to: '1.32.9-20261110',
          outcome: 'failed',
          startedDaysAgo: 3,
          finishedDaysAgo: 3,
        }),
      );
      await createApprovalStore(w.home.dynamodb, { tableName: w.ledgerTable }).record({
        release: '20261110',
        family: 'al2023',
        wave: 'prod',
        by: 'alice',
        at: new Date(now.getTime() - DAY_MS).toISOString(),
      });
      // A rollout the ledger shows started minutes ago that EKS does not show yet.
      await w.ledger.create(
        record(now, {
          cluster: 'prod-b',
          nodegroup: 'bottlerocket',
          wave: 'prod',
          from: '1.49.0-1a2b3c4d',
          to: '1.50.0-abcdef12',
          outcome: 'started',
          startedDaysAgo: 10 / 1440,
        }),
      );

      const cli = await cliPlan(w.env, now);
      expect(cli.code).toBe(0);
      const scanned = await planScan(
        parseScanEvent(scheduledEvent('evt-history', now.toISOString())),
        w.deps,
      );

      expect(cli.plan.items).toEqual(asJson(scanned.plan.items));
      expect(cli.plan.generatedAt).toBe(scanned.plan.generatedAt);
      // The history mattered: without it these items would differ.
      const items = byName(cli.plan.items);
      expect(items.get('dev-a/general')).toMatchObject({ decision: 'skip', reason: SkipReason.halted });
      expect(items.get('prod-b/bottlerocket')).toMatchObject({
        decision: 'skip',
        reason: SkipReason.updateInProgress,
      });
      expect(items.get('prod-b/bottlerocket')?.message).toContain('the ledger shows a rollout started');
      // The approval lifts the breaker for prod: it waits for the dev wave instead of halting.
      expect(items.get('prod-a/general')).toMatchObject({ decision: 'skip', reason: SkipReason.waveGate });
      expect(items.get('prod-b/golden')).toMatchObject({ decision: 'roll', wave: 'prod' });

      // The scan starts one rollout per roll item, numbered from the same records.
      const started: string[] = [];
      const result = await runScan(parseScanEvent(scheduledEvent('evt-history', now.toISOString())), {
        ...w.deps,
        starter: {
          async start(input) {
            started.push(`${input.request.cluster}/${input.request.nodegroup}`);
            return { kind: 'started' };
          },
        },
        notifier: null,
        ledger: w.ledger as LedgerPort,
        now: () => sb.clock.now(),
      });
      const rolls = cli.plan.items
        .filter((i) => i.decision === 'roll')
        .map((i) => `${i.cluster}/${i.nodegroup}`);
      expect(started.sort()).toEqual(rolls.sort());
      expect(result.counts.roll).toBe(rolls.length);
    });
  });

  describe('when an operator paused rollouts with a reason', () => {
    it('plans the same items, each naming who paused, when and why', async () => {
      const w = await world(sb);
      const now = sb.clock.now();
      const at = new Date(now.getTime() - 3_600_000).toISOString();
      await setPauseState(w.home.ssm, w.pauseParameter, {
        paused: true,
        reason: 'INC-42 freeze',
        by: 'bob',
        at,
      });

      const cli = await cliPlan(w.env, now);
      expect(cli.code).toBe(0);
      const scanned = await planScan(parseScanEvent(scheduledEvent('evt-paused', now.toISOString())), w.deps);

      expect(cli.plan.items).toEqual(asJson(scanned.plan.items));
      const paused = cli.plan.items.filter((i) => i.reason === SkipReason.paused);
      expect(paused.length).toBeGreaterThan(0);
      for (const item of paused)
        expect(item.message).toBe(`rollouts are paused by bob at ${at}: INC-42 freeze`);
    });
  });

  describe('when the ledger cannot be read', () => {
    it('plans the same items, holding every rollout, and both shells report the failure', async () => {
      const w = await world(sb);
      const now = sb.clock.now();
      sb.setFaults([
        { service: 'dynamodb', operation: 'Query', error: { status: 400, code: 'AccessDeniedException' } },
      ]);

      const cli = await cliPlan(w.env, now);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain('ledger unreadable, every rollout held');
      const scanned = await planScan(
        parseScanEvent(scheduledEvent('evt-unreadable', now.toISOString())),
        w.deps,
      );

      expect(cli.plan.items).toEqual(asJson(scanned.plan.items));
      expect(cli.plan.items.filter((i) => i.decision === 'roll')).toEqual([]);
      expect(cli.plan.items.filter((i) => i.reason === SkipReason.stateUnreadable).length).toBeGreaterThan(0);
      await expect(
        runScan(parseScanEvent(scheduledEvent('evt-unreadable', now.toISOString())), {
          ...w.deps,
          starter: {
            start: async () => {
              throw new Error('nothing starts while the ledger is unreadable');
            },
          },
          notifier: null,
          ledger: w.ledger as LedgerPort,
          now: () => sb.clock.now(),
        }),
      ).rejects.toThrow(/ledger unreadable, every rollout held/);
    });
  });
});

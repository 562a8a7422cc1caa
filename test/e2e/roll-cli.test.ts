import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyCommand } from '../../packages/cli/src/commands/history.ts';
import { rollCommand } from '../../packages/cli/src/commands/roll.ts';
import type { CommandContext } from '../../packages/cli/src/types/index.ts';
import { prodAFleet } from '../helpers/fixtures.ts';

const MUTATING = new Set(['UpdateNodegroupVersion', 'CreateLaunchTemplateVersion']);

let sb: Sandbox;
let dir: string;
const saved = { ...process.env };

function context(out: string[], err: string[]): CommandContext {
  return {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env: process.env,
    cwd: dir,
    interactive: false,
  };
}

async function cli(command: typeof rollCommand, args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await command.run(args, context(out, err));
  return { code, out: out.join(''), err: err.join('') };
}

beforeAll(async () => {
  sb = await startSandbox({ fleet: prodAFleet(), port: 0, ledgerTables: ['cli-ledger'] });
  dir = mkdtempSync(join(tmpdir(), 'nk-roll-'));
  writeFileSync(
    join(dir, 'nodekeeper.config.json'),
    JSON.stringify({ regions: ['us-east-1'], clusters: ['prod-a'], maxConcurrentPerCluster: 3 }),
  );
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: sb.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDSANDBOX',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
    NODEKEEPER_LEDGER_TABLE: 'cli-ledger',
    NODEKEEPER_SLACK_WEBHOOK_URL: sb.slackWebhookUrl,
    NODEKEEPER_SLACK_ALLOW_LOCAL: '1',
  });
});

afterAll(async () => {
  process.env = { ...saved };
  await sb.close();
});

describe('nodekeeper roll', () => {
  describe('without --apply', () => {
    it('prints the plan and changes nothing', async () => {
      sb.resetCalls();
      const r = await cli(rollCommand, ['--json', '--now', '2026-11-24T03:00:00Z']);
      expect(r.code).toBe(0);
      const items = JSON.parse(r.out).items as Array<{
        nodegroup: string;
        decision: string;
        outcome: unknown;
      }>;
      expect(items.filter((i) => i.decision === 'roll').map((i) => i.outcome)).toEqual([null, null, null]);
      expect(sb.calls().filter((c) => MUTATING.has(c.operation))).toEqual([]);
    });
  });

  describe('when the config has a maintenance window and --now is outside it', () => {
    it('plans outside-window, and with --ignore-window plans the rolls (still without starting any)', async () => {
      writeFileSync(
        join(dir, 'windowed.config.json'),
        JSON.stringify({
          regions: ['us-east-1'],
          clusters: ['prod-a'],
          maxConcurrentPerCluster: 3,
          schedule: { cron: 'cron(0 3 ? * TUE-THU *)', timezone: 'Europe/Berlin', windowMinutes: 240 },
        }),
      );
      sb.resetCalls();
      const sunday = ['--config', 'windowed.config.json', '--json', '--now', '2026-11-22T03:00:00Z'];
      const outside = JSON.parse((await cli(rollCommand, sunday)).out).items as Array<{ reason: string }>;
      expect(outside.map((i) => i.reason)).toEqual(['outside-window', 'outside-window', 'outside-window']);
      const ignored = await cli(rollCommand, [...sunday, '--ignore-window']);
      expect(ignored.code).toBe(0);
      const items = JSON.parse(ignored.out).items as Array<{ decision: string; outcome: unknown }>;
      expect(items.map((i) => `${i.decision}:${String(i.outcome)}`)).toEqual([
        'roll:null',
        'roll:null',
        'roll:null',
      ]);
      expect(sb.calls().filter((c) => MUTATING.has(c.operation))).toEqual([]);
    });
  });

  describe('with --apply --wait', () => {
    it('rolls, follows each update, exits 3 for the failed group, and a rerun is held by the breaker', async () => {
      const r = await cli(rollCommand, ['--apply', '--wait', '--poll-seconds', '1', '--json']);
      expect(r.code).toBe(3);
      const items = JSON.parse(r.out).items as Array<{
        nodegroup: string;
        outcome: string;
        errors: Array<{ errorCode: string }>;
      }>;
      const byNg = Object.fromEntries(items.map((i) => [i.nodegroup, i]));
      expect(byNg.general?.outcome).toBe('succeeded');
      expect(byNg.custom?.outcome).toBe('succeeded');
      expect(byNg.gpu?.outcome).toBe('failed');
      expect(byNg.gpu?.errors[0]?.errorCode).toBe('PodEvictionFailure');

      sb.resetCalls();
      const posts = sb.slackPosts().length;
      const again = await cli(rollCommand, ['--apply', '--wait', '--poll-seconds', '1', '--json']);
      // The rerun plans with the ledger's history (as `plan` does): the failed release is halted.
      expect(again.code).toBe(0);
      const rerun = JSON.parse(again.out).items as Array<{
        nodegroup: string;
        decision: string;
        reason: string | null;
        outcome: string;
      }>;
      expect(rerun.map((i) => `${i.nodegroup}:${i.decision}:${i.reason ?? '-'}`).sort()).toEqual([
        'custom:current:-',
        'general:current:-',
        'gpu:skip:halted',
      ]);
      expect(sb.calls().filter((c) => MUTATING.has(c.operation))).toEqual([]);
      expect(sb.slackPosts().length).toBe(posts);

      const history = await cli(historyCommand, ['--cluster', 'prod-a', '--json']);
      expect(history.code).toBe(0);
      const records = JSON.parse(history.out).items as Array<{ nodegroup: string; outcome: string }>;
      expect(records.map((x) => `${x.nodegroup}:${x.outcome}`).sort()).toEqual([
        'custom:succeeded',
        'general:succeeded',
        'gpu:failed',
      ]);
    });
  });

  describe('with bad flags', () => {
    it('rejects --wait without --apply', async () => {
      await expect(cli(rollCommand, ['--wait'])).rejects.toThrow(/--wait needs --apply/);
    });
  });
});

describe('nodekeeper roll --apply --wait when rollout.maxWaitHours runs out', () => {
  let long: Sandbox;
  const before = { ...process.env };
  beforeAll(async () => {
    // Updates that take an hour; the config waits 0.001 h (3.6 s).
    long = await startSandbox({ fleet: prodAFleet(3600), port: 0, ledgerTables: ['cli-ledger-short-wait'] });
    writeFileSync(
      join(dir, 'short-wait.config.json'),
      JSON.stringify({
        regions: ['us-east-1'],
        clusters: ['prod-a'],
        maxConcurrentPerCluster: 3,
        rollout: { maxWaitHours: 0.001 },
      }),
    );
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: long.endpoint,
      NODEKEEPER_LEDGER_TABLE: 'cli-ledger-short-wait',
      NODEKEEPER_SLACK_WEBHOOK_URL: long.slackWebhookUrl,
    });
  });
  afterAll(async () => {
    process.env = { ...before };
    await long.close();
  });

  it('reports still-running (exit 4, not failed), as the workflow does, and EKS goes on', async () => {
    const args = ['--config', 'short-wait.config.json', '--apply', '--wait', '--poll-seconds', '1'];
    const r = await cli(rollCommand, [...args, '--json']);
    expect(r.code).toBe(4);
    const items = JSON.parse(r.out).items as Array<{ nodegroup: string; outcome: string; errors: unknown[] }>;
    expect(items.map((i) => `${i.nodegroup}:${i.outcome}`).sort()).toEqual([
      'custom:still-running',
      'general:still-running',
      'gpu:still-running',
    ]);
    expect(items.every((i) => i.errors.length === 0)).toBe(true);
    const posts = long.slackPosts().map((p) => JSON.stringify(p.body));
    expect(posts.filter((p) => p.includes('Rollout still running in EKS'))).toHaveLength(3);
    expect(posts.filter((p) => p.includes('Rollout failed'))).toEqual([]);
    const ngs = long.state().clusters[0]?.nodegroups ?? [];
    expect(ngs.map((n) => n.status)).toEqual(['UPDATING', 'UPDATING', 'UPDATING']);

    const history = await cli(historyCommand, ['--cluster', 'prod-a', '--json']);
    const records = JSON.parse(history.out).items as Array<{ nodegroup: string; outcome: string }>;
    expect(records.map((x) => `${x.nodegroup}:${x.outcome}`).sort()).toEqual([
      'custom:still-running',
      'general:still-running',
      'gpu:still-running',
    ]);
  });

  it('says so in the progress lines without --json', async () => {
    long.clock.advance(3600);
    // The gpu update failed draining meanwhile: the next run plans it again (attempt 2).
    const r = await cli(rollCommand, [
      '--config',
      'short-wait.config.json',
      '--apply',
      '--wait',
      '--poll-seconds',
      '1',
    ]);
    expect(r.code).toBe(4);
    expect(r.err).toContain('prod-a/gpu: update');
    expect(r.err).toMatch(
      /still running in EKS; nodekeeper stopped waiting \(rollout\.maxWaitHours\), EKS continues/,
    );
    expect(r.out).toMatch(/gpu\s+roll\s+still-running/);
  });
});

import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plan } from '@nodekeeper/core/plan';
import { demoFleet, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxEnv } from '../helpers/cli.ts';
import { runCliInProcess } from '../helpers/simulation.ts';

/**
 * The safety commands (pause, resume, approve, schedule, plan --ignore-window) over real HTTP, run
 * in-process through the CLI's `main` (the SDK reads the endpoint and credentials from process.env).
 */

const savedEnv = { ...process.env };

const runCli = runCliInProcess;

const config = join(tmpdir(), `nodekeeper-safety-${process.pid}.json`);
const ledger = {
  NODEKEEPER_LEDGER_TABLE: 'safety-cli',
  NODEKEEPER_PAUSE_PARAMETER: '/nodekeeper/test/paused',
};

describe('nodekeeper safety commands against the sandbox', () => {
  let sb: Sandbox;
  let env: Record<string, string>;
  beforeAll(async () => {
    writeFileSync(
      config,
      JSON.stringify({
        regions: ['us-east-1'],
        clusters: ['prod-a'],
        waves: [{ name: 'prod', clusters: ['prod-*'] }],
        schedule: { cron: 'cron(0/30 3-6 ? * TUE-THU *)', timezone: 'Europe/Berlin', windowMinutes: 30 },
        maxConcurrentPerCluster: 5,
      }),
    );
    sb = await startSandbox({ fleet: demoFleet(), ledgerTables: ['safety-cli'] });
    env = sandboxEnv(sb.endpoint, { ...ledger, USER: 'tester' });
    Object.assign(process.env, env);
  });
  afterAll(async () => {
    process.env = savedEnv;
    await sb.close();
  });

  const planAt = async (now: string, extra: string[] = []) => {
    const result = await runCli(['plan', '--config', config, '--now', now, '--json', ...extra], env);
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as Plan;
  };
  const general = (p: Plan) => p.items.find((i) => i.nodegroup === 'general');

  describe('plan and the maintenance window', () => {
    it('plans outside-window on a Sunday, and roll with --ignore-window', async () => {
      const sunday = '2026-11-22T03:00:00Z';
      expect(general(await planAt(sunday))).toMatchObject({ decision: 'skip', reason: 'outside-window' });
      expect(general(await planAt(sunday, ['--ignore-window']))).toMatchObject({ decision: 'roll' });
      expect(general(await planAt('2026-11-24T02:15:00Z'))).toMatchObject({ decision: 'roll' });
    });
  });

  describe('pause and resume', () => {
    it('pauses every roll with who and why, and resumes', async () => {
      const paused = await runCli(['pause', '--reason', 'incident 42', '--json'], env);
      expect(paused.code).toBe(0);
      expect(JSON.parse(paused.stdout)).toMatchObject({
        parameter: '/nodekeeper/test/paused',
        paused: true,
        reason: 'incident 42',
      });
      const item = general(await planAt('2026-11-24T02:15:00Z'));
      expect(item).toMatchObject({ decision: 'skip', reason: 'paused' });
      expect(item?.message).toMatch(/^rollouts are paused by .+ at .+: incident 42$/);

      const resumed = await runCli(['resume'], env);
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toContain('rollouts resumed by');
      expect(general(await planAt('2026-11-24T02:15:00Z'))).toMatchObject({ decision: 'roll' });
      expect(sb.calls().filter((c) => c.operation === 'PutParameter')).toHaveLength(2);
    });
  });

  describe('approve', () => {
    it('records an approval once, normalising the release, and checks the wave', async () => {
      const first = await runCli(
        ['approve', '1.33.5-20261110', '--wave', 'prod', '--config', config, '--json'],
        env,
      );
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({
        result: 'recorded',
        approval: { release: '20261110', family: null, wave: 'prod' },
      });
      const unknownWave = await runCli(['approve', '20261110', '--wave', 'qa', '--config', config], env);
      expect(unknownWave.code).toBe(2);
      expect(unknownWave.stderr).toContain("wave 'qa' is not in");
      const bad = await runCli(['approve', 'next-tuesday'], env);
      expect(bad.code).toBe(2);
    });
  });

  describe('schedule', () => {
    it('prints merged windows in local time and UTC across the DST change', async () => {
      const result = await runCli(
        ['schedule', '--config', config, '--from', '2026-03-24T00:00:00Z', '--count', '4', '--json'],
        env,
      );
      expect(result.code).toBe(0);
      const out = JSON.parse(result.stdout) as {
        windows: { opensAt: string; opensLocal: string; scans: number }[];
      };
      expect(out.windows.map((w) => [w.opensLocal, w.opensAt, w.scans])).toEqual([
        ['Tue 2026-03-24 03:00', '2026-03-24T02:00:00.000Z', 8],
        ['Wed 2026-03-25 03:00', '2026-03-25T02:00:00.000Z', 8],
        ['Thu 2026-03-26 03:00', '2026-03-26T02:00:00.000Z', 8],
        ['Tue 2026-03-31 03:00', '2026-03-31T01:00:00.000Z', 8],
      ]);
      const table = await runCli(
        ['schedule', '--config', config, '--from', '2026-11-24T02:10:00Z', '--count', '1'],
        env,
      );
      expect(table.stdout).toContain('Tue 2026-11-24 03:00 → 07:00  Tue 2026-11-24 02:00 → 06:00  8');
      expect(table.stdout).toContain(
        'The window is open now; it closes Tue 2026-11-24 07:00 Europe/Berlin (06:00 UTC).',
      );
    });
  });
});

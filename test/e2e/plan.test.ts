import { type Plan, SkipReason } from '@nodekeeper/core/plan';
import { demoFleet, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, sandboxEnv } from '../helpers/cli.ts';

const config = 'examples/demo/nodekeeper.config.json';
const mutating = new Set([
  'UpdateNodegroupVersion',
  'CreateLaunchTemplateVersion',
  'ModifyLaunchTemplate',
  'SendCommand',
  'PutParameter',
]);

describe('nodekeeper plan against the sandbox', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ fleet: demoFleet() });
  });
  afterAll(async () => {
    await sb.close();
  });

  describe('with --json', () => {
    it('prints the plan contract for every demo node group and makes no mutating call', async () => {
      sb.resetCalls();
      const result = await runCli(
        ['plan', '--config', config, '--now', '2026-11-22T03:00:00Z', '--json'],
        sandboxEnv(sb.endpoint),
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const plan = JSON.parse(result.stdout) as Plan;
      expect(plan.generatedAt).toBe('2026-11-22T03:00:00.000Z');
      const nodegroups = sb.state().clusters.flatMap((c) => c.nodegroups.map((n) => `${c.name}/${n.name}`));
      expect(plan.items.map((i) => `${i.cluster}/${i.nodegroup}`).sort()).toEqual(nodegroups.sort());
      for (const item of plan.items) {
        // `warnings` is present only when there are some (docs/plan.md).
        expect(Object.keys(item).filter((k) => k !== 'warnings')).toEqual([
          'accountId',
          'cluster',
          'nodegroup',
          'region',
          'decision',
          'reason',
          'message',
          'strategy',
          'current',
          'target',
          'wave',
          'updateConfig',
          'endOfLife',
        ]);
        expect(item.reason === null).toBe(item.decision !== 'skip');
      }
      const byName = new Map(plan.items.map((i) => [`${i.cluster}/${i.nodegroup}`, i]));
      expect(byName.get('prod-b/legacy')?.reason).toBe(SkipReason.optedOut);
      expect(byName.get('prod-b/batch')?.reason).toBe(SkipReason.updateInProgress);
      expect(byName.get('dev-a/general')).toMatchObject({
        decision: 'roll',
        strategy: 'release-version',
        current: { releaseVersion: '1.32.9-20261001' },
        target: { releaseVersion: '1.32.9-20261110' },
        wave: 'dev',
      });
      // prod waits until the dev wave has run the release (waves gate per AMI family and release).
      expect(byName.get('prod-a/custom')).toMatchObject({
        decision: 'skip',
        reason: SkipReason.waveGate,
        strategy: 'launch-template',
      });
      expect(byName.get('prod-a/general')).toMatchObject({
        decision: 'skip',
        reason: SkipReason.waveGate,
        target: { releaseVersion: '1.33.5-20261110' },
      });
      expect(byName.get('prod-a/general')?.message).toContain('dev-a/general');
      expect(sb.calls().filter((c) => mutating.has(c.operation))).toEqual([]);
    });
  });

  describe('with the default table output', () => {
    it('groups by cluster and gives the reason for every skip', async () => {
      const result = await runCli(
        ['plan', '--config', config, '--now', '2026-11-22T03:00:00Z'],
        sandboxEnv(sb.endpoint),
      );
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('us-east-1 / prod-b');
      expect(result.stdout).toMatch(/legacy\s+skip \(opted-out\)/);
      expect(result.stdout).toMatch(
        /general\s+roll\s+release-version\s+dev\s+1\.32\.9-20261001 → 1\.32\.9-20261110/,
      );
      expect(result.stdout).toMatch(
        /general\s+skip \(wave-gate\)\s+release-version\s+prod\s+waits for dev-a\/general/,
      );
    });
  });

  describe('when the config is invalid', () => {
    it('exits 2 naming the bad field and calls nothing', async () => {
      sb.resetCalls();
      const result = await runCli(
        ['plan', '--config', 'test/fixtures/bad.config.json', '--json'],
        sandboxEnv(sb.endpoint),
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('maxConcurrentPerCluster');
      expect(result.stdout).toBe('');
      expect(sb.calls()).toEqual([]);
    });
  });

  describe('when --now is not a time', () => {
    it('exits 2 with usage help', async () => {
      const result = await runCli(['plan', '--config', config, '--now', 'tuesday'], sandboxEnv(sb.endpoint));
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--now must be an ISO 8601 time');
    });
  });

  describe('when AWS cannot be reached', () => {
    it('prints error items and exits 1', async () => {
      const result = await runCli(
        ['plan', '--config', config, '--json'],
        sandboxEnv('http://127.0.0.1:9', { NODEKEEPER_LOG_LEVEL: 'SILENT' }),
      );
      expect(result.code).toBe(1);
      const plan = JSON.parse(result.stdout) as Plan;
      expect(plan.items.length).toBeGreaterThan(0);
      expect(plan.items.every((i) => i.reason === SkipReason.error)).toBe(true);
    });
  });
});

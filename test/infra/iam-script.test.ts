// `node scripts/iam.ts`, run as `npm run iam` runs it.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

function iam(...args: string[]) {
  const result = spawnSync(process.execPath, ['scripts/iam.ts', ...args], { cwd: root, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('scripts/iam.ts', () => {
  describe('when asked for the spoke role', () => {
    it('prints the permission and trust policies', () => {
      const hub = 'arn:aws:iam::111122223333:role/nodekeeper-prod-RolloutScanRole';
      const out = iam('--spoke', '--hub-role-arn', hub, '--external-id', 'ext-1');
      expect(out.status).toBe(0);
      const printed = JSON.parse(out.stdout) as {
        trustPolicy: { Statement: { Principal: unknown; Condition: unknown }[] };
        permissionPolicy: { Statement: unknown[] };
      };
      expect(printed.trustPolicy.Statement[0]?.Principal).toEqual({ AWS: [hub] });
      expect(printed.trustPolicy.Statement[0]?.Condition).toEqual({
        StringEquals: { 'sts:ExternalId': 'ext-1' },
      });
      expect(printed.permissionPolicy.Statement.length).toBeGreaterThan(0);
    });

    it('prints a CloudFormation template for StackSets', () => {
      const out = iam('--spoke', '--hub-role-arn', 'arn:aws:iam::111122223333:role/a', '--cloudformation');
      expect(out.status).toBe(0);
      expect(JSON.parse(out.stdout)).toMatchObject({ AWSTemplateFormatVersion: '2010-09-09' });
    });
  });

  describe('when --spoke has no hub role', () => {
    it('exits 2 with a usage message', () => {
      const out = iam('--spoke');
      expect([out.status, out.stderr]).toEqual([
        2,
        'iam: --spoke needs --hub-role-arn ARN (repeat it, or comma-separate)\n',
      ]);
    });
  });

  describe('when given a config', () => {
    it('prints every function with named actions, for the deployment given', () => {
      const out = iam(
        '--config',
        'nodekeeper.config.example.json',
        '--account-id',
        '111122223333',
        '--region',
        'us-east-2',
      );
      expect(out.status).toBe(0);
      const printed = JSON.parse(out.stdout) as Record<string, { actions: string[]; resources: string[] }[]>;
      expect(Object.keys(printed).sort()).toEqual([
        'patch',
        'patch-status',
        'rollout-scan',
        'rollout-workflow',
        'slack-command',
      ]);
      const update = printed['rollout-workflow']?.find((s) =>
        s.actions.includes('eks:UpdateNodegroupVersion'),
      );
      expect(update?.resources).toContain('arn:aws:eks:us-east-1:111122223333:nodegroup/prod-*/*/*');
      expect(
        Object.values(printed)
          .flat()
          .flatMap((s) => s.actions)
          .filter((a) => a.includes('*')),
      ).toEqual([]);
    });
  });

  describe('when the config file does not exist', () => {
    it('exits 1 naming the file', () => {
      const out = iam('--config', 'does-not-exist.json');
      expect(out.status).toBe(1);
      expect(out.stderr).toContain('cannot read does-not-exist.json');
    });
  });
});

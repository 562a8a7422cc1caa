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
  describe('when asked for the spoke roles', () => {
    const read = 'arn:aws:iam::111122223333:role/nodekeeper-prod-RolloutScanRole';
    const write = 'arn:aws:iam::111122223333:role/nodekeeper-prod-RolloutWorkflowRole';
    const spoke = (...more: string[]) =>
      iam('--spoke', '--read-hub-role-arn', read, '--write-hub-role-arn', write, ...more);
    type Trust = { Statement: { Principal: unknown; Condition: unknown }[] };

    it('prints the read-only and the mutating role, each trusting only its hub roles', () => {
      const out = spoke('--external-id', 'ext-1');
      expect(out.status).toBe(0);
      const printed = JSON.parse(out.stdout) as Record<
        'read' | 'write',
        { trustPolicy: Trust; permissionPolicy: { Statement: unknown[] } }
      >;
      expect(Object.keys(printed)).toEqual(['read', 'write']);
      expect(printed.read.trustPolicy.Statement.map((s) => [s.Principal, s.Condition])).toEqual([
        [{ AWS: [read] }, { StringEquals: { 'sts:ExternalId': 'ext-1' } }],
      ]);
      expect(printed.write.trustPolicy.Statement.map((s) => [s.Principal, s.Condition])).toEqual([
        [{ AWS: [write] }, { StringEquals: { 'sts:ExternalId': 'ext-1' } }],
      ]);
      expect(printed.write.permissionPolicy.Statement.length).toBeGreaterThan(0);
    });

    it('prints a CloudFormation template with both roles and their trust policies, for StackSets', () => {
      const out = spoke('--external-id', 'ext-1', '--cloudformation');
      expect(out.status).toBe(0);
      const template = JSON.parse(out.stdout) as {
        AWSTemplateFormatVersion: string;
        Resources: Record<string, { Properties: { RoleName: string; AssumeRolePolicyDocument: Trust } }>;
      };
      expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
      expect(
        Object.values(template.Resources).map((r) => [
          r.Properties.RoleName,
          r.Properties.AssumeRolePolicyDocument.Statement.map((s) => [s.Principal, s.Condition]),
        ]),
      ).toEqual([
        ['nodekeeper-spoke-read', [[{ AWS: [read] }, { StringEquals: { 'sts:ExternalId': 'ext-1' } }]]],
        ['nodekeeper-spoke-write', [[{ AWS: [write] }, { StringEquals: { 'sts:ExternalId': 'ext-1' } }]]],
      ]);
    });
  });

  describe('when --spoke misses a hub role or the external ID', () => {
    it('exits 2 with a usage message', () => {
      expect([
        iam('--spoke', '--external-id', 'x').status,
        iam('--spoke', '--external-id', 'x').stderr,
      ]).toEqual([
        2,
        'iam: --spoke needs --read-hub-role-arn ARN and --write-hub-role-arn ARN (repeat them, or comma-separate)\n',
      ]);
      const out = iam(
        '--spoke',
        '--read-hub-role-arn',
        'arn:aws:iam::1:role/r',
        '--write-hub-role-arn',
        'arn:aws:iam::1:role/w',
      );
      expect([out.status, out.stderr]).toEqual([
        2,
        "iam: --spoke needs --external-id X (the spoke roles' trust policies require it)\n",
      ]);
    });
  });

  describe('when --spoke is given the old --hub-role-arn', () => {
    it('exits 2 naming its replacements', () => {
      const out = iam('--spoke', '--hub-role-arn', 'arn:aws:iam::1:role/a', '--external-id', 'x');
      expect(out.status).toBe(2);
      expect(out.stderr).toContain('--read-hub-role-arn');
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
        'event-forwarding',
        'patch',
        'patch-status',
        'rollout-fanout',
        'rollout-inspect',
        'rollout-scan',
        'rollout-workflow',
        'slack-command',
      ]);
      expect(printed['event-forwarding']).toEqual([
        {
          actions: ['events:PutEvents'],
          resources: ['arn:aws:events:us-east-2:111122223333:event-bus/default'],
        },
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

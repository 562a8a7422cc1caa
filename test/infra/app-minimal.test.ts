// The app for a config without golden AMI parameters (its own process: Pulumi mocks are global).
import { beforeAll, describe, expect, it } from 'vitest';
import { type Harness, importStacks, installSstHarness } from './harness.ts';

const rawConfig = {
  regions: ['us-east-1'],
  clusters: ['*'],
  schedule: { cron: 'cron(30 1 ? * MON *)', timezone: 'America/New_York' },
};

let h: Harness;

beforeAll(async () => {
  h = await installSstHarness('dev');
  const { parseDeployConfig } = await import('../../stacks/config.ts');
  const { createNodekeeper } = await importStacks();
  createNodekeeper(
    parseDeployConfig(rawConfig, (raw) => raw),
    'dev',
  );
  await h.settle();
});

describe('the nodekeeper app', () => {
  describe('when the config lists no golden AMI parameters', () => {
    it('creates no golden AMI rule', () => {
      const rules = h.resources
        .filter((r) => r.type === 'aws:cloudwatch/eventRule:EventRule')
        .map((r) => r.name);
      expect(rules).toEqual(['PatchStatusRule']);
    });

    it('reads only public AMI parameters', () => {
      const role = h.resources.find((r) => r.type === 'aws:iam/role:Role' && r.name === 'RolloutScanRole');
      const policies = (role?.inputs.inlinePolicies ?? []) as { policy: string }[];
      const policy = policies[0]?.policy ?? '{}';
      const statements = (JSON.parse(policy) as { Statement: { actions: string[]; resources: string[] }[] })
        .Statement;
      const read = statements.find((s) => s.actions.includes('ssm:GetParameters'));
      expect(read?.resources).toEqual(['arn:aws:ssm:*::parameter/aws/service/*']);
    });

    it('still schedules scans in the configured time zone', () => {
      const schedule = h.resources.find((r) => r.type === 'aws:scheduler/schedule:Schedule');
      expect([schedule?.inputs.scheduleExpression, schedule?.inputs.scheduleExpressionTimezone]).toEqual([
        'cron(30 1 ? * MON *)',
        'America/New_York',
      ]);
    });
  });
});

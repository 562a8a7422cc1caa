// The app for a config without golden AMI parameters and without an `observability` section (its own
// process: Pulumi mocks are global).
import { beforeAll, describe, expect, it } from 'vitest';
import { type Harness, importStacks, installSstHarness } from './harness.ts';

const rawConfig = {
  regions: ['us-east-1'],
  clusters: ['*'],
  schedule: { cron: 'cron(30 1 ? * MON *)', timezone: 'America/New_York' },
};

let h: Harness;
let outputs: Record<string, unknown>;

beforeAll(async () => {
  h = await installSstHarness('dev');
  const { parseDeployConfig } = await import('../../stacks/config.ts');
  const { createNodekeeper } = await importStacks();
  const app = createNodekeeper(
    parseDeployConfig(rawConfig, (raw) => raw),
    'dev',
  );
  await h.settle();
  outputs = await new Promise((resolve) =>
    h.pulumi.output(app.outputs).apply((v) => resolve(v as Record<string, unknown>)),
  );
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

  describe('when the config does not ask for the dashboard', () => {
    it('deploys no dashboard and outputs no dashboard name', () => {
      expect(h.resources.filter((r) => r.type === 'aws:cloudwatch/dashboard:Dashboard')).toEqual([]);
      expect(outputs).not.toHaveProperty('dashboardName');
    });

    it('still deploys every alarm and the alarm topic', () => {
      const alarms = h.resources.filter((r) => r.type === 'aws:cloudwatch/metricAlarm:MetricAlarm');
      expect(alarms).toHaveLength(7);
      expect(outputs.alarmTopicArn).toEqual(expect.stringContaining('AlarmTopic'));
    });
  });
});

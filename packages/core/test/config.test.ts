import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, cronShapeProblems, isIanaTimeZone, parseConfig } from '../src/config.ts';
import { ValidationError } from '../src/errors.ts';

/** The example from DESIGN.md "Config", verbatim. */
const DESIGN_EXAMPLE = {
  regions: ['us-east-1'],
  clusters: ['prod-*', 'dev-*'],
  minAmiAgeDays: 0,
  denyAmis: [],
  waves: [
    { name: 'dev', clusters: ['dev-*'], minAmiAgeDays: 0 },
    { name: 'prod', clusters: ['prod-*'], minAmiAgeDays: 7, soakDays: 2 },
  ],
  schedule: { cron: 'cron(0 3 ? * TUE-THU *)', timezone: 'Europe/Berlin', windowMinutes: 240 },
  maxConcurrentPerCluster: 1,
  patch: { maxConcurrency: '10%', maxErrors: '1', reboot: false },
};

function issuesOf(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected parseConfig to throw');
}

describe('parseConfig', () => {
  describe('when given the DESIGN.md example', () => {
    it('parses it and fills the defaults', () => {
      expect(parseConfig(DESIGN_EXAMPLE)).toEqual({
        ...DESIGN_EXAMPLE,
        followClusterVersion: false,
        waves: [
          {
            name: 'dev',
            clusters: ['dev-*'],
            minAmiAgeDays: 0,
            soakDays: 0,
            requiresApproval: false,
            forceOnPodEvictionFailure: false,
            unprovenRelease: 'roll',
          },
          {
            name: 'prod',
            clusters: ['prod-*'],
            minAmiAgeDays: 7,
            soakDays: 2,
            requiresApproval: false,
            forceOnPodEvictionFailure: false,
            unprovenRelease: 'roll',
          },
        ],
        maxFailuresPerRelease: 1,
        targets: [],
        goldenAmiParameters: [],
        rollout: { maxWaitHours: 24, startConcurrency: 10, fanOutAboveTargets: 100, fanOutConcurrency: 50 },
        slack: { allowedUserIds: [], mentionOnFailure: [] },
        observability: { dashboard: false, clusterMetrics: false },
      });
    });
  });

  describe('when only regions are given', () => {
    it('applies every default', () => {
      expect(parseConfig({ regions: ['eu-central-1', 'us-gov-west-1'] })).toEqual({
        regions: ['eu-central-1', 'us-gov-west-1'],
        clusters: ['*'],
        minAmiAgeDays: 0,
        followClusterVersion: false,
        denyAmis: [],
        waves: [],
        maxConcurrentPerCluster: 1,
        maxFailuresPerRelease: 1,
        targets: [],
        goldenAmiParameters: [],
        patch: { maxConcurrency: '10%', maxErrors: '1', reboot: false },
        rollout: { maxWaitHours: 24, startConcurrency: 10, fanOutAboveTargets: 100, fanOutConcurrency: 50 },
        slack: { allowedUserIds: [], mentionOnFailure: [] },
        observability: { dashboard: false, clusterMetrics: false },
      });
    });
  });

  describe('when observability is configured', () => {
    it('keeps the dashboard and cluster metrics choices', () => {
      const config = parseConfig({ regions: ['us-east-1'], observability: { dashboard: true } });
      expect(config.observability).toEqual({ dashboard: true, clusterMetrics: false });
    });

    it('rejects an unknown key with its path', () => {
      expect(issuesOf({ regions: ['us-east-1'], observability: { perCluster: true } })).toEqual([
        'observability.perCluster: unknown key',
      ]);
    });
  });

  describe('when goldenAmiParameters are given', () => {
    const golden = (names: string[]) => ({ regions: ['us-east-1'], goldenAmiParameters: names });

    it('keeps parameter names, and names with {version} once (one parameter per Kubernetes minor)', () => {
      const names = ['/golden/eks-al2023/ami', '/golden/web/{version}/ami', '/golden/web/{version}'];
      expect(parseConfig(golden(names)).goldenAmiParameters).toEqual(names);
    });

    it('rejects {version} that is not a whole path segment after a fixed one (it would grant other parameters)', () => {
      for (const name of ['/{version}', '/{version}/ami', '/golden{version}', '/golden/web-{version}/ami']) {
        expect(issuesOf(golden([name]))).toEqual([
          `goldenAmiParameters[0]: ${JSON.stringify(name)} has {version} where it is not a whole path segment after a fixed one: it is granted and matched as a wildcard, so it must stand alone between slashes, as in "/golden/web/{version}/ami"`,
        ]);
      }
    });

    it('rejects {version} twice, naming the entry', () => {
      expect(issuesOf(golden(['/golden/{version}/{version}/ami']))).toEqual([
        'goldenAmiParameters[0]: "/golden/{version}/{version}/ami" has {version} more than once; it may stand for the Kubernetes minor once (e.g. "/golden/web/{version}/ami")',
      ]);
    });

    it('rejects braces other than {version}', () => {
      for (const name of ['/golden/{minor}/ami', '/golden/{version/ami', '/golden/{version}}/ami']) {
        expect(issuesOf(golden(['/ok', name]))).toEqual([
          `goldenAmiParameters[1]: ${JSON.stringify(name)} has braces other than {version}: only {version} (the Kubernetes minor, once) may be in braces`,
        ]);
      }
    });

    it('rejects wildcards and names that are not SSM parameter names', () => {
      expect(issuesOf(golden(['/golden/*/ami']))).toEqual([
        'goldenAmiParameters[0]: "/golden/*/ami" has a wildcard: list each parameter by name, or one per Kubernetes minor with {version}',
      ]);
      for (const name of ['golden/ami', '/', '/golden ami']) {
        expect(issuesOf(golden([name]))[0]).toMatch(
          /^goldenAmiParameters\[0\]: expected an SSM parameter name/,
        );
      }
    });

    it('puts the same pattern in the JSON schema', () => {
      const pattern = new RegExp(
        (configJsonSchema() as { properties: { goldenAmiParameters: { items: { pattern: string } } } })
          .properties.goldenAmiParameters.items.pattern,
      );
      expect(pattern.test('/golden/web/{version}/ami')).toBe(true);
      expect(pattern.test('/golden/{version}/{version}')).toBe(false);
      expect(pattern.test('/golden/{minor}/ami')).toBe(false);
    });
  });

  describe('when optional settings are given', () => {
    it('keeps them', () => {
      const config = parseConfig({
        $schema: './docs/nodekeeper.config.schema.json',
        regions: ['us-east-1'],
        maxConcurrentTotal: 5,
        maxFailuresPerRelease: 2,
        waves: [
          { name: 'prod', clusters: ['prod-*'], requiresApproval: true, forceOnPodEvictionFailure: true },
        ],
        schedule: { cron: 'cron(0 3 ? * TUE-THU *)' },
        patch: { reboot: true, timeoutSeconds: 600 },
        slack: { allowedUserIds: ['U0123'] },
      });
      expect(config.maxConcurrentTotal).toBe(5);
      expect(config.maxFailuresPerRelease).toBe(2);
      expect(config.waves[0]).toMatchObject({
        requiresApproval: true,
        forceOnPodEvictionFailure: true,
        soakDays: 0,
      });
      expect(config.schedule).toEqual({
        cron: 'cron(0 3 ? * TUE-THU *)',
        timezone: 'UTC',
        windowMinutes: 240,
      });
      expect(config.patch).toEqual({
        maxConcurrency: '10%',
        maxErrors: '1',
        reboot: true,
        timeoutSeconds: 600,
      });
      expect(config.slack.allowedUserIds).toEqual(['U0123']);
    });
  });

  describe('when slack.mentionOnFailure names users and a user group', () => {
    it('keeps user IDs (U…, W…) and <!subteam^…> user groups', () => {
      const config = parseConfig({
        regions: ['us-east-1'],
        slack: { mentionOnFailure: ['U0123ABCD', 'W0456EFGH', '<!subteam^S0789IJKL>'] },
      });
      expect(config.slack.mentionOnFailure).toEqual(['U0123ABCD', 'W0456EFGH', '<!subteam^S0789IJKL>']);
    });

    it('is empty by default', () => {
      expect(parseConfig({ regions: ['us-east-1'] }).slack.mentionOnFailure).toEqual([]);
    });
  });

  describe('when a field is bad', () => {
    it.each([
      [{ regions: [] }, 'regions: expected at least one region'],
      [{ regions: ['US-East-1'] }, 'regions[0]: expected an AWS region name such as us-east-1'],
      [{ regions: 'us-east-1' }, 'regions: Invalid input: expected array, received string'],
      [{}, 'regions: Invalid input: expected array, received undefined'],
      [{ regions: ['us-east-1'], clusters: [] }, 'clusters: expected at least one cluster name or glob'],
      [{ regions: ['us-east-1'], clusters: [''] }, 'clusters[0]: expected a non-empty name or glob'],
      [{ regions: ['us-east-1'], minAmiAgeDays: -1 }, 'minAmiAgeDays: Too small: expected number to be >=0'],
      [
        { regions: ['us-east-1'], minAmiAgeDays: 1.5 },
        'minAmiAgeDays: Invalid input: expected int, received number',
      ],
      [
        { regions: ['us-east-1'], denyAmis: [3] },
        'denyAmis[0]: Invalid input: expected string, received number',
      ],
      [
        { regions: ['us-east-1'], followClusterVersion: 'yes' },
        'followClusterVersion: Invalid input: expected boolean, received string',
      ],
      [
        { regions: ['us-east-1'], waves: [{ name: 'x', clusters: ['a'], followClusterVersion: 1 }] },
        'waves[0].followClusterVersion: Invalid input: expected boolean, received number',
      ],
      [
        { regions: ['us-east-1'], waves: [{ name: 'x', clusters: ['a'], soakDays: 'two' }] },
        'waves[0].soakDays: Invalid input: expected number, received string',
      ],
      [
        { regions: ['us-east-1'], waves: [{ name: '', clusters: ['a'] }] },
        'waves[0].name: expected a non-empty wave name',
      ],
      [
        {
          regions: ['us-east-1'],
          waves: [
            { name: 'a', clusters: ['a'] },
            { name: 'a', clusters: ['b'] },
          ],
        },
        'waves[1].name: duplicate wave name "a"',
      ],
      [
        { regions: ['us-east-1'], waves: [{ name: 'a', clusters: ['a'], soak: 2 }] },
        'waves[0].soak: unknown key',
      ],
      [
        { regions: ['us-east-1'], schedule: { cron: '0 3 * * *' } },
        'schedule.cron: expected cron(minutes hours day-of-month month day-of-week year)',
      ],
      [
        { regions: ['us-east-1'], schedule: { cron: 'cron(0 3 ? * TUE)' } },
        'schedule.cron: expected 6 fields inside cron(...), got 5',
      ],
      [
        { regions: ['us-east-1'], schedule: { cron: 'cron(0 3 * * TUE *)' } },
        'schedule.cron: exactly one of day-of-month and day-of-week must be ?',
      ],
      [
        { regions: ['us-east-1'], schedule: { cron: 'cron(0 3 ? * TUE-THU *)', timezone: 'Mars/Olympus' } },
        'schedule.timezone: expected an IANA time zone such as Europe/Berlin or UTC',
      ],
      [
        { regions: ['us-east-1'], schedule: { cron: 'cron(0 3 ? * TUE-THU *)', windowMinutes: 0 } },
        'schedule.windowMinutes: Too small: expected number to be >=1',
      ],
      [
        { regions: ['us-east-1'], maxConcurrentPerCluster: 0 },
        'maxConcurrentPerCluster: Too small: expected number to be >=1',
      ],
      [
        { regions: ['us-east-1'], maxConcurrentTotal: 0 },
        'maxConcurrentTotal: Too small: expected number to be >=1',
      ],
      [
        { regions: ['us-east-1'], maxFailuresPerRelease: 0 },
        'maxFailuresPerRelease: Too small: expected number to be >=1',
      ],
      [
        { regions: ['us-east-1'], patch: { maxConcurrency: '0' } },
        'patch.maxConcurrency: expected a count such as "5" or a percentage such as "10%"',
      ],
      [
        { regions: ['us-east-1'], patch: { maxErrors: '101%' } },
        'patch.maxErrors: expected a count such as "1" or a percentage such as "10%"',
      ],
      [
        { regions: ['us-east-1'], patch: { reboot: 'yes' } },
        'patch.reboot: Invalid input: expected boolean, received string',
      ],
      [
        { regions: ['us-east-1'], patch: { timeoutSeconds: 5 } },
        'patch.timeoutSeconds: Too small: expected number to be >=30',
      ],
      [
        { regions: ['us-east-1'], slack: { allowedUserIds: 'U1' } },
        'slack.allowedUserIds: Invalid input: expected array, received string',
      ],
      [
        { regions: ['us-east-1'], slack: { mentionOnFailure: ['@oncall'] } },
        'slack.mentionOnFailure[0]: expected a Slack user ID such as U0123ABCD (or W… on Enterprise Grid) or a user group written <!subteam^S0123ABCD>',
      ],
      [
        { regions: ['us-east-1'], slack: { mentionOnFailure: ['<@U0123ABCD>'] } },
        'slack.mentionOnFailure[0]: expected a Slack user ID such as U0123ABCD (or W… on Enterprise Grid) or a user group written <!subteam^S0123ABCD>',
      ],
      [
        { regions: ['us-east-1'], slack: { mentionOnFailure: 'U0123ABCD' } },
        'slack.mentionOnFailure: Invalid input: expected array, received string',
      ],
      [
        { regions: ['us-east-1'], slackWebhookUrl: 'https://hooks.slack.com/x' },
        'slackWebhookUrl: unknown key',
      ],
      [null, '(root): Invalid input: expected object, received null'],
    ])('reports %j as %j', (raw, issue) => {
      expect(issuesOf(raw)).toEqual([issue]);
    });
  });

  describe('when several fields are bad', () => {
    it('reports one issue per field, and the error message lists them', () => {
      const raw = { regions: ['nowhere'], minAmiAgeDays: 'x', extra: true, patch: { reboot: 1 } };
      const issues = issuesOf(raw);
      expect(issues).toHaveLength(4);
      expect(issues).toEqual(
        expect.arrayContaining([
          'regions[0]: expected an AWS region name such as us-east-1',
          'minAmiAgeDays: Invalid input: expected number, received string',
          'extra: unknown key',
          'patch.reboot: Invalid input: expected boolean, received number',
        ]),
      );
      expect(() => parseConfig(raw)).toThrow(/invalid config\n {2}- /);
    });
  });
});

describe('cronShapeProblems', () => {
  it('accepts EventBridge expressions', () => {
    expect(cronShapeProblems('cron(0 3 ? * TUE-THU *)')).toEqual([]);
    expect(cronShapeProblems('cron(15 10 ? * 6L 2026-2027)')).toEqual([]);
    expect(cronShapeProblems('cron(0/15 * 1 * ? *)')).toEqual([]);
  });

  it('rejects rate expressions and bad characters', () => {
    expect(cronShapeProblems('rate(5 minutes)')).toHaveLength(1);
    expect(cronShapeProblems('cron(0 3 ? * TUE; *)')).toEqual(['unexpected characters in field "TUE;"']);
  });
});

describe('isIanaTimeZone', () => {
  it('accepts IANA names and rejects offsets and nonsense', () => {
    expect(isIanaTimeZone('Europe/Berlin')).toBe(true);
    expect(isIanaTimeZone('UTC')).toBe(true);
    expect(isIanaTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isIanaTimeZone('+01:00')).toBe(false);
    expect(isIanaTimeZone('Berlin')).toBe(false);
    expect(isIanaTimeZone('')).toBe(false);
  });
});

describe('configJsonSchema', () => {
  it('equals the committed docs/nodekeeper.config.schema.json', () => {
    const file = new URL('../../../docs/nodekeeper.config.schema.json', import.meta.url);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(configJsonSchema());
  });

  it('rejects unknown keys and requires regions', () => {
    const schema = configJsonSchema();
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['regions']);
  });
});

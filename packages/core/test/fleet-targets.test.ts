import { describe, expect, it } from 'vitest';
import { fleetTargets, parseConfig, SpokeAccess } from '../src/config.ts';
import { assignWave, policyFromConfig } from '../src/policy.ts';

const spoke = {
  accountId: '444455556666',
  readRoleArn: 'arn:aws:iam::444455556666:role/nodekeeper-spoke-read',
  writeRoleArn: 'arn:aws:iam::444455556666:role/nodekeeper-spoke-write',
  externalId: 'nk-external-id',
  regions: ['us-east-1', 'eu-west-1'],
  clusters: ['prod-*'],
};
const other = {
  accountId: '777788889999',
  readRoleArn: 'arn:aws:iam::777788889999:role/nk-read',
  writeRoleArn: 'arn:aws:iam::777788889999:role/nk-write',
  externalId: 'nk-other',
  regions: ['us-west-2'],
};

describe('fleetTargets', () => {
  describe('when the config has targets', () => {
    const config = parseConfig({ regions: ['us-east-1'], targets: [spoke, other] });

    it('spans every (account, region) of the targets, each through its read-only role by default', () => {
      expect(fleetTargets(config)).toEqual([
        {
          accountId: '444455556666',
          region: 'us-east-1',
          clusters: ['prod-*'],
          role: { roleArn: spoke.readRoleArn, externalId: 'nk-external-id' },
        },
        {
          accountId: '444455556666',
          region: 'eu-west-1',
          clusters: ['prod-*'],
          role: { roleArn: spoke.readRoleArn, externalId: 'nk-external-id' },
        },
        {
          accountId: '777788889999',
          region: 'us-west-2',
          clusters: ['*'],
          role: { roleArn: other.readRoleArn, externalId: 'nk-other' },
        },
      ]);
      expect(fleetTargets(config, SpokeAccess.read)).toEqual(fleetTargets(config));
    });

    it('goes through the mutating roles for write access', () => {
      expect(fleetTargets(config, SpokeAccess.write).map((t) => t.role?.roleArn)).toEqual([
        spoke.writeRoleArn,
        spoke.writeRoleArn,
        other.writeRoleArn,
      ]);
    });
  });

  describe('when the config has no targets', () => {
    it('is the deployment account in the configured regions, for either access', () => {
      const config = parseConfig({ regions: ['us-east-1', 'us-west-2'], clusters: ['prod-*'] });
      const own = [
        { accountId: null, region: 'us-east-1', clusters: ['prod-*'], role: null },
        { accountId: null, region: 'us-west-2', clusters: ['prod-*'], role: null },
      ];
      expect(fleetTargets(config)).toEqual(own);
      expect(fleetTargets(config, SpokeAccess.write)).toEqual(own);
    });
  });
});

describe('config targets', () => {
  const issuesOf = (targets: unknown[]): string[] => {
    try {
      parseConfig({ regions: ['us-east-1'], targets });
    } catch (error) {
      return (error as { issues?: string[] }).issues ?? [];
    }
    return [];
  };

  describe('when a field is wrong', () => {
    it('names every bad field', () => {
      expect(
        issuesOf([
          { ...spoke, readRoleArn: 'arn:aws:iam::111122223333:role/nk' },
          { ...spoke, externalId: 'x' },
          {
            accountId: '12',
            readRoleArn: 'role/nk',
            writeRoleArn: 'role/nk-w',
            externalId: 'e1',
            regions: [],
          },
        ]),
      ).toEqual(
        expect.arrayContaining([
          'targets[0].readRoleArn: the role is in account 111122223333, not 444455556666',
          'targets[1].externalId: expected 2-1224 characters of letters, digits and +=,.@:/-',
          'targets[1].accountId: account 444455556666 is listed twice',
          'targets[2].accountId: expected a 12-digit account ID',
          'targets[2].readRoleArn: expected a role ARN such as arn:aws:iam::444455556666:role/nodekeeper-spoke-read',
          'targets[2].writeRoleArn: expected a role ARN such as arn:aws:iam::444455556666:role/nodekeeper-spoke-write',
          'targets[2].regions: expected at least one region',
        ]),
      );
    });
  });

  describe('when a target has no external ID', () => {
    it('is rejected with what the external ID is for', () => {
      const { externalId: _, ...withoutExternalId } = spoke;
      expect(issuesOf([withoutExternalId])).toEqual([
        "targets[0].externalId: required: the sts:ExternalId both spoke roles' trust policies require (every target needs one)",
      ]);
    });
  });

  describe('when a target uses the same role for reading and writing', () => {
    it('is rejected: the read-only functions must not be able to assume the mutating role', () => {
      expect(issuesOf([{ ...spoke, writeRoleArn: spoke.readRoleArn }])).toEqual([
        'targets[0].writeRoleArn: must differ from readRoleArn: the functions that only read must not be able to assume the mutating role',
      ]);
    });
  });

  describe('when a target still has the single roleArn of before', () => {
    it('names the unknown key and both roles it was split into', () => {
      const { readRoleArn: _r, writeRoleArn: _w, ...rest } = spoke;
      const issues = issuesOf([{ ...rest, roleArn: 'arn:aws:iam::444455556666:role/nodekeeper-spoke' }]);
      expect(issues).toEqual(
        expect.arrayContaining([
          'targets[0].roleArn: unknown key',
          expect.stringMatching(
            /^targets\[0\]\.readRoleArn: required: .*roleArn was split into readRoleArn and writeRoleArn/,
          ),
          expect.stringMatching(/^targets\[0\]\.writeRoleArn: required: /),
        ]),
      );
    });
  });
});

describe('waves by account and region', () => {
  const policy = policyFromConfig(
    parseConfig({
      regions: ['us-east-1'],
      waves: [
        { name: 'canary', clusters: ['*'], accounts: ['444455556666'], regions: ['eu-west-1'] },
        { name: 'dev-accounts', clusters: ['*'], accounts: ['444455556666'] },
        { name: 'rest', clusters: ['*'] },
      ],
    }),
  );
  const at = (accountId: string | null, region: string) => ({ accountId, region, cluster: 'prod-a' });

  it('assigns the first wave whose clusters, accounts and regions all select the node group', () => {
    expect(assignWave(at('444455556666', 'eu-west-1'), {}, policy.waves)).toMatchObject({
      wave: { name: 'canary' },
    });
    expect(assignWave(at('444455556666', 'us-east-1'), {}, policy.waves)).toMatchObject({
      wave: { name: 'dev-accounts' },
    });
    expect(assignWave(at('777788889999', 'eu-west-1'), {}, policy.waves)).toMatchObject({
      wave: { name: 'rest' },
    });
    // Unknown account (the deployment's own, or a bare cluster name): only waves without accounts.
    expect(assignWave(at(null, 'eu-west-1'), {}, policy.waves)).toMatchObject({ wave: { name: 'rest' } });
    expect(assignWave('prod-a', {}, policy.waves)).toMatchObject({ wave: { name: 'rest' } });
  });
});

import { describe, expect, it } from 'vitest';
import { assignWave, fleetTargets, parseConfig, policyFromConfig } from '../index.ts';

const spoke = {
  accountId: '444455556666',
  roleArn: 'arn:aws:iam::444455556666:role/nodekeeper-spoke',
  externalId: 'nk-external-id',
  regions: ['us-east-1', 'eu-west-1'],
  clusters: ['prod-*'],
};

describe('config targets', () => {
  it('spans every (account, region) of the targets, each through its role', () => {
    const config = parseConfig({
      regions: ['us-east-1'],
      targets: [
        spoke,
        { accountId: '777788889999', roleArn: 'arn:aws:iam::777788889999:role/nk', regions: ['us-west-2'] },
      ],
    });
    expect(fleetTargets(config)).toEqual([
      {
        accountId: '444455556666',
        region: 'us-east-1',
        clusters: ['prod-*'],
        role: { roleArn: spoke.roleArn, externalId: 'nk-external-id' },
      },
      {
        accountId: '444455556666',
        region: 'eu-west-1',
        clusters: ['prod-*'],
        role: { roleArn: spoke.roleArn, externalId: 'nk-external-id' },
      },
      {
        accountId: '777788889999',
        region: 'us-west-2',
        clusters: ['*'],
        role: { roleArn: 'arn:aws:iam::777788889999:role/nk', externalId: null },
      },
    ]);
  });

  it('without targets is the deployment account in the configured regions, as before', () => {
    const config = parseConfig({ regions: ['us-east-1', 'us-west-2'], clusters: ['prod-*'] });
    expect(fleetTargets(config)).toEqual([
      { accountId: null, region: 'us-east-1', clusters: ['prod-*'], role: null },
      { accountId: null, region: 'us-west-2', clusters: ['prod-*'], role: null },
    ]);
  });

  it('names every bad field', () => {
    expect(() =>
      parseConfig({
        regions: ['us-east-1'],
        targets: [
          { ...spoke, roleArn: 'arn:aws:iam::111122223333:role/nk' },
          { ...spoke, externalId: 'x' },
          { accountId: '12', roleArn: 'role/nk', regions: [] },
        ],
      }),
    ).toThrow(
      expect.objectContaining({
        issues: expect.arrayContaining([
          'targets[0].roleArn: the role is in account 111122223333, not 444455556666',
          'targets[1].externalId: expected 2-1224 characters of letters, digits and +=,.@:/-',
          'targets[1].accountId: account 444455556666 is listed twice',
          'targets[2].accountId: expected a 12-digit account ID',
          'targets[2].roleArn: expected a role ARN such as arn:aws:iam::444455556666:role/nodekeeper-spoke',
          'targets[2].regions: expected at least one region',
        ]),
      }),
    );
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

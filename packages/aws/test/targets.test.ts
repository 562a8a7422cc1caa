import { ListClustersCommand } from '@aws-sdk/client-eks';
import { parseFleet, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedCredentials, checkTargetAccess, createTargetClientCache } from '../index.ts';

const HUB = '111122223333';
const SPOKE = '444455556666';
const ROLE = `arn:aws:iam::${SPOKE}:role/nodekeeper-spoke`;
const credentials = { accessKeyId: 'AKIASANDBOXEXAMPLE', secretAccessKey: 'sandbox-secret' };

describe('createTargetClientCache against the sandbox', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    const cluster = (name: string) => ({ name, version: '1.33', nodegroups: [] });
    sb = await startSandbox({
      port: 0,
      fleet: parseFleet({
        accountId: HUB,
        clusters: [cluster('hub-a')],
        roles: [{ arn: ROLE, externalId: 'nk-ext' }],
        partitions: [
          { accountId: SPOKE, region: 'us-east-1', clusters: [cluster('spoke-east')] },
          { accountId: SPOKE, region: 'eu-west-1', clusters: [cluster('spoke-west')] },
        ],
      }),
    });
  });
  afterAll(() => sb.close());

  it('reaches each (account, region) with one AssumeRole per account', async () => {
    const clients = createTargetClientCache({
      endpoint: sb.endpoint,
      credentials,
      homeRegion: 'us-east-1',
      roles: new Map([[SPOKE, { roleArn: ROLE, externalId: 'nk-ext' }]]),
    });
    try {
      const list = async (account: string | null, region: string) =>
        (await clients(account, region).eks.send(new ListClustersCommand({}))).clusters;
      expect(await list(null, 'us-east-1')).toEqual(['hub-a']);
      expect(await list(SPOKE, 'us-east-1')).toEqual(['spoke-east']);
      expect(await list(SPOKE, 'eu-west-1')).toEqual(['spoke-west']);
      expect(await list(SPOKE, 'eu-west-1')).toEqual(['spoke-west']);
      expect(sb.issuedCredentials(ROLE)).toBe(1);
      expect(clients(SPOKE, 'us-east-1')).toBe(clients(SPOKE, 'us-east-1'));
      expect(clients(SPOKE, 'us-east-1')).not.toBe(clients(SPOKE, 'eu-west-1'));
      expect(await checkTargetAccess(clients(SPOKE, 'eu-west-1'), { accountId: SPOKE, role: null })).toEqual({
        kind: 'ok',
        accountId: SPOKE,
      });
    } finally {
      clients.destroy();
    }
  });

  it('turns a role that cannot be assumed into a message naming account, role and AWS code', async () => {
    const role = { roleArn: ROLE, externalId: 'wrong' };
    const clients = createTargetClientCache({
      endpoint: sb.endpoint,
      credentials,
      homeRegion: 'us-east-1',
      roles: new Map([[SPOKE, role]]),
    });
    try {
      const access = await checkTargetAccess(clients(SPOKE, 'us-east-1'), { accountId: SPOKE, role });
      expect(access).toEqual({
        kind: 'denied',
        message: `account ${SPOKE}: cannot assume role ${ROLE} (AccessDenied: User: arn:aws:iam::${HUB}:user/nodekeeper-sandbox is not authorized to perform: sts:AssumeRole on resource: ${ROLE})`,
      });
    } finally {
      clients.destroy();
    }
  });
});

describe('cachedCredentials', () => {
  it('fetches once, shares a fetch in flight, and refreshes 5 minutes before expiry', async () => {
    let now = Date.parse('2026-11-24T03:00:00Z');
    let fetches = 0;
    const provider = cachedCredentials(
      async () => {
        fetches += 1;
        return { accessKeyId: `k${fetches}`, secretAccessKey: 's', expiration: new Date(now + 3600_000) };
      },
      { now: () => now },
    );
    const [a, b] = await Promise.all([provider(), provider()]);
    expect([a.accessKeyId, b.accessKeyId, fetches]).toEqual(['k1', 'k1', 1]);
    now += 3600_000 - 301_000;
    expect((await provider()).accessKeyId).toBe('k1');
    now += 2_000;
    expect((await provider()).accessKeyId).toBe('k2');
    expect(fetches).toBe(2);
  });

  it('does not cache a failure', async () => {
    let calls = 0;
    const provider = cachedCredentials(async () => {
      calls += 1;
      if (calls === 1) throw new Error('AccessDenied');
      return { accessKeyId: 'k', secretAccessKey: 's' };
    });
    await expect(provider()).rejects.toThrow('AccessDenied');
    expect((await provider()).accessKeyId).toBe('k');
  });
});

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EKSClient, ListClustersCommand } from '@aws-sdk/client-eks';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FleetFile, parseFleet, type Sandbox, startSandbox } from '../index.ts';
import { AWS_CLI, awsCliEnv, rejection } from './helpers.ts';

const run = promisify(execFile);
const AWS = AWS_CLI;
const HUB = '111122223333';
const SPOKE = '444455556666';
const ROLE = `arn:aws:iam::${SPOKE}:role/nodekeeper-spoke`;
const base = { accessKeyId: 'AKIASANDBOXEXAMPLE', secretAccessKey: 'sandbox-secret' };

/** The hub (us-east-1, 1 cluster) and a spoke account in two regions, reachable through one role. */
function fleet(): FleetFile {
  const cluster = (name: string) => ({ name, version: '1.33', nodegroups: [] });
  return parseFleet({
    accountId: HUB,
    region: 'us-east-1',
    clusters: [cluster('hub-a')],
    roles: [{ arn: ROLE, externalId: 'nk-external-id' }],
    partitions: [
      { accountId: SPOKE, region: 'us-east-1', clusters: [cluster('spoke-east')] },
      { accountId: SPOKE, region: 'eu-west-1', clusters: [cluster('spoke-west')] },
    ],
  });
}

describe('sandbox accounts and regions', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ fleet: fleet(), port: 0 });
  });
  afterAll(() => sb.close());

  const sts = (region = 'us-east-1') =>
    new STSClient({ endpoint: sb.endpoint, region, credentials: base, maxAttempts: 1 });
  const assume = (params: { RoleArn: string; ExternalId?: string }) =>
    sts().send(new AssumeRoleCommand({ RoleSessionName: 'nodekeeper', ...params }));

  it('gives the hub principal its own account, and a role its account and regions', async () => {
    expect((await sts().send(new GetCallerIdentityCommand({}))).Account).toBe(HUB);
    const hubClusters = await new EKSClient({
      endpoint: sb.endpoint,
      region: 'us-east-1',
      credentials: base,
    }).send(new ListClustersCommand({}));
    expect(hubClusters.clusters).toEqual(['hub-a']);

    const out = await assume({ RoleArn: ROLE, ExternalId: 'nk-external-id' });
    const c = out.Credentials;
    expect(c?.AccessKeyId).toMatch(/^ASIA/);
    expect(c?.Expiration?.getTime()).toBeGreaterThan(Date.now() + 3000_000);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${SPOKE}:assumed-role/nodekeeper-spoke/nodekeeper`);
    const creds = {
      accessKeyId: c?.AccessKeyId ?? '',
      secretAccessKey: c?.SecretAccessKey ?? '',
      sessionToken: c?.SessionToken ?? '',
    };
    const east = new EKSClient({ endpoint: sb.endpoint, region: 'us-east-1', credentials: creds });
    const west = new EKSClient({ endpoint: sb.endpoint, region: 'eu-west-1', credentials: creds });
    const south = new EKSClient({ endpoint: sb.endpoint, region: 'ap-south-1', credentials: creds });
    expect((await east.send(new ListClustersCommand({}))).clusters).toEqual(['spoke-east']);
    expect((await west.send(new ListClustersCommand({}))).clusters).toEqual(['spoke-west']);
    expect((await south.send(new ListClustersCommand({}))).clusters).toEqual([]);
    expect(
      sb
        .calls()
        .filter((x) => x.operation === 'ListClusters')
        .map((x) => `${x.accountId}/${x.region}`),
    ).toEqual([`${HUB}/us-east-1`, `${SPOKE}/us-east-1`, `${SPOKE}/eu-west-1`, `${SPOKE}/ap-south-1`]);
    expect(sb.state(SPOKE, 'eu-west-1').clusters.map((x) => x.name)).toEqual(['spoke-west']);
    expect(sb.issuedCredentials(ROLE)).toBe(1);
  });

  it('denies a wrong external ID, a missing one and an unknown role like AWS (403 AccessDenied)', async () => {
    for (const params of [
      { RoleArn: ROLE, ExternalId: 'wrong' },
      { RoleArn: ROLE },
      { RoleArn: `arn:aws:iam::${SPOKE}:role/no-such-role`, ExternalId: 'nk-external-id' },
    ]) {
      const err = await rejection(assume(params));
      expect(err.name).toBe('AccessDenied');
      expect(err.$metadata?.httpStatusCode).toBe(403);
      expect(err.message).toBe(
        `User: arn:aws:iam::${HUB}:user/nodekeeper-sandbox is not authorized to perform: sts:AssumeRole on resource: ${params.RoleArn}`,
      );
    }
  });

  it('rejects a malformed role ARN as a validation error', async () => {
    const err = await rejection(assume({ RoleArn: 'not-an-arn' }));
    expect(err.name).toBe('ValidationError');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    // Shorter than the model's 20 characters: AWS rejects it before looking at the role.
    expect(sb.takeViolations()).toMatchObject([{ operation: 'AssumeRole', path: 'RoleArn', rule: 'length' }]);
  });

  it('refuses a fleet file naming one account and region twice', () => {
    expect(() =>
      parseFleet({
        accountId: HUB,
        region: 'us-east-1',
        partitions: [{ accountId: HUB, region: 'us-east-1' }],
      }),
    ).toThrow(/partitions\[0\]\.region: account 111122223333 region us-east-1 appears twice/);
  });

  describe.skipIf(!AWS)('with the AWS CLI as an independent client', () => {
    let env: NodeJS.ProcessEnv;
    beforeAll(async () => {
      env = await awsCliEnv(base);
    });
    const aws = (args: string[], withEnv: NodeJS.ProcessEnv = env) =>
      run(AWS ?? 'aws', [...args, '--endpoint-url', sb.endpoint, '--output', 'json'], {
        env: withEnv,
        timeout: 20_000,
      });
    const assumeRole = (externalId: string) =>
      aws([
        'sts',
        'assume-role',
        '--role-arn',
        ROLE,
        '--role-session-name',
        'cli',
        '--external-id',
        externalId,
      ]);

    it('assume-role parses the answer, and the credentials reach the spoke', async () => {
      const { stdout } = await assumeRole('nk-external-id');
      const out = JSON.parse(stdout) as {
        Credentials: Record<string, string>;
        AssumedRoleUser: { Arn: string };
      };
      expect(out.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${SPOKE}:assumed-role/nodekeeper-spoke/cli`);
      const who = await aws(['sts', 'get-caller-identity'], {
        ...env,
        AWS_ACCESS_KEY_ID: out.Credentials.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: out.Credentials.SecretAccessKey,
        AWS_SESSION_TOKEN: out.Credentials.SessionToken,
      });
      expect((JSON.parse(who.stdout) as { Account: string }).Account).toBe(SPOKE);
    });

    it('assume-role with a wrong external ID fails with AccessDenied', async () => {
      const err = (await assumeRole('wrong').catch((e: unknown) => e)) as { stderr?: string; code?: number };
      expect(err.code).not.toBe(0);
      expect(err.stderr).toContain('(AccessDenied) when calling the AssumeRole operation');
    });
  });
});

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { DescribeNodegroupCommand } from '@aws-sdk/client-eks';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../index.ts';
import { AWS_CLIS, awsCliEnv, clients, comparable } from './helpers.ts';

const run = promisify(execFile);

if (AWS_CLIS.length === 0)
  console.warn(
    'aws-cli.test.ts: skipped, no `aws` binary (install Debian awscli to run the CLI fidelity test)',
  );

/** Asserts the CLI's output equals the SDK's parsed answer, timestamps compared as instants. */
function expectSameAnswer(cli: unknown, sdk: unknown): void {
  const pair = comparable(cli, sdk);
  expect(pair.cli).toEqual(pair.sdk);
}

describe('comparable', () => {
  const sdk = { createdAt: new Date('2026-03-02T10:21:44.512Z'), name: 'x', $metadata: {} };
  it.each([
    ['epoch seconds (AWS CLI v1)', 1772446904.512],
    ['epoch seconds as a string', '1772446904.512'],
    ['ISO 8601 with an offset (AWS CLI v2)', '2026-03-02T11:21:44.512000+01:00'],
    ['ISO 8601 in UTC', '2026-03-02T10:21:44.512Z'],
  ])('reads a timestamp printed as %s as the same instant', (_format, printed) => {
    expect(comparable({ createdAt: printed, name: 'x' }, sdk)).toEqual({
      cli: { createdAt: 1772446904512, name: 'x' },
      sdk: { createdAt: 1772446904512, name: 'x' },
    });
  });
  it('keeps a different instant different', () => {
    const pair = comparable({ createdAt: 1772446905.512, name: 'x' }, sdk);
    expect(pair.cli).not.toEqual(pair.sdk);
  });
  it('treats no string as a timestamp where the SDK holds none', () => {
    expect(comparable({ v: '1772446904' }, { v: '1772446904' })).toEqual({
      cli: { v: '1772446904' },
      sdk: { v: '1772446904' },
    });
  });
});

describe.skipIf(AWS_CLIS.length === 0).each(AWS_CLIS)('the AWS CLI at %s against the sandbox', (AWS) => {
  let sb: Sandbox;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sb = await startSandbox();
    env = await awsCliEnv();
  });
  afterAll(async () => {
    await sb?.close();
  });

  async function aws(...args: string[]): Promise<unknown> {
    const { stdout } = await run(AWS, [...args, '--endpoint-url', sb.endpoint, '--output', 'json'], {
      env,
      timeout: 20_000,
    });
    return JSON.parse(stdout);
  }

  it('describes a node group with the fleet values, parsed identically by the SDK', async () => {
    const cli = (await aws(
      'eks',
      'describe-nodegroup',
      '--cluster-name',
      'prod-a',
      '--nodegroup-name',
      'custom',
    )) as {
      nodegroup: Record<string, unknown>;
    };
    expect(cli.nodegroup).toMatchObject({
      amiType: 'CUSTOM',
      releaseVersion: 'ami-0a2023x8600001001',
      version: '1.33',
      launchTemplate: { id: 'lt-0c05a0000000000a1', name: 'prod-a-custom-nodes', version: '3' },
    });
    const sdk = await clients(sb).eks.send(
      new DescribeNodegroupCommand({ clusterName: 'prod-a', nodegroupName: 'custom' }),
    );
    expectSameAnswer(cli, sdk);
  });

  it('describes launch template versions with the fleet values, parsed identically by the SDK', async () => {
    const cli = (await aws(
      'ec2',
      'describe-launch-template-versions',
      '--launch-template-id',
      'lt-0c05a0000000000a1',
      '--versions',
      '$Latest',
      '2',
    )) as {
      LaunchTemplateVersions: Array<{ VersionNumber: number; LaunchTemplateData: Record<string, unknown> }>;
    };
    expect(cli.LaunchTemplateVersions.map((v) => v.VersionNumber)).toEqual([3, 2]);
    expect(cli.LaunchTemplateVersions[0]?.LaunchTemplateData).toMatchObject({
      ImageId: 'ami-0a2023x8600001001',
      MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 },
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'team', Value: 'platform' }] }],
    });
    const sdk = await clients(sb).ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: 'lt-0c05a0000000000a1',
        Versions: ['$Latest', '2'],
      }),
    );
    expectSameAnswer(cli, sdk);
  });

  it('gets parameters with the fleet values, parsed identically by the SDK', async () => {
    const names = [
      '/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/recommended/image_id',
      '/golden/eks-al2023/ami',
      '/does/not/exist',
    ];
    const cli = (await aws('ssm', 'get-parameters', '--names', ...names)) as {
      Parameters: Array<{ Name: string; Value: string }>;
      InvalidParameters: string[];
    };
    expect(cli.Parameters.map((p) => p.Value)).toEqual(['ami-0a2023x8600001110', 'ami-0901de0000001118']);
    expect(cli.InvalidParameters).toEqual(['/does/not/exist']);
    const sdk = await clients(sb).ssm.send(new GetParametersCommand({ Names: names }));
    expectSameAnswer(cli, sdk);
  });

  it('reports sandbox errors with the AWS error code', async () => {
    const err = await aws(
      'eks',
      'describe-nodegroup',
      '--cluster-name',
      'prod-a',
      '--nodegroup-name',
      'nope',
    ).catch((e: { stderr?: string }) => e);
    expect(String((err as { stderr?: string }).stderr)).toContain('ResourceNotFoundException');
  });
});

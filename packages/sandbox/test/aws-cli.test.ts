import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { DescribeNodegroupCommand } from '@aws-sdk/client-eks';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../index.ts';
import { AWS_CLI, awsCliEnv, clients } from './helpers.ts';

const run = promisify(execFile);

const AWS = AWS_CLI;
if (!AWS)
  console.warn(
    'aws-cli.test.ts: skipped, no `aws` binary (install Debian awscli to run the CLI fidelity test)',
  );

/** Dates as epoch milliseconds, everything else as is, SDK metadata dropped: SDK and CLI output compare equal. */
function normalize(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (
    typeof value === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)
  )
    return Date.parse(value);
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k, v]) => k !== '$metadata' && v !== undefined)
        .map(([k, v]) => [k, normalize(v)]),
    );
  }
  return value;
}

describe.skipIf(!AWS)('the AWS CLI against the sandbox', () => {
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
    const { stdout } = await run(AWS ?? 'aws', [...args, '--endpoint-url', sb.endpoint, '--output', 'json'], {
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
    expect(normalize(cli)).toEqual(normalize(sdk));
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
    expect(normalize(cli)).toEqual(normalize(sdk));
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
    expect(normalize(cli)).toEqual(normalize(sdk));
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

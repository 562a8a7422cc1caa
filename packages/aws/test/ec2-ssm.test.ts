import { DescribeImagesCommand, DescribeLaunchTemplateVersionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  describeAmazonImagesByName,
  describeImagesBatch,
  describeLaunchTemplateVersions,
} from '../src/ec2.ts';
import { getParameters, getParametersBatch } from '../src/ssm.ts';
import { realcase } from './helpers.ts';

const ec2Mock = mockClient(EC2Client);
const ssmMock = mockClient(SSMClient);
const ec2 = new EC2Client({ region: 'us-east-1' });
const ssm = new SSMClient({ region: 'us-east-1' });

afterEach(() => {
  ec2Mock.reset();
  ssmMock.reset();
});

describe('describeLaunchTemplateVersions', () => {
  describe('when several versions of one template are needed (published example)', () => {
    it('asks for all of them in one call and keys the answer by requested version', async () => {
      const published = realcase<{ LaunchTemplateVersions: Array<Record<string, unknown>> }>(
        'ec2_describe-launch-template-versions.json',
      );
      ec2Mock.on(DescribeLaunchTemplateVersionsCommand).resolves({
        LaunchTemplateVersions: published.LaunchTemplateVersions.map((v) => ({
          ...v,
          CreateTime: undefined,
        })),
      } as never);
      const out = await describeLaunchTemplateVersions(ec2, 'lt-068f72b72934aff71', ['3', '2', '3']);
      expect(ec2Mock).toHaveReceivedCommandTimes(DescribeLaunchTemplateVersionsCommand, 1);
      expect(ec2Mock).toHaveReceivedCommandWith(DescribeLaunchTemplateVersionsCommand, {
        LaunchTemplateId: 'lt-068f72b72934aff71',
        Versions: ['3', '2'],
      });
      expect(out.get('3')).toEqual({
        launchTemplateId: 'lt-068f72b72934aff71',
        launchTemplateName: 'Webservers',
        versionNumber: '3',
        imageId: 'ami-6057e21a',
        defaultVersion: false,
      });
      expect(out.get('2')?.versionNumber).toBe('2');
    });
  });

  describe('when the answer spans pages', () => {
    it('follows NextToken', async () => {
      ec2Mock
        .on(DescribeLaunchTemplateVersionsCommand, { NextToken: undefined })
        .resolves({ LaunchTemplateVersions: [{ VersionNumber: 1, LaunchTemplateData: {} }], NextToken: 'n' })
        .on(DescribeLaunchTemplateVersionsCommand, { NextToken: 'n' })
        .resolves({
          LaunchTemplateVersions: [{ VersionNumber: 2, LaunchTemplateData: { ImageId: 'ami-2' } }],
        });
      const out = await describeLaunchTemplateVersions(ec2, 'lt-1', ['1', '2']);
      expect(out.get('1')?.imageId).toBeNull();
      expect(out.get('2')?.imageId).toBe('ami-2');
      expect(ec2Mock).toHaveReceivedCommandTimes(DescribeLaunchTemplateVersionsCommand, 2);
    });
  });

  describe('when $Latest and $Default are asked for', () => {
    it('resolves them from the versions returned', async () => {
      ec2Mock.on(DescribeLaunchTemplateVersionsCommand).resolves({
        LaunchTemplateVersions: [
          { VersionNumber: 7, LaunchTemplateData: { ImageId: 'ami-7' } },
          { VersionNumber: 3, DefaultVersion: true, LaunchTemplateData: { ImageId: 'ami-3' } },
        ],
      });
      const out = await describeLaunchTemplateVersions(ec2, 'lt-1', ['$Latest', '$Default']);
      expect(out.get('$Latest')?.imageId).toBe('ami-7');
      expect(out.get('$Default')?.imageId).toBe('ami-3');
    });
  });
});

describe('describeImagesBatch', () => {
  describe('when given image IDs (published example)', () => {
    it('filters by image-id with deprecated and disabled images included', async () => {
      const published = realcase<{ Images: Array<Record<string, unknown>> }>('ec2_describe-images.json');
      ec2Mock.on(DescribeImagesCommand).resolves(published as never);
      const out = await describeImagesBatch(ec2, [
        'ami-1234567890EXAMPLE',
        'ami-1234567890EXAMPLE',
        'ami-gone',
      ]);
      expect(ec2Mock).toHaveReceivedCommandWith(DescribeImagesCommand, {
        Filters: [{ Name: 'image-id', Values: ['ami-1234567890EXAMPLE', 'ami-gone'] }],
        IncludeDeprecated: true,
        IncludeDisabled: true,
      });
      expect(out).toEqual([
        {
          imageId: 'ami-1234567890EXAMPLE',
          name: 'RHEL-8.0.0_HVM-20190618-x86_64-1-Hourly2-GP2',
          creationDate: '2019-05-10T13:17:12.000Z',
          state: 'available',
          deprecationTime: null,
          architecture: 'x86_64',
          ownerId: '123456789012',
        },
      ]);
    });
  });

  describe('when the answer spans pages', () => {
    it('follows NextToken', async () => {
      ec2Mock
        .on(DescribeImagesCommand, { NextToken: undefined })
        .resolves({ Images: [{ ImageId: 'ami-1' }], NextToken: 'n' })
        .on(DescribeImagesCommand, { NextToken: 'n' })
        .resolves({ Images: [{ ImageId: 'ami-2', DeprecationTime: '2026-01-01T00:00:00.000Z' }] });
      const out = await describeImagesBatch(ec2, ['ami-1', 'ami-2']);
      expect(out.map((i) => [i.imageId, i.deprecationTime])).toEqual([
        ['ami-1', null],
        ['ami-2', '2026-01-01T00:00:00.000Z'],
      ]);
    });
  });

  describe('when given more than 100 IDs', () => {
    it('refuses before calling EC2', async () => {
      const ids = Array.from({ length: 101 }, (_, i) => `ami-${i}`);
      await expect(describeImagesBatch(ec2, ids)).rejects.toThrow(RangeError);
      expect(ec2Mock).not.toHaveReceivedCommand(DescribeImagesCommand);
    });
  });

  describe('when given no IDs', () => {
    it('makes no call', async () => {
      expect(await describeImagesBatch(ec2, [])).toEqual([]);
      expect(ec2Mock).not.toHaveReceivedCommand(DescribeImagesCommand);
    });
  });
});

describe('describeAmazonImagesByName', () => {
  describe('when given image names', () => {
    it("asks Amazon's images by name once each, deprecated and disabled ones included", async () => {
      ec2Mock.on(DescribeImagesCommand).resolves({
        Images: [
          {
            ImageId: 'ami-0f608183105f43978',
            Name: 'amazon-eks-node-1.29-v20250920',
            ImageOwnerAlias: 'amazon',
            OwnerId: '602401143452',
            CreationDate: '2025-09-24T00:36:36.000Z',
            DeprecationTime: '2027-09-24T00:36:36.000Z',
            State: 'available',
            Architecture: 'x86_64',
          },
        ],
      });
      const out = await describeAmazonImagesByName(ec2, [
        'amazon-eks-node-1.29-v20250920',
        'amazon-eks-node-1.29-v20250920',
        'amazon-eks-node-1.28-v20240101',
      ]);
      expect(ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 1);
      expect(ec2Mock).toHaveReceivedCommandWith(DescribeImagesCommand, {
        Owners: ['amazon'],
        Filters: [
          { Name: 'name', Values: ['amazon-eks-node-1.29-v20250920', 'amazon-eks-node-1.28-v20240101'] },
        ],
        IncludeDeprecated: true,
        IncludeDisabled: true,
      });
      expect(out.map((i) => [i.imageId, i.name, i.deprecationTime])).toEqual([
        ['ami-0f608183105f43978', 'amazon-eks-node-1.29-v20250920', '2027-09-24T00:36:36.000Z'],
      ]);
    });
  });

  describe('when given more than 100 names, or none', () => {
    it('refuses, or makes no call', async () => {
      const names = Array.from({ length: 101 }, (_, i) => `amazon-eks-node-1.29-v2025${i}`);
      await expect(describeAmazonImagesByName(ec2, names)).rejects.toThrow(RangeError);
      expect(await describeAmazonImagesByName(ec2, [])).toEqual([]);
      expect(ec2Mock).not.toHaveReceivedCommand(DescribeImagesCommand);
    });
  });
});

describe('getParametersBatch', () => {
  describe('when some names do not exist (published example)', () => {
    it('returns the values and lists the invalid names', async () => {
      ssmMock.on(GetParametersCommand).resolves(realcase('ssm_get-parameters_with-invalid.json') as never);
      const out = await getParametersBatch(ssm, [
        'MyStringListParameter',
        'MyStringParameter',
        'MyInvalidParameterName',
      ]);
      expect(out).toEqual({
        values: { MyStringListParameter: 'alpha,beta,gamma', MyStringParameter: 'Vici' },
        invalid: ['MyInvalidParameterName'],
      });
    });
  });

  describe('when given more than 10 names', () => {
    it('refuses before calling SSM', async () => {
      await expect(
        getParametersBatch(
          ssm,
          Array.from({ length: 11 }, (_, i) => `/p/${i}`),
        ),
      ).rejects.toThrow(RangeError);
      expect(ssmMock).not.toHaveReceivedCommand(GetParametersCommand);
    });
  });
});

describe('getParameters', () => {
  describe('when given 23 names with duplicates', () => {
    it('asks for each distinct name once, 10 a call', async () => {
      ssmMock.on(GetParametersCommand).callsFake(async (input: { Names: string[] }) => ({
        Parameters: input.Names.map((n) => ({ Name: n, Value: `v${n}` })),
      }));
      const names = Array.from({ length: 23 }, (_, i) => `/p/${i}`);
      const out = await getParameters(ssm, [...names, ...names.slice(0, 5)]);
      expect(ssmMock).toHaveReceivedCommandTimes(GetParametersCommand, 3);
      const sent = ssmMock.commandCalls(GetParametersCommand).map((c) => c.args[0].input.Names ?? []);
      expect(sent.map((s) => s.length)).toEqual([10, 10, 3]);
      expect(new Set(sent.flat()).size).toBe(23);
      expect(Object.keys(out.values)).toHaveLength(23);
      expect(out.values['/p/7']).toBe('v/p/7');
    });
  });
});

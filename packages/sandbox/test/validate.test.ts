import { describe, expect, it } from 'vitest';
import { loadServiceModel, MODELED_OPERATIONS } from '../src/models/service-model.ts';
import {
  awsValidationMessage,
  javaPatternToJs,
  type RequestParts,
  rejectionOf,
  unsupportedPatterns,
  validateRequest,
} from '../src/protocol/validate.ts';
import type { AwsService } from '../src/types/index.ts';

function rest(method: string, pathAndQuery: string, body?: unknown): RequestParts {
  const url = new URL(pathAndQuery, 'http://127.0.0.1');
  return {
    method,
    path: url.pathname,
    query: url.searchParams,
    headers: {},
    body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
  };
}
const json = (body: unknown): RequestParts => rest('POST', '/', body);
const form = (params: Record<string, string>): RequestParts => ({
  method: 'POST',
  path: '/',
  query: new URLSearchParams(),
  headers: {},
  body: Buffer.from(new URLSearchParams(params).toString()),
});
/** The violations as `path rule` lines (plus `!` when AWS ignores it). */
const brief = (service: AwsService, operation: string, req: RequestParts) =>
  validateRequest(service, operation, req).map((v) => `${v.path} ${v.rule}${v.rejected ? '' : ' !'}`);

describe('validateRequest', () => {
  describe('on REST-JSON (EKS)', () => {
    it('accepts what the SDK sends', () => {
      expect(brief('eks', 'DescribeNodegroup', rest('GET', '/clusters/prod-a/node-groups/general'))).toEqual(
        [],
      );
      expect(
        brief(
          'eks',
          'UpdateNodegroupVersion',
          rest('POST', '/clusters/prod-a/node-groups/general/update-version', {
            launchTemplate: { id: 'lt-0abc', version: '4' },
            force: false,
            clientRequestToken: 'b7c1',
          }),
        ),
      ).toEqual([]);
      expect(brief('eks', 'ListClusters', rest('GET', '/clusters?maxResults=100&include=all'))).toEqual([]);
    });

    it('reads query-string members by locationName and checks their range and type', () => {
      expect(brief('eks', 'ListUpdates', rest('GET', '/clusters/a/updates?maxResults=0'))).toEqual([
        'maxResults range',
      ]);
      expect(brief('eks', 'ListNodegroups', rest('GET', '/clusters/a/node-groups?maxResults=ten'))).toEqual([
        'maxResults type',
      ]);
    });

    it('reads URI labels: an empty one is a missing required member', () => {
      expect(
        brief('eks', 'UpdateNodegroupVersion', rest('POST', '/clusters/a/node-groups//update-version', {})),
      ).toEqual(['nodegroupName required']);
    });

    it('checks JSON body members by type and records unknown ones as ignored', () => {
      expect(
        brief(
          'eks',
          'UpdateNodegroupVersion',
          rest('POST', '/clusters/a/node-groups/b/update-version', {
            force: 'yes',
            launchTemplate: 'lt-0abc',
            releaseversion: '1.33.5-20261110',
          }),
        ),
      ).toEqual(['force type', 'launchTemplate type', 'releaseversion unknown-member !']);
    });

    it('records query parameters the operation does not have, as ignored', () => {
      expect(brief('eks', 'DescribeCluster', rest('GET', '/clusters/a?verbose=1'))).toEqual([
        'verbose unknown-member !',
      ]);
    });
  });

  describe('on JSON 1.1 (SSM)', () => {
    const send = (extra: Record<string, unknown>) =>
      brief(
        'ssm',
        'SendCommand',
        json({
          DocumentName: 'AWS-RunPatchBaseline',
          Targets: [{ Key: 'tag:eks:cluster-name', Values: ['prod-a'] }],
          Parameters: { Operation: ['Install'], RebootOption: ['RebootIfNeeded'] },
          ...extra,
        }),
      );

    it('accepts what the SDK sends', () => {
      expect(
        send({ MaxConcurrency: '10%', MaxErrors: '0', TimeoutSeconds: 600, Comment: 'nodekeeper' }),
      ).toEqual([]);
    });

    it('checks patterns, enums, ranges and list sizes, nested in lists', () => {
      expect(
        send({
          MaxConcurrency: '0',
          DocumentHashType: 'MD5',
          TimeoutSeconds: 10,
          Targets: [{ Key: 'tag:eks:cluster-name', Values: Array.from({ length: 51 }, (_, i) => `c${i}`) }],
        }),
      ).toEqual([
        'Targets[0].Values length',
        'MaxConcurrency pattern',
        'DocumentHashType enum',
        'TimeoutSeconds range',
      ]);
    });

    it('names members the way AWS does in its message', () => {
      const violations = validateRequest(
        'ssm',
        'SendCommand',
        json({
          DocumentName: 'AWS-RunPatchBaseline',
          Targets: [{ Key: 'tag:eks:cluster-name', Values: Array.from({ length: 51 }, (_, i) => `c${i}`) }],
        }),
      );
      expect(violations[0]?.awsPath).toBe('targets.1.member.values');
      expect(awsValidationMessage(violations)).toMatch(
        /^1 validation error detected: Value '\[c0, c1, .*' at 'targets\.1\.member\.values' failed to satisfy constraint: Member must have length less than or equal to 50$/,
      );
    });

    it('reports missing required members and wrong JSON types', () => {
      expect(brief('ssm', 'GetParameters', json({}))).toEqual(['Names required']);
      expect(brief('ssm', 'GetParameters', json({ Names: '/a' }))).toEqual(['Names type']);
      expect(
        brief('ssm', 'GetParameters', json({ Names: Array.from({ length: 11 }, (_, i) => `/p/${i}`) })),
      ).toEqual(['Names length']);
    });

    it('never quotes a sensitive value', () => {
      const [v] = validateRequest('ssm', 'PutParameter', json({ Name: '/x', Value: 42 }));
      expect(v).toMatchObject({ path: 'Value', rule: 'type' });
      expect(v?.value).toBeUndefined();
    });

    it('treats a body that is not a JSON object as a type violation', () => {
      expect(brief('ssm', 'GetParameter', { ...json(undefined), body: Buffer.from('[1]') })).toEqual([
        ' type',
      ]);
    });
  });

  describe('on JSON 1.0 (DynamoDB)', () => {
    it('checks the data-plane shapes', () => {
      expect(brief('dynamodb', 'GetItem', json({ TableName: 'ledger', Key: { pk: { S: 'a' } } }))).toEqual(
        [],
      );
      expect(brief('dynamodb', 'GetItem', json({ TableName: 'ledger' }))).toEqual(['Key required']);
      expect(brief('dynamodb', 'Query', json({ TableName: 'ledger', Limit: 0 }))).toEqual(['Limit range']);
    });
  });

  describe('on the EC2 Query protocol', () => {
    it('accepts what the SDK sends: capitalized locationNames, lists as Name.N', () => {
      expect(
        brief(
          'ec2',
          'DescribeImages',
          form({
            Action: 'DescribeImages',
            Version: '2016-11-15',
            'ImageId.1': 'ami-1',
            'Owner.1': 'amazon',
            'Filter.1.Name': 'state',
            'Filter.1.Value.1': 'available',
            IncludeDeprecated: 'true',
            DryRun: 'false',
          }),
        ),
      ).toEqual([]);
      expect(
        brief(
          'ec2',
          'CreateLaunchTemplateVersion',
          form({
            LaunchTemplateId: 'lt-0abc',
            SourceVersion: '3',
            'LaunchTemplateData.ImageId': 'ami-2',
            'LaunchTemplateData.TagSpecification.1.ResourceType': 'instance',
            'LaunchTemplateData.TagSpecification.1.Tag.1.Key': 'k',
            'LaunchTemplateData.TagSpecification.1.Tag.1.Value': 'v',
            'LaunchTemplateData.BlockDeviceMapping.1.Ebs.VolumeSize': '20',
            'LaunchTemplateData.SecurityGroupId.1': 'sg-1',
            ClientToken: 'ct',
          }),
        ),
      ).toEqual([]);
    });

    it('reports a missing required member by its parameter name', () => {
      const violations = validateRequest(
        'ec2',
        'CreateLaunchTemplateVersion',
        form({ LaunchTemplateId: 'lt-0abc' }),
      );
      expect(violations).toMatchObject([
        { path: 'LaunchTemplateData', wireName: 'LaunchTemplateData', rule: 'required' },
      ]);
      expect(rejectionOf('ec2', violations)).toMatchObject({
        code: 'MissingParameter',
        status: 400,
        message: 'The request must contain the parameter LaunchTemplateData',
      });
    });

    it('checks nested members, and rejects parameters it does not know (EC2 does)', () => {
      const violations = validateRequest(
        'ec2',
        'CreateLaunchTemplateVersion',
        form({
          LaunchTemplateName: 'ab',
          'LaunchTemplateData.TagSpecification.1.ResourceType': 'node',
          'LaunchTemplateData.BlockDeviceMapping.1.Ebs.VolumeSize': 'big',
          'LaunchTemplateData.Bogus': '1',
        }),
      );
      expect(violations.map((v) => `${v.wireName} ${v.rule}${v.rejected ? '' : ' !'}`)).toEqual([
        'LaunchTemplateName length',
        'LaunchTemplateData.BlockDeviceMapping.1.Ebs.VolumeSize type',
        'LaunchTemplateData.TagSpecification.1.ResourceType enum',
        'LaunchTemplateData.Bogus unknown-member',
      ]);
      expect(rejectionOf('ec2', violations)).toMatchObject({
        code: 'InvalidParameterValue',
        message:
          'Value (ab) for parameter LaunchTemplateName is invalid. Member must have length greater than or equal to 3',
      });
      expect(
        rejectionOf('ec2', validateRequest('ec2', 'DescribeInstances', form({ Bogus: '1' }))),
      ).toMatchObject({
        code: 'UnknownParameter',
        message: 'The parameter Bogus is not recognized',
      });
    });

    it('checks integers and booleans on the wire', () => {
      expect(brief('ec2', 'DescribeInstances', form({ MaxResults: 'abc', DryRun: 'yes' }))).toEqual([
        'DryRun type',
        'MaxResults type',
      ]);
    });
  });

  describe('on the AWS Query protocol (STS)', () => {
    const role = 'arn:aws:iam::111122223333:role/nodekeeper-spoke';

    it('accepts what the SDK sends: lists as Name.member.N', () => {
      expect(
        brief(
          'sts',
          'AssumeRole',
          form({
            Action: 'AssumeRole',
            Version: '2011-06-15',
            RoleArn: role,
            RoleSessionName: 'nodekeeper',
            DurationSeconds: '3600',
            'PolicyArns.member.1.arn': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
            'Tags.member.1.Key': 'team',
            'Tags.member.1.Value': 'platform',
            TransitiveTagKeys: '',
          }),
        ),
      ).toEqual([]);
    });

    it('checks required members, patterns and ranges, nested ones included', () => {
      expect(
        brief(
          'sts',
          'AssumeRole',
          form({
            RoleArn: role,
            DurationSeconds: '60',
            ExternalId: 'has space',
            'Tags.member.1.Key': 'team',
          }),
        ),
      ).toEqual([
        'DurationSeconds range',
        'Tags[0].Value required',
        'ExternalId pattern',
        'RoleSessionName required',
      ]);
    });

    it('answers ValidationError with AWS message and records unknown parameters as ignored', () => {
      const violations = validateRequest('sts', 'AssumeRole', form({ RoleArn: role, Bogus: '1' }));
      expect(violations.map((v) => `${v.path} ${v.rule} ${v.rejected}`)).toEqual([
        'RoleSessionName required true',
        'Bogus unknown-member false',
      ]);
      expect(rejectionOf('sts', violations)).toMatchObject({
        code: 'ValidationError',
        message:
          "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null",
      });
    });
  });

  describe('when the operation is not in the committed model', () => {
    it('records model-missing, which AWS would not reject', () => {
      const [v] = validateRequest('ssm', 'DescribeParameters', json({}));
      expect(v).toMatchObject({ rule: 'model-missing', rejected: false });
      expect(v?.constraint).toContain('npm run models:sync');
    });
  });
});

describe('rejectionOf', () => {
  it('answers InvalidParameterException for EKS and SerializationException for a JSON 1.x type error', () => {
    const eks = validateRequest('eks', 'ListClusters', rest('GET', '/clusters?maxResults=0'));
    expect(rejectionOf('eks', eks)).toMatchObject({
      code: 'InvalidParameterException',
      status: 400,
      message:
        "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
    });
    const ssm = validateRequest('ssm', 'GetParameters', json({ Names: 'x' }));
    expect(rejectionOf('ssm', ssm)?.code).toBe('SerializationException');
  });

  it('is null when AWS would accept the request', () => {
    expect(
      rejectionOf('ssm', validateRequest('ssm', 'GetParameter', json({ Name: '/a', Extra: 1 }))),
    ).toBeNull();
  });
});

describe('model patterns', () => {
  it('compiles every pattern of every committed model', () => {
    for (const service of Object.keys(MODELED_OPERATIONS) as AwsService[]) {
      expect(unsupportedPatterns(loadServiceModel(service)), service).toEqual([]);
    }
  });

  it('rewrites the Java constructs JavaScript lacks, and gives up on the rest', () => {
    expect(javaPatternToJs('\\A[a-z]++\\z')).toBe('^[a-z]+$');
    expect(javaPatternToJs('\\Q.*\\E[\\#]')).toBe('\\.\\*[#]');
    expect(javaPatternToJs('[a-z&&[^q]]')).toBeNull();
    expect(javaPatternToJs('(?i)abc')).toBeNull();
  });
});

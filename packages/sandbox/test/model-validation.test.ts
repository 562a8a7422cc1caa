import {
  CreateLaunchTemplateVersionCommand,
  type CreateLaunchTemplateVersionCommandInput,
} from '@aws-sdk/client-ec2';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox, takeSandboxViolations, violationsError } from '../index.ts';
import { clients, rejection } from './helpers.ts';

/**
 * Requests the SDK would never send, over raw HTTP: the sandbox answers each with AWS's own error
 * for its protocol and records the violation (which a test that sends one on purpose takes).
 */
describe('sandbox request validation against the AWS models', () => {
  let sb: Sandbox;

  beforeAll(async () => {
    sb = await startSandbox({ now: '2026-11-22T09:00:00.000Z' });
  });
  afterAll(async () => {
    await sb.close();
  });

  const post = (path: string, headers: Record<string, string>, body: string) =>
    fetch(`${sb.endpoint}${path}`, { method: 'POST', headers, body });
  const formPost = (params: Record<string, string>) =>
    post(
      '/',
      { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      new URLSearchParams(params).toString(),
    );

  describe('on EKS (REST-JSON)', () => {
    it('rejects a body member of the wrong type with InvalidParameterException and starts nothing', async () => {
      const res = await post(
        '/clusters/prod-a/node-groups/general/update-version',
        { 'content-type': 'application/json' },
        JSON.stringify({ force: 'yes', launchTemplate: 'lt-0abc' }),
      );
      expect(res.status).toBe(400);
      expect(res.headers.get('x-amzn-errortype')).toBe('InvalidParameterException');
      const body = (await res.json()) as { message: string };
      expect(body.message).toMatch(
        /^2 validation errors detected: Value 'yes' at 'force' failed to satisfy constraint/,
      );
      expect(sb.state().clusters.find((c) => c.name === 'prod-a')?.nodegroups[0]?.status).toBe('ACTIVE');
      expect(sb.takeViolations()).toMatchObject([
        { service: 'eks', operation: 'UpdateNodegroupVersion', path: 'force', rule: 'type', rejected: true },
        { path: 'launchTemplate', rule: 'type' },
      ]);
    });
  });

  describe('on EC2 (EC2 Query)', () => {
    it('answers MissingParameter in the EC2 error document', async () => {
      const res = await formPost({
        Action: 'CreateLaunchTemplateVersion',
        Version: '2016-11-15',
        LaunchTemplateName: 'prod-a-general',
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(
        /<Response><Errors><Error><Code>MissingParameter<\/Code><Message>The request must contain the parameter LaunchTemplateData<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]+<\/RequestID><\/Response>$/,
      );
      expect(sb.takeViolations()).toMatchObject([
        { operation: 'CreateLaunchTemplateVersion', path: 'LaunchTemplateData', rule: 'required' },
      ]);
    });

    it('answers UnknownParameter for a parameter the operation does not have', async () => {
      const res = await formPost({ Action: 'DescribeImages', Version: '2016-11-15', 'ImageIds.1': 'ami-1' });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain(
        '<Code>UnknownParameter</Code><Message>The parameter ImageIds.1 is not recognized',
      );
      expect(sb.takeViolations()).toMatchObject([
        { wireName: 'ImageIds.1', rule: 'unknown-member', rejected: true },
      ]);
    });

    it('reaches the SDK as its modeled error', async () => {
      const request = { LaunchTemplateName: 'prod-a-general' } as CreateLaunchTemplateVersionCommandInput;
      const err = await rejection(clients(sb).ec2.send(new CreateLaunchTemplateVersionCommand(request)));
      expect(err.name).toBe('MissingParameter');
      expect(err.$metadata?.httpStatusCode).toBe(400);
      expect(sb.takeViolations()).toHaveLength(1);
    });
  });

  describe('on SSM (JSON 1.1)', () => {
    it('answers ValidationException with AWS message for a pattern the value breaks', async () => {
      const res = await post(
        '/',
        { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.SendCommand' },
        JSON.stringify({
          DocumentName: 'AWS-RunPatchBaseline',
          Targets: [{ Key: 'tag:eks:cluster-name', Values: ['prod-a'] }],
          MaxConcurrency: '0',
        }),
      );
      expect(res.status).toBe(400);
      expect(res.headers.get('x-amzn-errortype')).toBe('ValidationException');
      expect(await res.json()).toEqual({
        __type: 'ValidationException',
        message:
          "1 validation error detected: Value '0' at 'maxConcurrency' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$",
      });
      expect(sb.takeViolations()).toMatchObject([{ path: 'MaxConcurrency', rule: 'pattern' }]);
    });

    it('reaches the SDK as ValidationException', async () => {
      const err = await rejection(
        clients(sb).ssm.send(
          new SendCommandCommand({
            DocumentName: 'AWS-RunPatchBaseline',
            InstanceIds: [],
            TimeoutSeconds: 5,
          }),
        ),
      );
      expect(err.name).toBe('ValidationException');
      expect(sb.takeViolations()).toMatchObject([{ path: 'TimeoutSeconds', rule: 'range' }]);
    });

    it('answers a member AWS does not know as AWS does (it ignores it) but still records it', async () => {
      const res = await post(
        '/',
        { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameters' },
        JSON.stringify({ Names: ['/nope'], Recursive: true }),
      );
      expect(res.status).toBe(200);
      expect(sb.takeViolations()).toMatchObject([
        { path: 'Recursive', rule: 'unknown-member', rejected: false },
      ]);
    });
  });

  describe('on STS (AWS Query)', () => {
    it('answers ValidationError in the Query error document', async () => {
      const res = await formPost({
        Action: 'AssumeRole',
        Version: '2011-06-15',
        RoleArn: 'arn:aws:iam::111122223333:role/nodekeeper-spoke',
      });
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(text).toContain('<Type>Sender</Type><Code>ValidationError</Code>');
      expect(text).toContain(
        '<Message>1 validation error detected: Value null at &apos;roleSessionName&apos; failed to satisfy constraint: Member must not be null</Message>',
      );
      expect(sb.takeViolations()).toMatchObject([
        { operation: 'AssumeRole', path: 'RoleSessionName', rule: 'required' },
      ]);
    });
  });

  describe('on DynamoDB (JSON 1.0, before dynalite)', () => {
    it('answers ValidationException for a missing key', async () => {
      const res = await post(
        '/',
        { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' },
        JSON.stringify({ TableName: 'ledger' }),
      );
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toBe(
        "1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null",
      );
      expect(sb.takeViolations()).toMatchObject([{ service: 'dynamodb', path: 'Key', rule: 'required' }]);
    });
  });

  describe('for the test guard', () => {
    it('keeps violations for the process-wide registry and the control endpoint until taken', async () => {
      await fetch(`${sb.endpoint}/clusters?maxResults=0`);
      const listed = (await (await fetch(`${sb.endpoint}/_sandbox/violations`)).json()) as unknown[];
      expect(listed).toMatchObject([{ operation: 'ListClusters', path: 'maxResults', rule: 'range' }]);
      const taken = await takeSandboxViolations();
      expect(violationsError(taken).message).toContain(
        "eks ListClusters maxResults: range: Member must have value greater than or equal to 1; got '0' (rejected)",
      );
      expect(await (await fetch(`${sb.endpoint}/_sandbox/violations`)).json()).toEqual([]);
    });
  });
});

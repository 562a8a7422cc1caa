import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsAdapterError, createLambdaWorkflowStarter } from '../index.ts';

const lambda = mockClient(LambdaClient);
const arn = 'arn:aws:lambda:us-east-1:111122223333:function:nodekeeper-rollout-workflow:live';
const request = { cluster: 'prod-a' } as never;

afterEach(() => lambda.reset());

describe('createLambdaWorkflowStarter', () => {
  describe('when Lambda accepts the invoke', () => {
    it('invokes asynchronously with the execution name on the qualified ARN', async () => {
      lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
      const starter = createLambdaWorkflowStarter(new LambdaClient({ region: 'us-east-1' }), arn);
      expect(await starter.start({ executionName: 'nk_a_b_123', request })).toEqual({ kind: 'started' });
      expect(lambda).toReceiveCommandWith(InvokeCommand, {
        FunctionName: arn,
        InvocationType: 'Event',
        DurableExecutionName: 'nk_a_b_123',
      });
    });
  });

  describe('when the execution name already exists', () => {
    it('reports already-started', async () => {
      lambda.on(InvokeCommand).rejects(
        Object.assign(new Error('exists'), {
          name: 'DurableExecutionAlreadyStartedException',
          $metadata: {},
        }),
      );
      const starter = createLambdaWorkflowStarter(new LambdaClient({ region: 'us-east-1' }), arn);
      expect(await starter.start({ executionName: 'nk', request })).toEqual({ kind: 'already-started' });
    });
  });

  describe('when Lambda answers ResourceConflictException (an update of the function in progress)', () => {
    it('fails the start instead of counting it as started, so the next scan tries again', async () => {
      lambda.on(InvokeCommand).rejects(
        Object.assign(new Error('An update is in progress for resource'), {
          name: 'ResourceConflictException',
          $metadata: { httpStatusCode: 409 },
        }),
      );
      const starter = createLambdaWorkflowStarter(new LambdaClient({ region: 'us-east-1' }), arn);
      await expect(starter.start({ executionName: 'nk', request })).rejects.toThrow(AwsAdapterError);
    });
  });

  describe('when the ARN is unqualified', () => {
    it('refuses to build', () => {
      expect(() =>
        createLambdaWorkflowStarter(new LambdaClient({ region: 'us-east-1' }), arn.replace(/:live$/, '')),
      ).toThrow(AwsAdapterError);
    });
  });
});

import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createAsyncInvoker } from '../index.ts';

const lambda = mockClient(LambdaClient);

afterEach(() => lambda.reset());

describe('createAsyncInvoker', () => {
  const invoker = () => createAsyncInvoker(new LambdaClient({ region: 'us-east-1' }));

  describe('when Lambda accepts the invocation', () => {
    it('invokes asynchronously with the JSON payload and returns the request ID', async () => {
      lambda.on(InvokeCommand).resolves({ StatusCode: 202, $metadata: { requestId: 'req-1' } });
      expect(await invoker().invoke('nodekeeper-prod-patch', { cluster: 'prod-a' })).toEqual({
        kind: 'accepted',
        lambdaRequestId: 'req-1',
      });
      expect(lambda).toReceiveCommandWith(InvokeCommand, {
        FunctionName: 'nodekeeper-prod-patch',
        InvocationType: 'Event',
        Payload: new TextEncoder().encode('{"cluster":"prod-a"}'),
      });
    });
  });

  describe('when Lambda answers another status', () => {
    it('reports the status as a failure', async () => {
      lambda.on(InvokeCommand).resolves({ StatusCode: 200 });
      expect(await invoker().invoke('f', {})).toEqual({ kind: 'failed', errorCode: 'status_200' });
    });
  });

  describe('when Lambda refuses', () => {
    it('returns the error code instead of throwing', async () => {
      lambda
        .on(InvokeCommand)
        .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: {} }));
      expect(await invoker().invoke('f', {})).toEqual({ kind: 'failed', errorCode: 'AccessDeniedException' });
    });
  });
});

import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { WorkflowStarter } from '@nodekeeper/core/rollout';
import { AwsAdapterError, describeAwsError } from './errors.ts';

/** A function ARN with a version or alias qualifier (durable functions are invoked qualified). */
const QUALIFIED_ARN =
  /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9-_.]+:[a-zA-Z0-9-_$.]+$/;

/** Whether `arn` is a qualified Lambda function ARN. Pure. */
export function isQualifiedFunctionArn(arn: string): boolean {
  return QUALIFIED_ARN.test(arn);
}

/**
 * A starter of durable executions of the function at `functionArn` (qualified: version or alias;
 * anything else throws `<what> ARN must be qualified…` before any call), asynchronously and by
 * name. Lambda returns the existing execution for a known name and the same payload, and answers
 * DurableExecutionAlreadyStartedException for a known name with another payload: both mean
 * "already started". Only that exception does: ResourceConflictException ("another operation is in
 * progress", e.g. a deploy) is a failed start, which the caller's next run tries again.
 */
export function durableExecutionStarter(
  lambda: LambdaClient,
  functionArn: string,
  what: string,
): (executionName: string, payload: unknown) => Promise<'started' | 'already-started'> {
  if (!isQualifiedFunctionArn(functionArn)) {
    throw new AwsAdapterError(
      'lambda',
      'Invoke',
      new Error(`${what} ARN must be qualified with a version or alias: ${functionArn}`),
    );
  }
  return async (executionName, payload) => {
    try {
      await lambda.send(
        new InvokeCommand({
          FunctionName: functionArn,
          InvocationType: 'Event',
          DurableExecutionName: executionName,
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      );
      return 'started';
    } catch (error) {
      if (describeAwsError(error).code === 'DurableExecutionAlreadyStartedException')
        return 'already-started';
      throw new AwsAdapterError('lambda', 'Invoke', error, executionName);
    }
  };
}

/**
 * Starts rollout workflows as durable executions of the function at `functionArn` (qualified),
 * named by the rollout's execution name, so a duplicate scan starts nothing new.
 */
export function createLambdaWorkflowStarter(lambda: LambdaClient, functionArn: string): WorkflowStarter {
  const start = durableExecutionStarter(lambda, functionArn, 'workflow');
  return {
    async start({ executionName, request }) {
      return { kind: await start(executionName, { request }) };
    },
  };
}

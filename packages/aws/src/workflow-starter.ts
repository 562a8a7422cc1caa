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
 * Starts rollout workflows as durable executions of the function at `functionArn` (qualified:
 * version or alias), asynchronously, named by the rollout's execution name. Lambda returns the
 * existing execution for a known name and the same payload, and answers
 * DurableExecutionAlreadyStartedException for a known name with another payload: both mean
 * "already started", so a duplicate scan starts nothing new.
 */
export function createLambdaWorkflowStarter(lambda: LambdaClient, functionArn: string): WorkflowStarter {
  if (!isQualifiedFunctionArn(functionArn)) {
    throw new AwsAdapterError(
      'lambda',
      'Invoke',
      new Error(`workflow ARN must be qualified with a version or alias: ${functionArn}`),
    );
  }
  return {
    async start({ executionName, request }) {
      try {
        await lambda.send(
          new InvokeCommand({
            FunctionName: functionArn,
            InvocationType: 'Event',
            DurableExecutionName: executionName,
            Payload: new TextEncoder().encode(JSON.stringify({ request })),
          }),
        );
        return { kind: 'started' };
      } catch (error) {
        const { code } = describeAwsError(error);
        // Only this means the name was taken; ResourceConflictException ("another operation is in
        // progress", e.g. a deploy) is a failed start, which the next scan tries again.
        if (code === 'DurableExecutionAlreadyStartedException') return { kind: 'already-started' };
        throw new AwsAdapterError('lambda', 'Invoke', error, executionName);
      }
    },
  };
}

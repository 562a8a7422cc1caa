/**
 * The two AWS calls the slash command makes that no shared adapter offered when it was written:
 * an asynchronous Lambda invoke (the worker re-invoke and the patch function) and the pause flag
 * write (ssm:PutParameter). Narrow on purpose; swap for the shared adapters once they exist.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { describeAwsError } from '@nodekeeper/aws';

export type InvokeOutcome =
  | { kind: 'accepted'; lambdaRequestId: string | null }
  | { kind: 'failed'; errorCode: string };

/** Invokes a function asynchronously (`InvocationType: Event`). Never throws: failures are values. */
export interface AsyncInvoker {
  invoke(functionName: string, payload: unknown): Promise<InvokeOutcome>;
}

/** An AsyncInvoker over a Lambda client (lambda:InvokeFunction). */
export function createAsyncInvoker(lambda: LambdaClient): AsyncInvoker {
  return {
    async invoke(functionName, payload) {
      try {
        const out = await lambda.send(
          new InvokeCommand({
            FunctionName: functionName,
            InvocationType: 'Event',
            Payload: new TextEncoder().encode(JSON.stringify(payload)),
          }),
        );
        // An accepted asynchronous invocation answers 202.
        if (out.StatusCode !== undefined && out.StatusCode !== 202) {
          return { kind: 'failed', errorCode: `status_${out.StatusCode}` };
        }
        return { kind: 'accepted', lambdaRequestId: out.$metadata.requestId ?? null };
      } catch (error) {
        return { kind: 'failed', errorCode: describeAwsError(error).code };
      }
    },
  };
}

/** What the slash command writes into the pause parameter (read back by `parsePauseValue`). */
export interface PauseFlag {
  paused: boolean;
  reason: string | null;
  /** `slack:<user id>`. */
  by: string;
  /** ISO 8601. */
  at: string;
}

export type PauseWriteOutcome = { kind: 'set' } | { kind: 'failed'; errorCode: string };

/** Writes the pause flag. Idempotent (same value, same effect). Never throws. */
export interface PauseWriter {
  set(flag: PauseFlag): Promise<PauseWriteOutcome>;
}

/**
 * The pause flag as JSON in an SSM String parameter (ssm:PutParameter, Overwrite). Resuming writes
 * `{"paused":false,…}` rather than deleting, so the last change (who, when) stays visible.
 */
export function createSsmPauseWriter(ssm: SSMClient, parameterName: string): PauseWriter {
  return {
    async set(flag) {
      try {
        await ssm.send(
          new PutParameterCommand({
            Name: parameterName,
            Type: 'String',
            Overwrite: true,
            Value: JSON.stringify({ paused: flag.paused, reason: flag.reason, by: flag.by, at: flag.at }),
          }),
        );
        return { kind: 'set' };
      } catch (error) {
        return { kind: 'failed', errorCode: describeAwsError(error).code };
      }
    },
  };
}

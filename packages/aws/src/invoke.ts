import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { ContinuationPort } from '@nodekeeper/core/rollout';
import { type ClientContext, type ClientOptions, createClientContext } from './clients.ts';
import { describeAwsError } from './errors.ts';

/**
 * A Lambda client with the shared timeouts, retry policy and rate control of `context` (or of a
 * fresh context built from `options`). Makes no call.
 */
export function createLambdaClient(from: ClientContext | ClientOptions): LambdaClient {
  const context = 'instrument' in from ? from : createClientContext(from);
  return context.instrument(new LambdaClient(context.config), 'lambda');
}

export type InvokeOutcome =
  | { kind: 'accepted'; lambdaRequestId: string | null }
  | { kind: 'failed'; errorCode: string };

/** Invokes a function asynchronously (`InvocationType: Event`). Never throws: failures are values. */
export interface AsyncInvoker {
  invoke(functionName: string, payload: unknown): Promise<InvokeOutcome>;
}

/**
 * An AsyncInvoker over a Lambda client (lambda:InvokeFunction, asynchronous). Not idempotent:
 * every call queues one more invocation; the target decides what a repeat means.
 */
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

/** The event a continuation scan is invoked with (the scan function parses it; see functions/lib/scan.ts). */
export interface ContinuationEvent {
  source: 'nodekeeper.continuation';
  id: string;
  time: string;
  runId: string | null;
}

/**
 * The rollout workflow's continuation port: invokes the scan function asynchronously with a
 * {@link ContinuationEvent}. The scan function runs one invocation at a time (reserved concurrency
 * 1), so continuations queue behind each other and behind scheduled scans.
 */
export function createContinuationPort(invoker: AsyncInvoker, scanFunction: string): ContinuationPort {
  return {
    async request({ id, runId, time }) {
      const event: ContinuationEvent = { source: 'nodekeeper.continuation', id, time, runId };
      const outcome = await invoker.invoke(scanFunction, event);
      return outcome.kind === 'accepted'
        ? { kind: 'requested' }
        : { kind: 'failed', error: `lambda:InvokeFunction ${scanFunction}: ${outcome.errorCode}` };
    },
  };
}

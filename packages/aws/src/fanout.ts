import { gunzipSync, gzipSync } from 'node:zlib';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { InspectFleetResult as Inspection } from './inspect.ts';
import { durableExecutionStarter } from './workflow-starter.ts';

/**
 * The largest result one inspect invocation returns to the durable fleet scan: nodekeeper's own
 * cap. The Lambda API model allows a chained invoke's Result up to 6,291,456 characters
 * (`OperationPayload`), but every result is stored in the execution (at most 100 MB in all) and
 * read again on each replay, and AWS's durable best practices say to keep checkpointed values
 * small (docs/aws-contracts.md, "Durable fleet scan"). The fleet scan lowers it further per target
 * so that all of them fit the execution ({@link resultBudget}).
 */
export const INSPECTION_RESULT_MAX_BYTES = 256 * 1024;

/** Lambda's limit on the data one durable execution stores (DurableExecutionStorageWrittenBytes). */
export const DURABLE_EXECUTION_STORAGE_BYTES = 100 * 1000 * 1000;

/**
 * Bytes one of `targets` inspect results may take so that all of them, with a tenth to spare for
 * the execution's other records, stay within the execution's 100 MB: at most
 * {@link INSPECTION_RESULT_MAX_BYTES}. Pure.
 */
export function resultBudget(targets: number): number {
  return Math.min(
    INSPECTION_RESULT_MAX_BYTES,
    Math.floor((DURABLE_EXECUTION_STORAGE_BYTES * 0.9) / Math.max(1, targets)),
  );
}

/** One target's inspection as the inspect function returns it: gzip of its JSON, in base64. */
export interface EncodedInspection {
  encoding: 'gzip-base64';
  /** Size of the inspection's JSON before compression. */
  jsonBytes: number;
  data: string;
}

/** Raised when a target's inspection does not fit its result budget even compressed. */
export class InspectionTooLargeError extends Error {
  readonly bytes: number;
  readonly nodegroups: number;
  constructor(bytes: number, nodegroups: number, maxBytes: number) {
    super(
      `the inspection of ${nodegroups} node groups is ${bytes} bytes compressed, over the ${maxBytes} bytes each target's result may take in one fleet scan; split this target's clusters across more targets`,
    );
    this.name = 'InspectionTooLargeError';
    this.bytes = bytes;
    this.nodegroups = nodegroups;
  }
}

/**
 * Compresses one inspection for the fleet scan; throws InspectionTooLargeError past `maxBytes`
 * (default and at most {@link INSPECTION_RESULT_MAX_BYTES}).
 */
export function encodeInspection(
  inspection: Inspection,
  maxBytes: number = INSPECTION_RESULT_MAX_BYTES,
): EncodedInspection {
  const limit = Math.min(maxBytes, INSPECTION_RESULT_MAX_BYTES);
  const json = JSON.stringify(inspection);
  const data = gzipSync(json, { level: 6 }).toString('base64');
  // The result travels as JSON: the envelope's quotes and keys come on top of `data`.
  const bytes = data.length + 80;
  if (bytes > limit) {
    throw new InspectionTooLargeError(bytes, inspection.fleet.nodegroups.length, limit);
  }
  return { encoding: 'gzip-base64', jsonBytes: Buffer.byteLength(json), data };
}

/** The inspection an {@link encodeInspection} result carries; throws on anything else. */
export function decodeInspection(value: unknown): Inspection {
  const v = value as Partial<EncodedInspection> | null;
  if (v === null || typeof v !== 'object' || v.encoding !== 'gzip-base64' || typeof v.data !== 'string') {
    throw new Error('not an encoded inspection (expected {encoding: "gzip-base64", data})');
  }
  return JSON.parse(gunzipSync(Buffer.from(v.data, 'base64')).toString('utf8')) as Inspection;
}

/** Hands one scan event to the durable fleet scan. */
export interface FleetScanStarter {
  start(input: { executionName: string; event: unknown }): Promise<{ kind: 'started' | 'already-started' }>;
}

/**
 * Starts the durable fleet scan (qualified ARN) asynchronously, named after the scan event, so a
 * redelivered event starts nothing twice: Lambda answers DurableExecutionAlreadyStartedException
 * (or returns the existing execution) for a known name.
 */
export function createFleetScanStarter(lambda: LambdaClient, functionArn: string): FleetScanStarter {
  const start = durableExecutionStarter(lambda, functionArn, 'fleet scan');
  return {
    async start({ executionName, event }) {
      return { kind: await start(executionName, event) };
    },
  };
}

import { readFileSync } from 'node:fs';
import type { AwsService } from '../types/index.ts';

/**
 * AWS service models (botocore `service-2.json`), trimmed to the operations the sandbox serves
 * and the input shapes they reach. `npm run models:sync` writes them to
 * `packages/sandbox/models/<service>.generated.json`; the sandbox checks every request against them.
 */

/** A reference to a shape, with the member traits the wire protocols read. */
export interface ShapeRef {
  shape: string;
  location?: 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode';
  locationName?: string;
  queryName?: string;
  flattened?: boolean;
  idempotencyToken?: boolean;
  timestampFormat?: string;
  jsonvalue?: boolean;
  hostLabel?: boolean;
}

export interface Shape {
  type:
    | 'structure'
    | 'list'
    | 'map'
    | 'string'
    | 'integer'
    | 'long'
    | 'float'
    | 'double'
    | 'boolean'
    | 'timestamp'
    | 'blob';
  members?: Record<string, ShapeRef>;
  required?: string[];
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  flattened?: boolean;
  locationName?: string;
  union?: boolean;
  sensitive?: boolean;
  timestampFormat?: string;
  document?: boolean;
}

export interface ModelOperation {
  name: string;
  http: { method: string; requestUri: string };
  input?: ShapeRef;
}

export interface ServiceModel {
  $comment: string;
  source: { botocore: string; path: string };
  metadata: {
    apiVersion: string;
    protocol: 'rest-json' | 'json' | 'query' | 'ec2';
    serviceId: string;
    jsonVersion?: string;
    targetPrefix?: string;
    xmlNamespace?: string;
  };
  operations: Record<string, ModelOperation>;
  shapes: Record<string, Shape>;
}

/**
 * The operations each service model is trimmed to: what the sandbox serves. DynamoDB is proxied
 * whole to dynalite; its list is the data and table operations nodekeeper and its tests use.
 * A request for an operation missing here is recorded as a `model-missing` violation.
 */
export const MODELED_OPERATIONS = {
  eks: {
    apiVersion: '2017-11-01',
    operations: [
      'ListClusters',
      'DescribeCluster',
      'ListNodegroups',
      'DescribeNodegroup',
      'UpdateNodegroupVersion',
      'DescribeUpdate',
      'ListUpdates',
    ],
  },
  ec2: {
    apiVersion: '2016-11-15',
    operations: [
      'DescribeLaunchTemplateVersions',
      'CreateLaunchTemplateVersion',
      'ModifyLaunchTemplate',
      'DeleteLaunchTemplateVersions',
      'DescribeImages',
      'DescribeInstances',
    ],
  },
  ssm: {
    apiVersion: '2014-11-06',
    operations: [
      'GetParameter',
      'GetParameters',
      'GetParametersByPath',
      'GetParameterHistory',
      'PutParameter',
      'SendCommand',
      'ListCommands',
      'ListCommandInvocations',
      'GetCommandInvocation',
      'DescribeInstanceInformation',
    ],
  },
  sts: { apiVersion: '2011-06-15', operations: ['GetCallerIdentity', 'AssumeRole'] },
  dynamodb: {
    apiVersion: '2012-08-10',
    operations: [
      'CreateTable',
      'DescribeTable',
      'DeleteTable',
      'ListTables',
      'UpdateTimeToLive',
      'DescribeTimeToLive',
      'GetItem',
      'PutItem',
      'UpdateItem',
      'DeleteItem',
      'Query',
      'Scan',
      'BatchGetItem',
      'BatchWriteItem',
      'TransactGetItems',
      'TransactWriteItems',
    ],
  },
} as const satisfies Record<AwsService, { apiVersion: string; operations: readonly string[] }>;

const SHAPE_KEYS = [
  'type',
  'members',
  'required',
  'member',
  'key',
  'value',
  'enum',
  'min',
  'max',
  'pattern',
  'flattened',
  'locationName',
  'union',
  'sensitive',
  'timestampFormat',
  'document',
] as const;
const REF_KEYS = [
  'shape',
  'location',
  'locationName',
  'queryName',
  'flattened',
  'idempotencyToken',
  'timestampFormat',
  'jsonvalue',
  'hostLabel',
] as const;
const METADATA_KEYS = [
  'apiVersion',
  'protocol',
  'serviceId',
  'jsonVersion',
  'targetPrefix',
  'xmlNamespace',
] as const;

type Json = Record<string, unknown>;

function pick(source: Json, keys: readonly string[]): Json {
  const out: Json = {};
  for (const k of keys) if (source[k] !== undefined) out[k] = source[k];
  return out;
}

function pickRef(ref: unknown): ShapeRef {
  return pick(ref as Json, REF_KEYS) as unknown as ShapeRef;
}

/**
 * Pure: the operations `operations` of a full botocore model, with only their input shapes (and
 * every shape those reach) and only the traits request validation reads. Throws on an operation
 * the model does not have.
 */
export function trimServiceModel(
  full: Json,
  operations: readonly string[],
  source: { botocore: string; path: string },
): ServiceModel {
  const allOps = full.operations as Record<string, Json>;
  const allShapes = full.shapes as Record<string, Json>;
  const shapes: Record<string, Shape> = {};
  const visit = (name: string): void => {
    if (shapes[name] !== undefined) return;
    const s = allShapes[name];
    if (s === undefined) throw new Error(`shape ${name} is not in the model`);
    const trimmed = pick(s, SHAPE_KEYS);
    if (s.members !== undefined) {
      trimmed.members = Object.fromEntries(
        Object.entries(s.members as Record<string, unknown>).map(([k, r]) => [k, pickRef(r)]),
      );
    }
    for (const k of ['member', 'key', 'value'] as const) if (s[k] !== undefined) trimmed[k] = pickRef(s[k]);
    shapes[name] = trimmed as unknown as Shape;
    for (const r of Object.values(shapes[name].members ?? {})) visit(r.shape);
    for (const k of ['member', 'key', 'value'] as const) {
      const r = shapes[name][k];
      if (r) visit(r.shape);
    }
  };
  const ops: Record<string, ModelOperation> = {};
  for (const name of operations) {
    const op = allOps[name];
    if (op === undefined) throw new Error(`operation ${name} is not in the model`);
    const http = op.http as Json;
    ops[name] = {
      name,
      http: { method: String(http.method), requestUri: String(http.requestUri) },
      ...(op.input !== undefined ? { input: pickRef(op.input) } : {}),
    };
    if (op.input !== undefined) visit((op.input as ShapeRef).shape);
  }
  const sorted = Object.fromEntries(
    Object.keys(shapes)
      .sort()
      .map((k) => [k, shapes[k] as Shape]),
  );
  return {
    $comment: 'Generated by `npm run models:sync` (scripts/sync-aws-models.ts) from botocore. Do not edit.',
    source,
    metadata: pick(full.metadata as Json, METADATA_KEYS) as unknown as ServiceModel['metadata'],
    operations: ops,
    shapes: sorted,
  };
}

/** The committed file text: one operation and one shape per line, so diffs stay readable. */
export function serializeServiceModel(model: ServiceModel): string {
  const block = (entries: Record<string, unknown>) =>
    `{\n${Object.entries(entries)
      .map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
      .join(',\n')}\n  }`;
  return [
    '{',
    `  "$comment": ${JSON.stringify(model.$comment)},`,
    `  "source": ${JSON.stringify(model.source)},`,
    `  "metadata": ${JSON.stringify(model.metadata)},`,
    `  "operations": ${block(model.operations)},`,
    `  "shapes": ${block(model.shapes)}`,
    '}',
    '',
  ].join('\n');
}

/** Where the committed model of `service` lives. */
export function serviceModelUrl(service: AwsService): URL {
  return new URL(`../../models/${service}.generated.json`, import.meta.url);
}

const loaded = new Map<AwsService, ServiceModel>();

/** The committed model of `service` (read once per process). */
export function loadServiceModel(service: AwsService): ServiceModel {
  let model = loaded.get(service);
  if (!model) {
    model = JSON.parse(readFileSync(serviceModelUrl(service), 'utf8')) as ServiceModel;
    loaded.set(service, model);
  }
  return model;
}

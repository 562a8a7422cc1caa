// Runs nodekeeper's SST stacks offline under Pulumi mocks, the way SST's own component tests do.
//
// - SST components live in `.sst/platform/src` (written by `sst install`) and import the
//   platform's own copy of @pulumi/pulumi, so the mocks are installed on that copy.
// - `sst.aws.Function` asks the SST CLI over RPC to build each handler ("Runtime.Build") and for
//   the bootstrap bucket ("Provider.Aws.Bootstrap"). There is no CLI here, so the RPC module is
//   replaced (vi.doMock) with a stub that records the build input (function id, handler, linked
//   resources) and answers with a prebuilt one-file bundle. Handler files are never read.
// - The SST globals ($app, $cli, $dev, $interpolate, sst, aws, ...) are set on globalThis before
//   the stacks are imported, as the SST CLI does before it runs sst.config.ts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const platform = path.join(root, '.sst/platform');
const platformRequire = createRequire(path.join(platform, 'package.json'));

export const ACCOUNT_ID = '111122223333';
export const REGION = 'us-east-1';

/** `provider`: the explicit provider reference (`urn::id`) a resource was created with, if any. */
export type MockResource = { type: string; name: string; inputs: Record<string, unknown>; provider?: string };
export type BuildCall = {
  functionID: string;
  handler: string;
  links: string[];
  /** What SST passes its Go runtime's esbuild: the function's `nodejs` settings and architecture. */
  properties: Record<string, unknown>;
};

export type Harness = {
  resources: MockResource[];
  builds: BuildCall[];
  pulumi: typeof import('@pulumi/pulumi');
  settle: () => Promise<void>;
};

type PulumiModule = typeof import('@pulumi/pulumi');

// Pulumi's wire form of a secret value: { [SPECIAL_SIG]: SECRET_SIG, value }.
const SPECIAL_SIG = '4dabf18193072939515e22adb298388d';
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

/** Replaces secret wrappers with their values, so tests read inputs as plain data. */
function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (record[SPECIAL_SIG] === SECRET_SIG) return unwrapSecrets(record.value);
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
}

function fakeState(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  region = REGION,
): Record<string, unknown> {
  const physical = typeof inputs.name === 'string' ? inputs.name : name;
  const arnFor: Record<string, string> = {
    'aws:lambda/function:Function': `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${physical}`,
    'aws:dynamodb/table:Table': `arn:aws:dynamodb:${REGION}:${ACCOUNT_ID}:table/${physical}`,
    'aws:sqs/queue:Queue': `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${physical}`,
    'aws:iam/role:Role': `arn:aws:iam::${ACCOUNT_ID}:role/${physical}`,
    // A rule's ARN names its provider's region (rules on other regions' buses).
    'aws:cloudwatch/eventRule:EventRule': `arn:aws:events:${region}:${ACCOUNT_ID}:rule/${physical}`,
    'aws:scheduler/schedule:Schedule': `arn:aws:scheduler:${REGION}:${ACCOUNT_ID}:schedule/default/${physical}`,
    'aws:ssm/parameter:Parameter': `arn:aws:ssm:${REGION}:${ACCOUNT_ID}:parameter${String(inputs.name)}`,
  };
  const arn = arnFor[type] ?? `arn:aws:mock:${REGION}:${ACCOUNT_ID}:${name}`;
  const state: Record<string, unknown> = { ...inputs, name: physical, arn };
  if (type === 'aws:lambda/function:Function') {
    // A published function gets version 1; SST then targets `<arn>:1` (the qualified ARN).
    state.version = inputs.publish ? '1' : '$LATEST';
    state.qualifiedArn = `${arn}:${String(state.version)}`;
    state.invokeArn = `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${arn}/invocations`;
    state.qualifiedInvokeArn = `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${arn}:${String(state.version)}/invocations`;
    state.responseStreamingInvokeArn = `arn:aws:apigateway:${REGION}:lambda:path/2021-11-15/functions/${arn}/response-streaming-invocations`;
  }
  if (type === 'aws:lambda/functionUrl:FunctionUrl') {
    state.functionUrl = `https://${name.toLowerCase()}.lambda-url.${REGION}.on.aws/`;
  }
  if (type === 'aws:sqs/queue:Queue') {
    state.url = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT_ID}/${physical}`;
  }
  if (type === 'random:index/randomBytes:RandomBytes') {
    state.base64 = Buffer.alloc(32).toString('base64');
  }
  return state;
}

function fakeCall(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (token) {
    case 'aws:index/getPartition:getPartition':
      return { partition: 'aws', dnsSuffix: 'amazonaws.com' };
    case 'aws:index/getRegion:getRegion':
      return { name: REGION, region: REGION, id: REGION };
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return { accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:user/test`, userId: 'test' };
    case 'aws:iam/getPolicyDocument:getPolicyDocument':
      // The real invoke renders IAM JSON; the statements as given are enough to inspect them.
      return { ...inputs, json: JSON.stringify({ Statement: inputs.statements ?? [] }) };
    default:
      return inputs;
  }
}

/**
 * Installs the mocks and SST globals. Call once per test file, before importing stacks.
 * Not idempotent across files; vitest runs each file in its own process (pool: forks).
 */
export async function installSstHarness(stage = 'test'): Promise<Harness> {
  const resources: MockResource[] = [];
  const builds: BuildCall[] = [];
  const work = mkdtempSync(path.join(tmpdir(), 'nodekeeper-infra-'));
  const bundle = path.join(work, 'bundle');
  (await import('node:fs')).mkdirSync(bundle);
  writeFileSync(path.join(bundle, 'index.mjs'), 'export const handler = async () => ({});\n');

  vi.doMock(path.join(platform, 'src/components/rpc/rpc.ts'), () => {
    class MethodNotFoundError extends Error {
      override name = 'MethodNotFoundError';
    }
    return {
      rpc: {
        MethodNotFoundError,
        Provider: class {},
        async call(method: string, args: Record<string, unknown>) {
          if (method === 'Runtime.Build') {
            builds.push({
              functionID: String(args.functionID),
              handler: String(args.handler),
              links: Object.keys((args.links as Record<string, unknown>) ?? {}).sort(),
              properties: (args.properties as Record<string, unknown>) ?? {},
            });
            return { handler: 'index.handler', out: bundle, errors: [], sourcemaps: [] };
          }
          if (method === 'Provider.Aws.Bootstrap') {
            return {
              asset: 'sst-asset-test',
              assetEcrRegistryId: ACCOUNT_ID,
              assetEcrUrl: `${ACCOUNT_ID}.dkr.ecr.${REGION}.amazonaws.com/sst-asset`,
              state: 'sst-state-test',
              appsyncHttp: '',
              appsyncRealtime: '',
            };
          }
          throw new MethodNotFoundError(`rpc method ${method} is not stubbed`);
        },
      },
    };
  });

  const pulumi = platformRequire('@pulumi/pulumi') as PulumiModule;
  // The SST CLI hands the deployment region to Pulumi as the AWS provider's `aws:region`.
  pulumi.runtime.setConfig('aws:region', REGION);
  // Explicit AWS providers by mock ID → their region.
  const providerRegions = new Map<string, string>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = unwrapSecrets(args.inputs) as Record<string, unknown>;
        const id = `${args.name}-id`;
        if (args.type === 'pulumi:providers:aws' && typeof inputs.region === 'string') {
          providerRegions.set(id, inputs.region);
        }
        const region = providerRegions.get(args.provider?.split('::').pop() ?? '') ?? REGION;
        resources.push({
          type: args.type,
          name: args.name,
          inputs,
          ...(args.provider ? { provider: args.provider } : {}),
        });
        return { id, state: fakeState(args.type, args.name, inputs, region) };
      },
      call(args) {
        return fakeCall(args.token, unwrapSecrets(args.inputs) as Record<string, unknown>);
      },
    },
    'nodekeeper',
    stage,
    false,
  );

  for (const name of ['SlackWebhookUrl', 'SlackBotToken', 'SlackSigningSecret']) {
    process.env[`SST_SECRET_${name}`] = `test-${name}`;
  }

  const g = globalThis as Record<string, unknown>;
  g.$app = { name: 'nodekeeper', stage, removal: 'remove', protect: false, providers: {} };
  g.$dev = false;
  g.$cli = {
    command: 'deploy',
    rpc: '',
    paths: { home: work, root, work, platform },
    state: { version: {} },
  };
  g.$util = pulumi;
  g.$output = pulumi.output;
  g.$resolve = pulumi.all;
  g.$interpolate = pulumi.interpolate;
  g.$concat = pulumi.concat;
  g.$jsonParse = pulumi.jsonParse;
  g.$jsonStringify = pulumi.jsonStringify;
  g.aws = platformRequire('@pulumi/aws');

  const components = path.join(platform, 'src/components');
  const [fn, workflow, cron, dynamo, queue, secret, component] = await Promise.all([
    import(path.join(components, 'aws/function.ts')),
    import(path.join(components, 'aws/workflow.ts')),
    import(path.join(components, 'aws/cron-v2.ts')),
    import(path.join(components, 'aws/dynamo.ts')),
    import(path.join(components, 'aws/queue.ts')),
    import(path.join(components, 'secret.ts')),
    import(path.join(components, 'component.ts')),
  ]);
  g.$transform = component.$transform;
  g.$asset = component.$asset;
  g.sst = {
    Secret: secret.Secret,
    aws: {
      Function: fn.Function,
      Workflow: workflow.Workflow,
      CronV2: cron.CronV2,
      Dynamo: dynamo.Dynamo,
      Queue: queue.Queue,
    },
  };

  // Pulumi registers resources from chains of promises and file I/O (the code zip); wait until no
  // new resource appears for 40 polls in a row. Bounded, so a stuck chain fails the assertions
  // instead of hanging the run.
  async function settle(): Promise<void> {
    let stable = 0;
    let last = -1;
    for (let i = 0; i < 2000 && stable < 40; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (resources.length === last) stable++;
      else {
        stable = 0;
        last = resources.length;
      }
    }
  }

  return { resources, builds, pulumi, settle };
}

/**
 * Imports stacks/app.ts after installSstHarness. The specifier is not a literal on purpose: the
 * stacks use SST's globals, which only tsconfig.sst.json declares, so tsconfig.json must not
 * follow this import.
 */
export async function importStacks(): Promise<{
  createNodekeeper: (deploy: unknown, stage: string) => { outputs: Record<string, unknown> };
}> {
  const specifier = path.join(root, 'stacks/app.ts');
  return import(specifier);
}

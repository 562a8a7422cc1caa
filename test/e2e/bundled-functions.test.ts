import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClients, getPatchCommandStatus } from '@nodekeeper/aws';
import { demoFleet, type FleetFile, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sstBuild } from '../../bench/coldstart.ts';
import { configJson, formBody, SECRET_CANARY, sign } from '../../functions/test/slack-command-support.ts';
import { ssmStatusEvent } from '../helpers/fixtures.ts';

/**
 * The lean bundles at work: each function bundled as SST deploys it (only its own SDK clients,
 * rare paths in chunks loaded by import()), run in a fresh Node process with the environment
 * Lambda gives it, against the sandbox over real HTTP. The deployed handlers read the process
 * clock, so the sandbox runs on that clock too (no simulated time in this file).
 */

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const region = 'us-east-1';
const TABLE = 'bundled-e2e-ledger';
const out = join(tmpdir(), `nodekeeper-bundled-e2e-${process.pid}`);
const RESULT = '\nnodekeeper-bundled-result ';

let sb: Sandbox;
const bundles = new Map<string, string>();

/** prod-a only, with commands that finish one second after they are sent. */
function fleet(): FleetFile {
  const f = structuredClone(demoFleet());
  f.clusters = f.clusters.filter((c) => c.name === 'prod-a');
  f.instances = f.instances.filter((i) => i.cluster === 'prod-a');
  for (const i of f.instances) i.patchSeconds = 1;
  return f;
}

/**
 * The variables that set this process's clock (`npm run test:future` runs under Debian's
 * faketime: LD_PRELOAD and FAKETIME*), so a function's process reads the same clock as the
 * sandbox and the signatures made here.
 */
function processClockEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k === 'LD_PRELOAD' || k.startsWith('FAKETIME')),
  );
}

/** Lambda's environment for a function of this deployment, pointed at the sandbox. */
function lambdaEnv(name: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    ...processClockEnv(),
    AWS_REGION: region,
    AWS_LAMBDA_FUNCTION_NAME: `nodekeeper-${name}`,
    AWS_ENDPOINT_URL: sb.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDSANDBOX',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
    NODEKEEPER_LEDGER_TABLE: TABLE,
    NODEKEEPER_CONFIG: configJson({ clusters: ['prod-*'] }),
    ...extra,
  };
}

/** Imports the bundle in a fresh process and calls its handler with `event`, as Lambda would. */
async function invoke(name: string, event: unknown, env: NodeJS.ProcessEnv): Promise<unknown> {
  const file = bundles.get(name);
  if (!file) throw new Error(`${name} was not built`);
  const script = `const { handler } = await import(process.argv[1]); const r = await handler(JSON.parse(process.argv[2])); process.stdout.write(${JSON.stringify(RESULT)} + JSON.stringify(r));`;
  const { stdout } = await run(
    process.execPath,
    ['--input-type=module', '-e', script, file, JSON.stringify(event)],
    {
      env,
    },
  );
  const at = stdout.lastIndexOf(RESULT);
  if (at < 0) throw new Error(`${name} returned nothing: ${stdout}`);
  return JSON.parse(stdout.slice(at + RESULT.length)) as unknown;
}

beforeAll(async () => {
  sb = await startSandbox({ fleet: fleet(), port: 0, ledgerTables: [TABLE] });
  for (const name of ['patch', 'patch-status', 'slack-command']) {
    const built = await sstBuild(join(root, 'functions', `${name}.ts`), join(out, name));
    bundles.set(name, built.file);
  }
}, 120_000);

afterAll(async () => {
  await sb?.close();
  rmSync(out, { recursive: true, force: true });
});

describe('the bundled functions against the sandbox', () => {
  describe('when patch sends a Scan and patch-status gets its final status', () => {
    it('sends with EKS, EC2 and SSM, then reports from SSM and the ledger alone', async () => {
      const started = (await invoke(
        'patch',
        { cluster: 'prod-a', nodegroups: ['general'], operation: 'Scan', requestId: 'req-bundled' },
        lambdaEnv('patch'),
      )) as { ok: boolean; kind?: string; commandIds?: string[] };
      expect(started).toMatchObject({ ok: true, kind: 'started' });
      const commandId = started.commandIds?.[0];
      if (!commandId) throw new Error(`no command sent: ${JSON.stringify(started)}`);

      // The sandbox finishes the command a second after it was sent, on the process clock.
      const home = createClients({
        region,
        endpoint: sb.endpoint,
        credentials: { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' },
      });
      try {
        for (let i = 0; i < 50; i++) {
          const status = await getPatchCommandStatus(home.ssm, commandId);
          if (status && status.status !== 'Pending' && status.status !== 'InProgress') break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      } finally {
        home.destroy();
      }

      sb.resetCalls();
      const reported = await invoke(
        'patch-status',
        ssmStatusEvent(commandId, 'Success', sb.clock.now()),
        lambdaEnv('patch-status'),
      );
      expect(reported).toMatchObject({ kind: 'summarized', status: 'Success' });
      const services = new Set(sb.calls().map((c) => c.service));
      expect([...services].sort()).toEqual(['dynamodb', 'ssm']);
      expect(sb.calls().map((c) => c.operation)).toContain('ListCommandInvocations');
    });
  });

  describe('when the slack-command worker plans', () => {
    it('loads its plan chunk, reads the fleet, and posts the plan on response_url', async () => {
      sb.resetCalls();
      const responseUrl = `${sb.endpoint}/slack/webhook/T0001/B0001/bundledResponseUrl`;
      const rawBody = formBody({ text: 'plan prod-a', responseUrl, extra: { trigger_id: '1.bundled.e2e' } });
      const timestamp = String(Math.floor(sb.clock.now().getTime() / 1000));
      const result = await invoke(
        'slack-command',
        {
          kind: 'slack-command-signed',
          version: 1,
          rawBody,
          timestamp,
          signature: sign(SECRET_CANARY, timestamp, rawBody),
        },
        lambdaEnv('slack-command', {
          NODEKEEPER_SLACK_SIGNING_SECRET: SECRET_CANARY,
          NODEKEEPER_SLACK_ALLOW_LOCAL: '1',
          NODEKEEPER_PAUSE_PARAMETER: '/nodekeeper/bundled/paused',
        }),
      );
      expect(result).toMatchObject({ kind: 'signed-done', delivered: true });
      const operations = new Set(sb.calls().map((c) => c.operation));
      expect(operations.has('DescribeNodegroup')).toBe(true);
      const post = sb.slackPosts().at(-1)?.body as { text?: string } | undefined;
      expect(post?.text).toMatch(/^nodekeeper plan: \d+ to roll/);
    });
  });
});

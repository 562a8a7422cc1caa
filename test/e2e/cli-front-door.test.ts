// What a new user meets first, against the sandbox: the docs every --help names exist, the home
// region rule, history of the caller's own account, plan progress and a quiet stderr.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createClients, createLedger, DEFAULT_LEDGER_TABLE } from '@nodekeeper/aws';
import { commands, main } from '@nodekeeper/cli';
import type { RolloutRecord } from '@nodekeeper/core/rollout';
import { demoFleet, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, sandboxEnv } from '../helpers/cli.ts';

let sb: Sandbox;
let dir: string;
const saved = { ...process.env };
const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };

beforeAll(async () => {
  sb = await startSandbox({ fleet: demoFleet() });
  dir = mkdtempSync(join(tmpdir(), 'nk-front-door-'));
  // The commands run in this process: the SDK reads the endpoint and credentials from process.env.
  Object.assign(process.env, sandboxEnv(sb.endpoint), { AWS_SDK_LOAD_CONFIG: '0' });
  delete process.env.AWS_REGION;
  delete process.env.AWS_DEFAULT_REGION;
});

afterAll(async () => {
  process.env = saved;
  await sb.close();
});

async function cli(args: string[], env: Record<string, string | undefined>, cwd = dir) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env,
    cwd,
    interactive: false,
  });
  return { code, stdout, stderr };
}

function writeConfig(name: string, config: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

describe('--help', () => {
  it('names only docs that exist in the repository', async () => {
    const named = new Set<string>();
    for (const command of [{ name: '--help' }, ...commands]) {
      const args = command.name === '--help' ? ['--help'] : [command.name, '--help'];
      const out = await cli(args, {});
      expect(out.code, command.name).toBe(0);
      for (const path of out.stdout.match(/\bdocs\/[\w./-]*\w/g) ?? []) named.add(path);
    }
    expect([...named]).toContain('docs/plan.md');
    for (const path of named) expect(existsSync(join(repoRoot, path)), path).toBe(true);
  });
});

describe('docs', () => {
  it('link only to files inside the repository that exist', () => {
    const docs = join(repoRoot, 'docs');
    const files = [
      join(repoRoot, 'README.md'),
      ...readdirSync(docs)
        .filter((f) => f.endsWith('.md'))
        .map((f) => join(docs, f)),
    ];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const targets = [
        ...[...text.matchAll(/\]\(([^)#\s]+)[^)]*\)/g)].map((m) => m[1] as string),
        ...[...text.matchAll(/`(\.\.\/[^`\s]+)`/g)].map((m) => m[1] as string),
      ].filter((t) => !/^[a-z]+:/.test(t));
      for (const target of targets) {
        const path = resolve(dirname(file), target);
        expect(path.startsWith(repoRoot), `${file}: ${target} points outside the repository`).toBe(true);
        expect(existsSync(path), `${file}: ${target} does not exist`).toBe(true);
      }
    }
  });
});

describe('the home region', () => {
  const env = () => ({ ...process.env });
  // The sandbox answers plain credentials in any region; its call log says which one was asked.
  const putParameterRegions = () =>
    sb
      .calls()
      .filter((c) => c.operation === 'PutParameter')
      .map((c) => c.region);

  describe('when neither AWS_REGION nor a config names one', () => {
    it('exits 2 and says how to set it', async () => {
      const out = await cli(['history'], env());
      expect(out.code).toBe(2);
      expect(out.stderr).toContain('set AWS_REGION');
    });
  });

  describe('when only the config names one', () => {
    it("pause sets the flag in the config's first region", async () => {
      writeConfig('nodekeeper.config.json', { regions: ['eu-west-1', 'us-east-1'] });
      sb.resetCalls();
      const out = await cli(['pause', '--reason', 'home region test', '--json'], env());
      expect(out.code, out.stderr).toBe(0);
      expect(putParameterRegions()).toEqual(['eu-west-1']);
      expect((await cli(['resume'], env())).code).toBe(0);
    });
  });

  describe('when AWS_DEFAULT_REGION and the config both name one', () => {
    it('takes AWS_DEFAULT_REGION', async () => {
      writeConfig('nodekeeper.config.json', { regions: ['eu-west-1'] });
      sb.resetCalls();
      const out = await cli(['pause', '--json'], { ...env(), AWS_DEFAULT_REGION: 'us-west-2' });
      expect(out.code, out.stderr).toBe(0);
      expect(putParameterRegions()).toEqual(['us-west-2']);
    });
  });
});

describe('history --account', () => {
  const record = (key: string, accountId: string | null): RolloutRecord => ({
    key,
    accountId,
    region: 'us-east-1',
    cluster: 'prod-a',
    nodegroup: key,
    strategy: 'release-version',
    wave: null,
    from: { releaseVersion: '1.33.4-20261001', imageId: null },
    to: { releaseVersion: '1.33.5-20261110', imageId: null },
    attempt: 1,
    updateId: `u-${key}`,
    launchTemplateVersion: null,
    outcome: 'succeeded',
    reason: null,
    message: null,
    errors: [],
    createdAt: sb.clock.now().toISOString(),
    startedAt: sb.clock.now().toISOString(),
    finishedAt: sb.clock.now().toISOString(),
    slackThreadTs: null,
  });

  beforeAll(async () => {
    const c = createClients({ region: 'us-east-1', endpoint: sb.endpoint, credentials });
    try {
      const ledger = createLedger(c.dynamodb, { tableName: DEFAULT_LEDGER_TABLE });
      await ledger.create(record('own-account', null));
      await ledger.create(record('spoke-account', '444455556666'));
    } finally {
      c.destroy();
    }
  });

  it("lists the caller's own rollouts (recorded without an account) under its account ID", async () => {
    const own = demoFleet().accountId;
    const out = await cli(['history', '--account', own, '--json'], {
      ...process.env,
      AWS_REGION: 'us-east-1',
    });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout).items.map((r: RolloutRecord) => r.key)).toEqual(['own-account']);
  });

  it("lists another account's rollouts under that account only", async () => {
    const out = await cli(['history', '--account', '444455556666', '--json'], {
      ...process.env,
      AWS_REGION: 'us-east-1',
    });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout).items.map((r: RolloutRecord) => r.key)).toEqual(['spoke-account']);
  });
});

describe('plan', () => {
  const config = () => writeConfig('plan.json', { regions: ['us-east-1'], clusters: ['prod-*', 'dev-*'] });

  it('prints cluster and node group counts on stderr with --progress', async () => {
    const out = await cli(['plan', '--config', config(), '--progress', '--json'], {
      ...process.env,
      AWS_REGION: 'us-east-1',
    });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/inspecting: 1\/1 regions, (\d+)\/\1 clusters, [1-9]\d* node groups/);
  });

  it('prints no counts when stderr is not a terminal and --progress is not given', async () => {
    const out = await cli(['plan', '--config', config(), '--json'], {
      ...process.env,
      AWS_REGION: 'us-east-1',
    });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).not.toContain('clusters');
  });

  it('writes only human lines on stderr when credentials are missing', async () => {
    // A child process: the SDK reads credentials from the real environment.
    const { AWS_ACCESS_KEY_ID: _k, AWS_SECRET_ACCESS_KEY: _s, ...noCredentials } = sandboxEnv(sb.endpoint);
    const out = await runCli(['plan', '--config', config()], {
      ...noCredentials,
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
      AWS_CONFIG_FILE: join(dir, 'none'),
    });
    expect(out.code, out.stderr).toBe(1);
    expect(out.stderr).toContain('Could not load credentials');
    expect(out.stderr).not.toMatch(/^\{/m);
    expect(out.stderr).not.toContain('reserved key');
  });

  it('accepts nodekeeper.config.example.json', async () => {
    const out = await cli(['plan', '--config', join(repoRoot, 'nodekeeper.config.example.json'), '--json'], {
      ...process.env,
      AWS_REGION: 'us-east-1',
    });
    expect(out.code, out.stderr).toBe(0);
  });
});

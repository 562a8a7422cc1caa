import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, sandboxEnv } from '../helpers/cli.ts';
import { prodAFleet } from '../helpers/fixtures.ts';

// The CLI in a child process reads the wall clock, so the sandbox runs on it too (no injected time):
// updates end after UPDATE_SECONDS of real time.
const UPDATE_SECONDS = 20;
const bin = fileURLToPath(new URL('../../packages/cli/bin/nodekeeper.js', import.meta.url));
const NODEGROUPS = ['prod-a/custom', 'prod-a/general', 'prod-a/gpu'];

let sb: Sandbox;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  // prod-a: general and custom succeed, gpu's update fails with PodEvictionFailure.
  sb = await startSandbox({ fleet: prodAFleet(UPDATE_SECONDS), port: 0 });
  dir = mkdtempSync(join(tmpdir(), 'nk-roll-interrupt-'));
  writeFileSync(
    join(dir, 'nodekeeper.config.json'),
    JSON.stringify({ regions: ['us-east-1'], clusters: ['prod-a'], maxConcurrentPerCluster: 3 }),
  );
  env = sandboxEnv(sb.endpoint, {
    NODEKEEPER_SLACK_WEBHOOK_URL: sb.slackWebhookUrl,
    NODEKEEPER_SLACK_ALLOW_LOCAL: '1',
  });
});

afterAll(async () => {
  await sb.close();
});

/** Starts `nodekeeper roll …` and resolves once `ready(stderr)` holds, with the child and its output. */
function startCli(args: string[], ready: (stderr: string) => boolean) {
  const child: ChildProcess = spawn(process.execPath, [bin, ...args], {
    env,
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (d: Buffer) => {
    out.stdout += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const isReady = new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      out.stderr += d.toString();
      if (ready(out.stderr)) resolve();
    });
    void exited.then(() => reject(new Error(`nodekeeper exited before it was ready:\n${out.stderr}`)));
  });
  return { child, out, exited, isReady };
}

async function updatesDone(): Promise<void> {
  for (;;) {
    const groups = sb.state().clusters.flatMap((c) => c.nodegroups);
    if (groups.every((n) => n.status !== 'UPDATING')) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('nodekeeper roll --apply --wait interrupted, then run again', () => {
  it('says what still runs and exits 130; the rerun follows each update to its end and starts none', async () => {
    const args = ['roll', '--apply', '--wait', '--poll-seconds', '1'];
    const first = startCli(args, (stderr) => (stderr.match(/update started/g) ?? []).length === 3);
    await first.isReady;
    const updates = sb.calls().filter((c) => c.operation === 'UpdateNodegroupVersion');
    expect(updates).toHaveLength(3);
    first.child.kill('SIGINT');
    const ended = await first.exited;

    expect(ended).toEqual({ code: 130, signal: null });
    const printed = first.out.stderr.slice(first.out.stderr.indexOf('interrupted'));
    for (const name of NODEGROUPS) {
      const started = new RegExp(`${name}: update started (\\S+)`).exec(first.out.stderr);
      expect(started, name).not.toBeNull();
      // Each node group with its region and update ID.
      expect(printed).toMatch(new RegExp(`${name}\\s+us-east-1\\s+update ${started?.[1]}`));
    }
    expect(printed).toContain(`nodekeeper ${args.join(' ')}`);
    expect(printed).toContain('nodekeeper history');

    // EKS goes on without nodekeeper: general and custom succeed, gpu fails.
    await updatesDone();
    sb.resetCalls();
    const rerun = await runCli([...args, '--json'], env, dir);

    expect(rerun.code, rerun.stderr).toBe(3);
    const items = JSON.parse(rerun.stdout).items as Array<{
      nodegroup: string;
      outcome: string;
      errors: Array<{ errorCode: string }>;
    }>;
    const outcomes = Object.fromEntries(items.map((i) => [i.nodegroup, i.outcome]));
    expect(outcomes).toEqual({ general: 'succeeded', custom: 'succeeded', gpu: 'failed' });
    expect(items.find((i) => i.nodegroup === 'gpu')?.errors.map((e) => e.errorCode)).toEqual([
      'PodEvictionFailure',
    ]);
    const operations = sb.calls().map((c) => c.operation);
    expect(operations).not.toContain('UpdateNodegroupVersion');
    expect(operations).not.toContain('CreateLaunchTemplateVersion');
    expect(operations.filter((o) => o === 'DescribeUpdate').length).toBeGreaterThanOrEqual(3);

    // The ledger holds each outcome as EKS reported it.
    const history = await runCli(['history', '--json'], env, dir);
    expect(history.code, history.stderr).toBe(0);
    const list = (JSON.parse(history.stdout) as { items: Array<{ nodegroup: string; outcome: string }> })
      .items;
    expect(Object.fromEntries(list.map((r) => [r.nodegroup, r.outcome]))).toEqual({
      general: 'succeeded',
      custom: 'succeeded',
      gpu: 'failed',
    });
  }, 120_000);
});

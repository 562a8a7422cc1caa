import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EKSClient, ListUpdatesCommand } from '@aws-sdk/client-eks';
import { type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterEach, describe, expect, it } from 'vitest';
import { approveCommand } from '../../packages/cli/src/commands/approve.ts';
import { planCommand } from '../../packages/cli/src/commands/plan.ts';
import { retryCommand } from '../../packages/cli/src/commands/retry.ts';
import { rollCommand } from '../../packages/cli/src/commands/roll.ts';
import type { Command, CommandContext } from '../../packages/cli/src/types/index.ts';
import { prodAFleet } from '../helpers/fixtures.ts';

/**
 * A failed node group can be tried again (issue #18 §3), and `roll --wait` keeps rolling while the
 * budget held node groups back (§1), through the CLI in-process against the sandbox. prod-a has
 * general and custom (their updates succeed) and gpu (EKS fails it with PodEvictionFailure).
 */

let sb: Sandbox | undefined;
const saved = { ...process.env };
let ledger = 0;

async function setup(config: Record<string, unknown>) {
  sb = await startSandbox({ fleet: prodAFleet(), port: 0, ledgerTables: [`retry-${++ledger}`] });
  const dir = mkdtempSync(join(tmpdir(), 'nk-retry-'));
  writeFileSync(
    join(dir, 'nodekeeper.config.json'),
    JSON.stringify({ regions: ['us-east-1'], clusters: ['prod-a'], ...config }),
  );
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: sb.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDSANDBOX',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
    NODEKEEPER_LEDGER_TABLE: `retry-${ledger}`,
  });
  delete process.env.NODEKEEPER_SLACK_WEBHOOK_URL;
  const cli = async (command: Command, args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CommandContext = {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      env: process.env,
      cwd: dir,
      interactive: false,
    };
    const code = await command.run(args, ctx).catch((e: unknown) => {
      err.push(e instanceof Error ? e.message : String(e));
      return 2;
    });
    return { code, out: out.join(''), err: err.join('') };
  };
  return { sb, cli };
}

type Item = {
  nodegroup: string;
  decision: string;
  reason: string | null;
  outcome: string | null;
  message: string;
};
const byName = (json: string) =>
  Object.fromEntries((JSON.parse(json).items as Item[]).map((i) => [i.nodegroup, i]));
/** The node group's updates as EKS lists them. */
async function updatesOf(s: Sandbox, nodegroup: string): Promise<string[]> {
  const eks = new EKSClient({
    region: 'us-east-1',
    endpoint: s.endpoint,
    credentials: { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' },
  });
  const out = await eks.send(new ListUpdatesCommand({ name: 'prod-a', nodegroupName: nodegroup }));
  eks.destroy();
  return out.updateIds ?? [];
}

afterEach(async () => {
  process.env = { ...saved };
  await sb?.close();
  sb = undefined;
});

describe('nodekeeper roll --apply --wait with a budget of one', () => {
  it('rolls the held node groups round after round until nothing waits for the budget', async () => {
    const { sb, cli } = await setup({ maxConcurrentPerCluster: 1, maxFailuresPerRelease: 2 });
    // Bot mode: every round goes on in one run, one parent message.
    Object.assign(process.env, {
      NODEKEEPER_SLACK_BOT_TOKEN: 'xoxb-sandbox-token',
      NODEKEEPER_SLACK_CHANNEL: '#platform-ops',
      NODEKEEPER_SLACK_API_URL: sb.slackApiUrl,
      NODEKEEPER_SLACK_ALLOW_LOCAL: '1',
    });
    const r = await cli(rollCommand, ['--apply', '--wait', '--poll-seconds', '1', '--json']);
    const items = byName(r.out);
    expect(Object.fromEntries(Object.entries(items).map(([k, v]) => [k, v.outcome]))).toEqual({
      custom: 'succeeded',
      general: 'succeeded',
      gpu: 'failed',
    });
    expect(r.code).toBe(3);
    // One update at a time: each started only after the one before had ended.
    const starts = sb.calls().filter((c) => c.operation === 'UpdateNodegroupVersion');
    expect(starts).toHaveLength(3);
    expect(r.err).toContain('budget free again: 1 more node group to roll (round 2)');
    expect(r.err).toContain('(round 3)');
    const posts = sb.slackPosts().filter((p) => p.kind === 'chat.postMessage');
    const parents = posts.filter((p) => p.body.thread_ts === undefined).map((p) => String(p.body.text));
    expect(parents).toEqual(['Rollout of 1 node group: 1 pending']);
    const edits = sb
      .slackPosts()
      .filter((p) => p.kind === 'chat.update')
      .map((p) => String(p.body.text));
    expect(edits.at(-1)).toBe('Rollout of 3 node groups: 2 succeeded, 1 failed');
  });
});

describe('nodekeeper retry', () => {
  it('holds a failed node group as failed, retries it as a new attempt, and approves it again the same way', async () => {
    const { sb, cli } = await setup({ maxConcurrentPerCluster: 3, maxFailuresPerRelease: 2 });
    const first = await cli(rollCommand, ['--apply', '--wait', '--poll-seconds', '1', '--json']);
    expect(byName(first.out).gpu?.outcome).toBe('failed');
    expect(await updatesOf(sb, 'gpu')).toHaveLength(1);

    // The plan is honest: gpu does not roll again by itself.
    const held = byName((await cli(planCommand, ['--json'])).out).gpu;
    expect(held).toMatchObject({ decision: 'skip', reason: 'failed' });
    expect(held?.message).toContain('`nodekeeper retry prod-a/gpu`');
    const again = await cli(rollCommand, ['--apply', '--json']);
    expect(byName(again.out).gpu?.decision).toBe('skip');
    expect(await updatesOf(sb, 'gpu')).toHaveLength(1);

    // Bad input: nothing recorded, nothing started.
    sb.resetCalls();
    expect((await cli(retryCommand, ['prod-a/general'])).code).toBe(2);
    expect((await cli(retryCommand, ['prod-a'])).code).toBe(2);
    expect((await cli(retryCommand, ['prod-a/nope'])).code).toBe(2);
    expect(
      sb.calls().filter((c) => c.operation === 'PutItem' || c.operation === 'UpdateNodegroupVersion'),
    ).toEqual([]);

    // retry: recorded, the plan rolls it, --apply starts attempt 2 (a second EKS update).
    const recorded = await cli(retryCommand, ['prod-a/gpu', '--json']);
    expect(recorded.code).toBe(0);
    expect(JSON.parse(recorded.out)).toMatchObject({
      retry: { release: '20261110', family: 'al2023', nodegroup: { cluster: 'prod-a', nodegroup: 'gpu' } },
      item: { decision: 'roll' },
    });
    const retried = await cli(retryCommand, [
      'prod-a/gpu',
      '--apply',
      '--wait',
      '--poll-seconds',
      '1',
      '--json',
    ]);
    expect(retried.code).toBe(3);
    expect(Object.keys(byName(retried.out))).toEqual(['gpu']);
    expect(byName(retried.out).gpu?.outcome).toBe('failed');
    expect(await updatesOf(sb, 'gpu')).toHaveLength(2);

    // An approval of the release for the node group's wave does the same, scan and CLI alike.
    expect((await cli(approveCommand, ['20261110', '--family', 'al2023'])).code).toBe(0);
    expect(byName((await cli(planCommand, ['--json'])).out).gpu?.decision).toBe('roll');
    const approved = await cli(rollCommand, ['--apply', '--nodegroup', 'prod-a/gpu', '--json']);
    expect(byName(approved.out).gpu?.outcome).toBe('started');
    expect(await updatesOf(sb, 'gpu')).toHaveLength(3);
  });
});

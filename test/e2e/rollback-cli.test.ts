import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EKSClient, ListUpdatesCommand } from '@aws-sdk/client-eks';
import { DemoAmis, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../packages/cli/src/main.ts';
import type { CommandContext } from '../../packages/cli/src/types/index.ts';
import { prodAFleet } from '../helpers/fixtures.ts';

/**
 * `nodekeeper rollback` (issue #21 §2) through the CLI in-process against the sandbox. prod-a has
 * general (EKS AMI, release version), custom (a launch template on the AL2023 image) and gpu. Both
 * general and custom roll forward to 20261110; custom then rolls back to the image it ran before,
 * once that image is recalled, and general is refused (EKS cannot roll back an AMI version).
 */

let sb: Sandbox | undefined;
const saved = { ...process.env };
let ledger = 0;
const MUTATIONS = ['UpdateNodegroupVersion', 'CreateLaunchTemplateVersion', 'PutItem', 'UpdateItem'];

async function setup(config: Record<string, unknown> = {}) {
  sb = await startSandbox({ fleet: prodAFleet(), port: 0, ledgerTables: [`rollback-${++ledger}`] });
  const dir = mkdtempSync(join(tmpdir(), 'nk-rollback-'));
  writeFileSync(
    join(dir, 'nodekeeper.config.json'),
    JSON.stringify({ regions: ['us-east-1'], clusters: ['prod-a'], maxConcurrentPerCluster: 3, ...config }),
  );
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: sb.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDSANDBOX',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
    NODEKEEPER_LEDGER_TABLE: `rollback-${ledger}`,
    USER: 'oncall',
  });
  delete process.env.NODEKEEPER_SLACK_WEBHOOK_URL;
  const cli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CommandContext = {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      env: process.env,
      cwd: dir,
      interactive: false,
    };
    const code = await main(args, ctx);
    return { code, out: out.join(''), err: err.join('') };
  };
  return { sb, cli };
}

type Line = {
  nodegroup: string;
  decision: string;
  reason: string | null;
  outcome: string | null;
  message: string;
  current: { imageId: string | null; releaseVersion: string | null };
  target: { imageId: string | null; releaseVersion: string | null } | null;
};
const byName = (json: string) =>
  Object.fromEntries((JSON.parse(json).items as Line[]).map((i) => [i.nodegroup, i]));

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

/** The ImageId of the launch template version prod-a/custom uses now. */
function customImage(s: Sandbox): string | undefined {
  const state = s.state();
  const ng = state.clusters.find((c) => c.name === 'prod-a')?.nodegroups.find((n) => n.name === 'custom');
  const lt = state.launchTemplates.find((t) => t.launchTemplateId === ng?.launchTemplate?.id);
  return lt?.versions.find((v) => String(v.versionNumber) === ng?.launchTemplate?.version)?.imageId;
}

afterEach(async () => {
  process.env = { ...saved };
  await sb?.close();
  sb = undefined;
});

describe('nodekeeper rollback', () => {
  it('refuses bad input with exit 2 and changes nothing in AWS', async () => {
    const { sb, cli } = await setup();
    sb.resetCalls();
    const cases: Array<[string[], string]> = [
      [['rollback'], 'expected the node group to roll back'],
      [['rollback', 'prod-a'], 'expected <cluster>/<nodegroup>'],
      [['rollback', 'prod-a/nope'], 'no node group prod-a/nope in the fleet'],
      [['rollback', '--image', 'ami-0123456789abcdef0'], 'no node group runs ami-0123456789abcdef0'],
      [['rollback', '--image', 'not-a-release'], "'not-a-release' is not an AMI ID"],
      [['rollback', 'prod-a/custom', '--image', DemoAmis.al2023x86New], 'not both'],
      [['rollback', 'prod-a/custom', '--wait'], '--wait needs --apply'],
      [['rollback', 'prod-a/custom', '--family', 'al2023'], '--family goes with --image'],
      [['rollback', 'prod-a/custom', '--account', '12'], '--account must be a 12-digit account ID'],
      [['rollback', '--image', '20261110', '--family', 'debian'], '--family must be one of'],
      [['rollback', 'prod-a/custom', '--bogus'], "Unknown option '--bogus'"],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toContain(message);
    }
    expect(sb.calls().filter((c) => MUTATIONS.includes(c.operation))).toEqual([]);
    const help = await cli(['rollback', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Exit codes: 0 every selected node group rolls back');
    expect((await cli(['--help'])).out).toContain('rollback');
  });

  it('rolls a recalled custom-AMI group back to its previous image, and refuses what EKS or the ledger cannot', async () => {
    const { sb, cli } = await setup();
    // Bot mode: the rollback gets its own run thread and notices.
    Object.assign(process.env, {
      NODEKEEPER_SLACK_BOT_TOKEN: 'xoxb-sandbox-token',
      NODEKEEPER_SLACK_CHANNEL: '#platform-ops',
      NODEKEEPER_SLACK_API_URL: sb.slackApiUrl,
      NODEKEEPER_SLACK_ALLOW_LOCAL: '1',
    });
    // Nothing rolled yet: no earlier image is known.
    const fresh = await cli(['rollback', 'prod-a/custom', '--json']);
    expect(fresh.code).toBe(5);
    expect(byName(fresh.out).custom).toMatchObject({ decision: 'refuse', reason: 'no-previous-image' });

    // general and custom roll forward to 20261110.
    const rolled = await cli([
      'roll',
      '--apply',
      '--wait',
      '--poll-seconds',
      '1',
      '--nodegroup',
      'prod-a/general',
      '--nodegroup',
      'prod-a/custom',
      '--json',
    ]);
    expect(rolled.code, rolled.err).toBe(0);
    expect(customImage(sb)).toBe(DemoAmis.al2023x86New);

    // Not recalled: refused, naming the recall to run first; nothing changes.
    sb.resetCalls();
    const notRecalled = await cli(['rollback', 'prod-a/custom', '--apply', '--json']);
    expect(notRecalled.code).toBe(5);
    expect(byName(notRecalled.out).custom).toMatchObject({
      decision: 'refuse',
      reason: 'not-recalled',
      outcome: null,
      target: { imageId: DemoAmis.al2023x86Old },
    });
    expect(byName(notRecalled.out).custom?.message).toContain(
      `recall it first: \`nodekeeper recall ${DemoAmis.al2023x86New} --reason "…"\``,
    );
    expect(sb.calls().filter((c) => MUTATIONS.includes(c.operation))).toEqual([]);

    const recall = await cli(['recall', DemoAmis.al2023x86New, '--reason', 'nodes fail to join']);
    expect(recall.code, recall.err).toBe(0);

    // The dry run: custom rolls back, general (EKS AMI) is refused with the alternative.
    sb.resetCalls();
    const image = await cli(['rollback', '--image', '20261110', '--family', 'al2023', '--json']);
    expect(image.code).toBe(5);
    const planned = byName(image.out);
    expect(Object.keys(planned).sort()).toEqual(['custom', 'general']);
    expect(planned.custom).toMatchObject({
      decision: 'rollback',
      current: { imageId: DemoAmis.al2023x86New },
      target: { imageId: DemoAmis.al2023x86Old },
      outcome: null,
    });
    expect(planned.general).toMatchObject({ decision: 'refuse', reason: 'eks-ami' });
    expect(planned.general?.message).toContain(
      'EKS cannot roll a managed node group back to an earlier AMI version (UpdateNodegroupVersion); create a node group on the earlier release 1.33.4-20261001 (CreateNodegroup releaseVersion)',
    );
    const table = await cli(['rollback', 'prod-a/custom']);
    expect(table.code).toBe(0);
    expect(table.out).toContain(`${DemoAmis.al2023x86New} → ${DemoAmis.al2023x86Old}`);
    expect(table.err).toContain('dry run: pass --apply to start these rollbacks');
    expect(sb.calls().filter((c) => MUTATIONS.includes(c.operation))).toEqual([]);

    // --apply without --wait: a new launch template version on the earlier image, then the EKS
    // update, which nodekeeper does not follow (its record stays `started`)…
    const started = await cli(['rollback', 'prod-a/custom', '--apply', '--json']);
    expect(started.code, started.err).toBe(0);
    expect(byName(started.out).custom).toMatchObject({ decision: 'rollback', outcome: 'started' });
    // …and EKS finishes it (the sandbox's update takes a second).
    for (let i = 0; i < 50 && customImage(sb) !== DemoAmis.al2023x86Old; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(customImage(sb)).toBe(DemoAmis.al2023x86Old);
    // The next `rollback --image --apply --wait` follows it to its end and records it, though custom
    // no longer runs the image; no second update starts. general still runs it, and is refused.
    const followed = await cli([
      'rollback',
      '--image',
      DemoAmis.al2023x86New,
      '--apply',
      '--wait',
      '--poll-seconds',
      '1',
      '--json',
    ]);
    expect(followed.code, followed.err).toBe(5);
    expect(byName(followed.out).custom).toMatchObject({ decision: 'rollback', outcome: 'succeeded' });
    expect(byName(followed.out).custom?.message).toContain('an earlier run started');
    expect(byName(followed.out).general).toMatchObject({
      decision: 'refuse',
      reason: 'eks-ami',
      outcome: null,
    });
    expect(await updatesOf(sb, 'custom')).toHaveLength(2);
    expect(await updatesOf(sb, 'general')).toHaveLength(1);
    const created = sb.calls().filter((c) => c.operation === 'CreateLaunchTemplateVersion');
    expect(created).toHaveLength(1);

    // The ledger and history keep it as a rollback.
    const history = await cli(['history', '--cluster', 'prod-a', '--json']);
    expect(history.code, history.err).toBe(0);
    const records = (
      JSON.parse(history.out) as { items: Array<{ nodegroup: string; kind?: string; outcome: string }> }
    ).items;
    expect(
      records.filter((r) => r.nodegroup === 'custom').map((r) => [r.kind ?? 'rollout', r.outcome]),
    ).toEqual([
      ['rollback', 'succeeded'],
      ['rollout', 'succeeded'],
    ]);
    const historyTable = await cli(['history', '--cluster', 'prod-a']);
    expect(historyTable.out).toContain(`rollback ${DemoAmis.al2023x86New} → ${DemoAmis.al2023x86Old}`);
    // Slack: a rollback run, and notices that say Rollback.
    const texts = sb.slackPosts().map((p) => String(p.body.text ?? ''));
    expect(texts.some((t) => t.startsWith('Rollback of 1 node group'))).toBe(true);
    expect(texts.some((t) => t.includes('Rollback') && t.includes('prod-a/custom'))).toBe(true);

    // Again: nothing further back is known, and the plan holds custom as recalled, not forward.
    sb.resetCalls();
    const again = await cli(['rollback', 'prod-a/custom', '--apply', '--json']);
    expect(again.code).toBe(5);
    expect(byName(again.out).custom).toMatchObject({ decision: 'refuse', reason: 'no-previous-image' });
    expect(sb.calls().filter((c) => c.operation === 'UpdateNodegroupVersion')).toEqual([]);
    const plan = byName((await cli(['plan', '--json'])).out);
    expect(plan.custom).toMatchObject({ decision: 'skip', reason: 'recalled' });
  });
});

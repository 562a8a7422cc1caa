import type { Plan, PlanItem } from '@nodekeeper/core/plan';
import type { Report } from '@nodekeeper/core/report';
import { DemoAmis, demoFleet, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, sandboxEnv } from '../helpers/cli.ts';
import { scanClock } from '../helpers/fixtures.ts';

/**
 * End of life over days, through the real CLI and the sandbox: prod-b/legacy runs an AL2 build whose
 * DeprecationTime is 2026-12-20T02:41:09Z; each day the sandbox clock moves, `plan` and `report`
 * count one day less, and once it is past EC2 hides the image from listings, yet nodekeeper still
 * finds it (DescribeImages with IncludeDeprecated). One clock: `--now` is always the sandbox's.
 */
const config = 'examples/demo/nodekeeper.config.json';
const DAY_SECONDS = 86_400;

describe('end of life against the sandbox, day by day', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ fleet: demoFleet(), ...scanClock });
  });
  afterAll(async () => {
    await sb.close();
  });

  const now = () => sb.clock.now().toISOString();

  async function planJson(): Promise<Map<string, PlanItem>> {
    const result = await runCli(
      ['plan', '--config', config, '--now', now(), '--json'],
      sandboxEnv(sb.endpoint),
    );
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as Plan;
    return new Map(plan.items.map((i) => [`${i.cluster}/${i.nodegroup}`, i]));
  }

  it('counts the days to the running image’s DeprecationTime down with the sandbox clock', async () => {
    const seen: Array<[string, number | null | undefined, string | undefined]> = [];
    // 2026-11-24T03:00Z (SCAN_TIME) is 25 days and 23 hours before the deprecation.
    for (const day of [0, 1, 25, 26, 27]) {
      sb.clock.set(new Date(Date.parse(scanClock.now) + day * DAY_SECONDS * 1000).toISOString());
      const legacy = (await planJson()).get('prod-b/legacy');
      const warning = legacy?.warnings?.find((w) => w.code.startsWith('image-'));
      seen.push([now().slice(0, 10), legacy?.endOfLife?.image?.daysToDeprecation, warning?.message]);
    }
    const image = DemoAmis.al2x86Old132;
    expect(seen).toEqual([
      ['2026-11-24', 25, `running image ${image} is deprecated on 2026-12-20 (in 25 days)`],
      ['2026-11-25', 24, `running image ${image} is deprecated on 2026-12-20 (in 24 days)`],
      ['2026-12-19', 0, `running image ${image} is deprecated on 2026-12-20 (within a day)`],
      ['2026-12-20', 0, `running image ${image} was deprecated on 2026-12-20 (today)`],
      ['2026-12-21', -1, `running image ${image} was deprecated on 2026-12-20 (1 day ago)`],
    ]);
  }, 120_000);

  it('shows the family and the image in the text plan, one line per warning', async () => {
    sb.clock.set(scanClock.now);
    const result = await runCli(['plan', '--config', config, '--now', now()], sandboxEnv(sb.endpoint));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      '  warning: legacy: EKS publishes no new AL2 AMIs since 2025-11-26 (Kubernetes 1.32 was the last): move to AL2023 or Bottlerocket (ami-family-end-of-life)\n',
    );
    expect(result.stdout).toContain(
      `  warning: lagging: running image ${DemoAmis.al2023x86Old131} was deprecated on 2026-11-01 (23 days ago); this rollout replaces it (image-deprecated)\n`,
    );
  });

  it('carries each group’s update config and still plans the group on a deprecated image', async () => {
    sb.clock.set(scanClock.now);
    const items = await planJson();
    expect(items.get('prod-a/gpu')?.updateConfig).toEqual({
      updateStrategy: 'MINIMAL',
      maxUnavailable: 1,
      maxUnavailablePercentage: null,
    });
    expect(items.get('prod-a/general')?.updateConfig).toEqual({
      updateStrategy: null,
      maxUnavailable: 1,
      maxUnavailablePercentage: null,
    });
    // dev-a/lagging runs an image deprecated on 2026-11-01 and rolls as any other group.
    expect(items.get('dev-a/lagging')).toMatchObject({
      decision: 'roll',
      target: { releaseVersion: '1.31.14-20261110' },
      endOfLife: { family: 'al2023', image: { imageId: DemoAmis.al2023x86Old131, daysToDeprecation: -23 } },
    });
  });

  it('lists them in the report, most urgent first, in every format', async () => {
    sb.clock.set(scanClock.now);
    const json = await runCli(
      ['report', '--config', config, '--now', now(), '--format', 'json'],
      sandboxEnv(sb.endpoint),
    );
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as Report;
    expect(report.endOfLife.map((n) => [`${n.cluster}/${n.nodegroup}`, n.code, n.daysToDeprecation])).toEqual(
      [
        ['dev-a/lagging', 'image-deprecated', -23],
        ['prod-b/legacy', 'image-deprecating', 25],
        ['prod-b/legacy', 'ami-family-end-of-life', null],
      ],
    );
    const table = await runCli(['report', '--config', config, '--now', now()], sandboxEnv(sb.endpoint));
    expect(table.stdout).toMatch(
      /legacy .* al2 EOL 2025-11-26; deprecates in 25 d\s+max 1 node\s+skip \(opted-out\)/,
    );
    expect(table.stdout).toMatch(/gpu .* MINIMAL, max 1 node /);
    const html = await runCli(
      ['report', '--config', config, '--now', now(), '--format', 'html'],
      sandboxEnv(sb.endpoint),
    );
    expect(html.stdout).toContain('<h2 id="end-of-life-h">End of life</h2>');
    expect(html.stdout).toContain('prod-b/legacy</code>: EKS publishes no new AL2 AMIs since 2025-11-26');
  });
});

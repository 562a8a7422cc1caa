// The HTML report in a real browser (Debian chromium via playwright-core): it renders its
// headings, one heat-map cell per node group and the holds, fetches nothing, stays readable at
// 1,000 node groups, and leaves screenshots in test-artifacts/ (NODEKEEPER_TEST_ARTIFACTS).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createClients, createLedger, createLedgerTable, inspectFleet } from '@nodekeeper/aws';
import { parseConfig } from '@nodekeeper/core/config';
import { PLAN_HISTORY_MAX_RECORDS, plan, policyFromConfig } from '@nodekeeper/core/plan';
import { buildReport, type Report, type ReportPatch, renderReportHtml } from '@nodekeeper/core/report';
import type { RolloutRecord } from '@nodekeeper/core/rollout';
import { demoFleet, parseFleet, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFleet } from '../fixtures/large-fleet.ts';
import { repoRoot, sandboxEnv } from '../helpers/cli.ts';

const CHROMIUM = '/usr/bin/chromium';
const NOW = new Date('2026-11-22T03:00:00.000Z');
const TABLE = 'nodekeeper-report-browser';
const artifacts = path.resolve(repoRoot, process.env.NODEKEEPER_TEST_ARTIFACTS ?? 'test-artifacts');
const hasChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';

const HEADINGS = [
  'Summary',
  'AMI age by cluster',
  'Recent rollouts and patches',
  'Why node groups wait',
  'End of life',
  'Node groups by cluster',
];

/** Deterministic ledger history: `count` rollouts over the last 30 days, every 7th failed. */
function history(nodegroups: Array<{ cluster: string; nodegroup: string }>, count: number): RolloutRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const ng = nodegroups[(i * 7) % nodegroups.length] as { cluster: string; nodegroup: string };
    const created = new Date(NOW.getTime() - ((i * 29) % 30) * 86_400_000 - (i % 5) * 3_600_000);
    const failed = i % 7 === 3;
    return {
      key: `k-${i}`,
      accountId: null,
      region: 'us-east-1',
      cluster: ng.cluster,
      nodegroup: ng.nodegroup,
      strategy: 'release-version',
      wave: ng.cluster.startsWith('dev') ? 'dev' : 'prod',
      from: { releaseVersion: '1.33.3-20260901', imageId: null },
      to: { releaseVersion: '1.33.4-20261001', imageId: null },
      attempt: 1,
      updateId: `u-${i}`,
      launchTemplateVersion: null,
      outcome: failed ? 'failed' : 'succeeded',
      reason: null,
      message: null,
      errors: failed ? [{ errorCode: 'PodEvictionFailure', errorMessage: 'PDB', resourceIds: [] }] : [],
      createdAt: created.toISOString(),
      startedAt: created.toISOString(),
      finishedAt: new Date(created.getTime() + 1_500_000).toISOString(),
      slackThreadTs: null,
    };
  });
}

function patches(clusters: string[], count: number): ReportPatch[] {
  return Array.from({ length: count }, (_, i) => ({
    commandId: `cmd-${i}`,
    accountId: null,
    region: 'us-east-1',
    cluster: clusters[i % clusters.length] as string,
    nodegroup: null,
    requestedAt: new Date(NOW.getTime() - ((i * 11) % 28) * 86_400_000 - 7_200_000).toISOString(),
    finishedAt: null,
    status: i % 4 === 2 ? 'Failed' : 'Success',
    succeeded: 3,
    failed: i % 4 === 2 ? 1 : 0,
  }));
}

/**
 * Starts a sandbox with `fleet`, writes `records` to its ledger, inspects it over HTTP and builds
 * the report as the CLI does, minus the CLI's client-side rate limits (1,000 node groups at 20
 * requests per second would take a minute; the e2e report test covers the CLI path itself).
 */
async function reportFor(
  fleet: ReturnType<typeof demoFleet>,
  configRaw: unknown,
  recordsOf: (ngs: Array<{ cluster: string; nodegroup: string }>) => RolloutRecord[],
  patchRuns: (clusters: string[]) => ReportPatch[],
): Promise<Report> {
  const sb: Sandbox = await startSandbox({ fleet });
  const saved = { ...process.env };
  try {
    Object.assign(process.env, sandboxEnv(sb.endpoint), { NODEKEEPER_LEDGER_TABLE: TABLE });
    const ngs = fleet.clusters.flatMap((c) =>
      c.nodegroups.map((n) => ({ cluster: c.name, nodegroup: n.name })),
    );
    const dynamodb = new DynamoDBClient({ region: 'us-east-1', endpoint: sb.endpoint });
    await createLedgerTable(dynamodb, TABLE);
    const ledger = createLedger(dynamodb, { tableName: TABLE });
    for (const r of recordsOf(ngs)) await ledger.create(r);
    const history = await ledger.listHistory({ limit: PLAN_HISTORY_MAX_RECORDS });
    dynamodb.destroy();
    const config = parseConfig(configRaw);
    const clients = createClients({ region: 'us-east-1', rateLimits: false });
    const inspected = await inspectFleet({
      clients,
      accountId: null,
      region: 'us-east-1',
      clusterPatterns: config.clusters,
      concurrency: 32,
    });
    clients.destroy();
    const policy = policyFromConfig(config);
    const report = buildReport({
      fleet: inspected.fleet,
      catalog: inspected.catalog,
      plan: plan(inspected.fleet, inspected.catalog, policy, NOW),
      policy,
      history,
      ledger: { kind: 'ok', table: TABLE, records: history.length },
      patches: patchRuns(fleet.clusters.map((c) => c.name)),
    });
    return report;
  } finally {
    process.env = saved;
    await sb.close();
  }
}

/** Pixels the page is wider than the viewport (0 or less: no horizontal scrolling). */
async function horizontalOverflow(page: Page): Promise<number> {
  // A string: tsconfig has no DOM lib; this runs in the page.
  return Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
}

describe.skipIf(!hasChromium && !inCi)('the HTML report in headless chromium', () => {
  let context: BrowserContext;
  let profile: string;
  const attempted: string[] = [];

  beforeAll(async () => {
    if (!hasChromium) {
      throw new Error(
        `chromium is missing at ${CHROMIUM}: the report browser test needs the Debian package 'chromium' (apt-get install -y chromium)`,
      );
    }
    mkdirSync(artifacts, { recursive: true });
    profile = mkdtempSync(path.join(tmpdir(), 'nodekeeper-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1366, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    // Only the report file itself may load; anything else is recorded and refused.
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith('file://')) return route.continue();
      attempted.push(url);
      return route.abort();
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function open(report: Report, name: string): Promise<Page> {
    const file = path.join(artifacts, `${name}.html`);
    writeFileSync(file, renderReportHtml(report), 'utf8');
    const page = await context.newPage();
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return page;
  }

  describe('for the demo fleet (11 node groups)', () => {
    let report: Report;
    let page: Page;
    beforeAll(async () => {
      report = await reportFor(
        demoFleet(),
        JSON.parse(
          `{"regions":["us-east-1"],"clusters":["prod-*","dev-*"],"waves":[{"name":"dev","clusters":["dev-*"]},{"name":"prod","clusters":["prod-*"],"minAmiAgeDays":3,"soakDays":1}],"schedule":{"cron":"cron(0 3 ? * TUE-THU *)","timezone":"Europe/Berlin","windowMinutes":240}}`,
        ),
        (ngs) => history(ngs, 14),
        (clusters) => patches(clusters, 5),
      );
      page = await open(report, 'report-demo');
    }, 60_000);

    it('renders the title and every section heading', async () => {
      expect(await page.locator('h1').innerText()).toBe('nodekeeper fleet report');
      expect(await page.locator('h2').allInnerTexts()).toEqual(HEADINGS);
    });

    it('draws one heat-map cell per node group, labelled with its age', async () => {
      const cells = page.locator('.heat .cell');
      expect(await cells.count()).toBe(11);
      const general = page.locator('.heat .cell[data-nodegroup="prod-a/general"]');
      expect(await general.innerText()).toBe('52');
      expect(await general.getAttribute('class')).toContain('behind');
    });

    it('explains the holds with the node groups they hold', async () => {
      const optedOut = page.locator('.hold[data-reason="opted-out"]');
      expect(await optedOut.locator('h3').innerText()).toMatch(/^Opted out\s*1$/);
      expect(await optedOut.innerText()).toContain('prod-b/legacy');
      expect(await page.locator('.hold[data-reason="update-in-progress"]').innerText()).toContain(
        'prod-b/batch',
      );
    });

    it('lists the end-of-life notices with the node groups they concern', async () => {
      expect(await page.locator('[data-eol="image-deprecated"]').innerText()).toContain('dev-a/lagging');
      const family = page.locator('[data-eol="ami-family-end-of-life"]');
      expect(await family.locator('h3').innerText()).toMatch(/^AMI family without new images\s*1$/);
      expect(await family.innerText()).toContain('prod-b/legacy');
    });

    it('plots the rollouts and patches on the timeline', async () => {
      expect(await page.locator('#timeline circle.ev-rollout').count()).toBe(
        report.timeline.filter((e) => e.kind === 'rollout').length,
      );
      expect(await page.locator('#timeline circle.ev-patch').count()).toBe(5);
    });

    it('opens every cluster and keeps the page within the viewport width', async () => {
      expect(await page.locator('details.cluster[open]').count()).toBe(3);
      const overflow = await horizontalOverflow(page);
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: path.join(artifacts, 'report-demo.png'), fullPage: true });
      await page.screenshot({ path: path.join(artifacts, 'report-demo-top.png') });
    });

    it('attempts no network request', () => {
      expect(attempted).toEqual([]);
    });
  });

  describe('for a fleet of 1,000 node groups', () => {
    let page: Page;
    beforeAll(async () => {
      const input = generateFleet({ clusters: 100, nodegroupsPerCluster: 10 });
      // Vary freshness: every third cluster already runs the latest Amazon Linux releases.
      input.clusters.forEach((c, i) => {
        if (i % 3 !== 0) return;
        for (const ng of c.nodegroups) {
          const rv = String(ng.releaseVersion ?? '');
          if (/^1\.33\.4-20261001$/.test(rv)) ng.releaseVersion = '1.33.5-20261110';
        }
      });
      const report = await reportFor(
        parseFleet(input),
        {
          regions: ['us-east-1'],
          clusters: ['fleet-*'],
          waves: [
            { name: 'canary', clusters: ['fleet-00*'] },
            { name: 'main', clusters: ['fleet-*'], minAmiAgeDays: 14 },
          ],
          schedule: { cron: 'cron(0 3 ? * TUE-THU *)', timezone: 'Europe/Berlin', windowMinutes: 240 },
        },
        (ngs) => history(ngs, 160),
        (clusters) => patches(clusters, 40),
      );
      expect(report.summary.nodegroups).toBe(1000);
      page = await open(report, 'report-1000');
    }, 120_000);

    it('draws 1,000 heat-map cells in 100 cluster tiles', async () => {
      expect(await page.locator('.heat .cell').count()).toBe(1000);
      expect(await page.locator('.heat .tile').count()).toBe(100);
    });

    it('shows the summary first and collapses the per-cluster detail', async () => {
      expect(await page.locator('h2').allInnerTexts()).toEqual(HEADINGS);
      const box = await page.locator('#summary').boundingBox();
      expect(box?.y ?? Number.POSITIVE_INFINITY).toBeLessThan(200);
      expect(await page.locator('details.cluster').count()).toBe(100);
      expect(await page.locator('details.cluster[open]').count()).toBe(0);
      expect(await page.locator('#clusters tbody tr').first().isVisible()).toBe(false);
    });

    it('lists at most a few held node groups per reason and folds the rest', async () => {
      for (const hold of await page.locator('.hold').all()) {
        expect(await hold.locator(':scope > ul > li').count()).toBeLessThanOrEqual(8);
      }
      const overflow = await horizontalOverflow(page);
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: path.join(artifacts, 'report-1000.png'), fullPage: true });
      await page.screenshot({ path: path.join(artifacts, 'report-1000-top.png') });
    });

    it('opens a cluster on click', async () => {
      const first = page.locator('details.cluster').first();
      await first.locator('summary').click();
      expect(await first.locator('tbody tr').count()).toBe(10);
      expect(await first.locator('tbody tr').first().isVisible()).toBe(true);
    });

    it('attempts no network request', () => {
      expect(attempted).toEqual([]);
    });
  });
});

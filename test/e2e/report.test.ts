// `nodekeeper report` against the sandbox and a ledger in its DynamoDB: the report agrees with the
// sandbox state (what AWS says runs now) and with the ledger (what rolled, and how it ended).

import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createLedger, createLedgerTable, DEFAULT_PAUSE_PARAMETER, setPauseState } from '@nodekeeper/aws';
import type { Report } from '@nodekeeper/core/report';
import type { RolloutRecord } from '@nodekeeper/core/rollout';
import { demoFleet, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../../packages/cli/src/commands/report.ts';
import { repoRoot, sandboxEnv } from '../helpers/cli.ts';

const config = 'examples/demo/nodekeeper.config.json';
const NOW = '2026-11-22T03:00:00.000Z';
const TABLE = 'nodekeeper-report-e2e';
const mutating = new Set([
  'UpdateNodegroupVersion',
  'CreateLaunchTemplateVersion',
  'ModifyLaunchTemplate',
  'SendCommand',
  'PutParameter',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
]);

function record(
  overrides: Partial<RolloutRecord> & Pick<RolloutRecord, 'key' | 'cluster' | 'nodegroup'>,
): RolloutRecord {
  return {
    accountId: null,
    region: 'us-east-1',
    strategy: 'release-version',
    wave: 'prod',
    from: { releaseVersion: '1.33.3-20260901', imageId: null },
    to: { releaseVersion: '1.33.4-20261001', imageId: null },
    attempt: 1,
    updateId: `u-${overrides.key}`,
    launchTemplateVersion: null,
    outcome: 'succeeded',
    reason: null,
    message: null,
    errors: [],
    createdAt: '2026-11-10T03:00:00.000Z',
    startedAt: '2026-11-10T03:00:01.000Z',
    finishedAt: '2026-11-10T03:20:00.000Z',
    slackThreadTs: null,
    ...overrides,
  };
}

const records: RolloutRecord[] = [
  // An older success, then a newer failure: the report shows the newer one.
  record({
    key: 'general-1',
    cluster: 'prod-a',
    nodegroup: 'general',
    createdAt: '2026-10-05T03:00:00.000Z',
  }),
  record({
    key: 'general-2',
    cluster: 'prod-a',
    nodegroup: 'general',
    outcome: 'failed',
    from: { releaseVersion: '1.33.4-20261001', imageId: null },
    to: { releaseVersion: '1.33.5-20261110', imageId: null },
    errors: [{ errorCode: 'PodEvictionFailure', errorMessage: 'pdb', resourceIds: [] }],
    createdAt: '2026-11-18T03:00:00.000Z',
  }),
  record({
    key: 'dev-general-1',
    cluster: 'dev-a',
    nodegroup: 'general',
    wave: 'dev',
    createdAt: '2026-11-15T03:00:00.000Z',
  }),
  // After --now: ignored.
  record({ key: 'arm-1', cluster: 'prod-a', nodegroup: 'arm', createdAt: '2026-12-01T03:00:00.000Z' }),
];

process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
let sb: Sandbox;
const saved = { ...process.env };

async function report(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await reportCommand.run(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: { ...process.env, ...env },
    cwd: repoRoot,
    interactive: false,
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  sb = await startSandbox({ fleet: demoFleet() });
  // The command runs in this process: the SDK reads the sandbox endpoint from the environment.
  Object.assign(process.env, sandboxEnv(sb.endpoint));
  const dynamodb = new DynamoDBClient({ region: 'us-east-1', endpoint: sb.endpoint });
  await createLedgerTable(dynamodb, TABLE);
  const ledger = createLedger(dynamodb, { tableName: TABLE });
  for (const r of records) await ledger.create(r);
  dynamodb.destroy();
});

afterAll(async () => {
  process.env = saved;
  await sb.close();
});

describe('nodekeeper report against the sandbox', () => {
  describe('with --format json and a ledger', () => {
    let parsed: Report;
    beforeAll(async () => {
      sb.resetCalls();
      const out = await report(['--config', config, '--now', NOW, '--format', 'json'], {
        NODEKEEPER_LEDGER_TABLE: TABLE,
      });
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      parsed = JSON.parse(out.stdout) as Report;
    });

    it('lists every node group of the sandbox with the release it runs now', () => {
      const state = sb.state();
      const expected = state.clusters.flatMap((c) =>
        c.nodegroups.map((n) => [`${c.name}/${n.name}`, n.releaseVersion]),
      );
      const got = parsed.clusters.flatMap((c) =>
        c.nodegroups.map((n) => [`${n.cluster}/${n.nodegroup}`, n.current.releaseVersion]),
      );
      expect(got.sort()).toEqual(expected.sort());
      expect(parsed.generatedAt).toBe(NOW);
    });

    it('dates Amazon Linux and Windows releases by their stamp and custom AMIs by their image', () => {
      const state = sb.state();
      const byName = new Map(
        parsed.clusters.flatMap((c) => c.nodegroups.map((n) => [`${n.cluster}/${n.nodegroup}`, n])),
      );
      for (const c of state.clusters) {
        for (const n of c.nodegroups) {
          const ng = byName.get(`${c.name}/${n.name}`);
          const stamp =
            /-(\d{4})(\d{2})(\d{2})$/.exec(n.releaseVersion) ??
            /-(\d{4})\.(\d{2})\.(\d{2})$/.exec(n.releaseVersion);
          if (stamp) {
            const date = Date.UTC(Number(stamp[1]), Number(stamp[2]) - 1, Number(stamp[3]));
            expect(ng?.current.ageDays, `${c.name}/${n.name}`).toBe(
              Math.floor((Date.parse(NOW) - date) / 86_400_000),
            );
          } else if (n.releaseVersion.startsWith('ami-')) {
            const image = state.images.find((i) => i.imageId === n.releaseVersion);
            expect(ng?.current.date, `${c.name}/${n.name}`).toBe(
              new Date(image?.creationDate ?? '').toISOString(),
            );
            expect(ng?.current.dateSource).toBe('image-creation');
          }
        }
      }
    });

    it('shows the latest release the sandbox publishes and the days behind', () => {
      const general = parsed.clusters
        .find((c) => c.cluster === 'prod-a')
        ?.nodegroups.find((n) => n.nodegroup === 'general');
      const param =
        sb.state().parameters[
          '/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/recommended/release_version'
        ];
      expect(general?.latest?.releaseVersion).toBe(param);
      expect(general).toMatchObject({
        behind: true,
        daysBehind: 40,
        decision: 'skip',
        // The ledger holds a failed prod-a/general rollout of this release: the breaker halts it,
        // exactly as `nodekeeper plan` says (the report plans with the same facts).
        reason: 'halted',
        wave: 'prod',
      });
    });

    it("shows each node group's newest ledger record up to --now, and none where the ledger has none", () => {
      const last = Object.fromEntries(
        parsed.clusters.flatMap((c) =>
          c.nodegroups.map((n) => [`${n.cluster}/${n.nodegroup}`, n.lastRollout?.key ?? null]),
        ),
      );
      expect(last['prod-a/general']).toBe('general-2');
      expect(last['dev-a/general']).toBe('dev-general-1');
      expect(last['prod-a/arm']).toBeNull();
      const general = parsed.clusters
        .flatMap((c) => c.nodegroups)
        .find((n) => n.lastRollout?.key === 'general-2');
      expect(general?.lastRollout).toMatchObject({ outcome: 'failed', errorCodes: ['PodEvictionFailure'] });
      expect(parsed.ledger).toEqual({ kind: 'ok', table: TABLE, records: 4 });
      // The timeline covers 30 days: the October success is older, the December one is after --now.
      expect(parsed.timeline.map((e) => e.title)).toEqual([
        'prod-a/general failed',
        'dev-a/general succeeded',
      ]);
    });

    it('explains every hold with the reason the plan gives', () => {
      const holds = Object.fromEntries(
        parsed.holds.map((h) => [h.reason, h.items.map((i) => `${i.cluster}/${i.nodegroup}`)]),
      );
      expect(holds['opted-out']).toEqual(['prod-b/legacy']);
      expect(holds['update-in-progress']).toEqual(['prod-b/batch']);
      for (const h of parsed.holds) expect(h.explanation.length).toBeGreaterThan(20);
      const legacy = parsed.clusters.flatMap((c) => c.nodegroups).find((n) => n.nodegroup === 'legacy');
      expect(legacy?.nextRoll).toMatchObject({ kind: 'never', at: null });
      expect(legacy?.nextRoll.why).toBe(legacy?.message);
    });

    it('makes no mutating AWS call', () => {
      expect(sb.calls().filter((c) => mutating.has(c.operation))).toEqual([]);
    });
  });

  describe('when the ledger table does not exist', () => {
    it('says "no ledger" and still reports the fleet', async () => {
      const out = await report(['--config', config, '--now', NOW], {
        NODEKEEPER_LEDGER_TABLE: 'no-such-table',
      });
      expect(out.code).toBe(0);
      expect(out.stdout).toContain('no ledger (table no-such-table does not exist)');
      expect(out.stdout).toContain('prod-a');
      expect(out.stdout).toMatch(
        /general\s+prod\s+1\.33\.4-20261001\s+52\s+1\.33\.5-20261110\s+40\s+-\s+max 1 node\s+skip \(wave-gate\)/,
      );
      const json = await report(['--config', config, '--now', NOW, '--format', 'json'], {
        NODEKEEPER_LEDGER_TABLE: 'no-such-table',
      });
      expect((JSON.parse(json.stdout) as Report).ledger.kind).toBe('missing');
    });
  });

  describe('when rollouts are paused', () => {
    it('plans with the pause flag, as `plan` does', async () => {
      const ssm = new SSMClient({ region: 'us-east-1', endpoint: sb.endpoint });
      const change = { reason: 'change freeze', by: 'test', at: NOW };
      try {
        await setPauseState(ssm, DEFAULT_PAUSE_PARAMETER, { ...change, paused: true });
        const out = await report(['--config', config, '--now', NOW, '--format', 'json'], {
          NODEKEEPER_LEDGER_TABLE: TABLE,
        });
        const paused = (JSON.parse(out.stdout) as Report).holds.find((h) => h.reason === 'paused');
        expect(paused?.items.length).toBeGreaterThan(0);
      } finally {
        await setPauseState(ssm, DEFAULT_PAUSE_PARAMETER, { ...change, paused: false });
        ssm.destroy();
      }
    });
  });

  describe('with --format html --out FILE', () => {
    it('writes one self-contained file and prints its path', async () => {
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'nodekeeper-report-')), 'report.html');
      const out = await report(['--config', config, '--now', NOW, '--format', 'html', '--out', file], {
        NODEKEEPER_LEDGER_TABLE: TABLE,
      });
      expect(out.code).toBe(0);
      expect(out.stdout).toBe(`${file}\n`);
      const html = await readFile(file, 'utf8');
      expect(html.startsWith('<!doctype html>')).toBe(true);
      expect(html).not.toMatch(/<(script|link|img|iframe)\b|@import|url\(|src=/i);
      expect(html).toContain('prod-a/general');
    });
  });

  describe('with a bad --format', () => {
    it('refuses it', async () => {
      await expect(report(['--format', 'pdf'])).rejects.toThrow(/--format must be table, json or html/);
    });
  });
});

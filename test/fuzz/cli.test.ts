import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commands, main } from '@nodekeeper/cli';
import { type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Canary, canaryHits, canaryWebhookUrl } from '../helpers/canary.ts';
import { fuzzEdge, nastyString } from './support/fuzz.ts';

const edge = fuzzEdge('cli-arguments');
let sb: Sandbox;
let dir: string;
const saved = { ...process.env };
const MUTATING = new Set(['UpdateNodegroupVersion', 'CreateLaunchTemplateVersion', 'SendCommand']);

beforeAll(async () => {
  sb = await startSandbox({ port: 0, ledgerTables: ['fuzz-ledger'] });
  dir = mkdtempSync(join(tmpdir(), 'nk-fuzz-cli-'));
  writeFileSync(join(dir, 'valid.json'), JSON.stringify({ regions: ['us-east-1'], clusters: ['prod-a'] }));
  writeFileSync(join(dir, 'invalid.json'), JSON.stringify({ regions: [], clusters: 'x', minAmiAgeDays: -1 }));
  writeFileSync(join(dir, 'broken.json'), '{"regions": [');
  // The SDK reads these from the process: every AWS call goes to the sandbox on loopback.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: sb.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'fuzz-secret',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
  });
});

afterAll(async () => {
  process.env = { ...saved };
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
  edge.write();
});

const names = commands.map((c) => c.name);
const value = fc.oneof(
  fc.constantFrom(
    'valid.json',
    'invalid.json',
    'broken.json',
    'missing.json',
    'us-east-1',
    'eu-west-9',
    '2026-11-24T03:00:00Z',
    'not-a-date',
    '1.33',
    '1.3x',
    '0',
    '-1',
    '50',
    '1001',
    'json',
    'html',
    'table',
    'prod-a',
  ),
  nastyString(40),
);
const flag = fc.constantFrom(
  '--config',
  '--region',
  '--now',
  '--json',
  '--apply',
  '--poll-seconds',
  '--cluster',
  '--limit',
  '--k8s-version',
  '--format',
  '--fleet',
  '--port',
  '--bogus',
  '-x',
  '--',
);
const args = fc.array(
  fc.oneof(
    flag,
    value,
    fc.tuple(flag, value).map(([f, v]) => `${f}=${v}`),
  ),
  {
    maxLength: 6,
  },
);
const withValidConfig = fc
  .tuple(fc.constantFrom('plan', 'roll', 'history', 'report'), args)
  .map(([name, rest]) => [name, '--config', 'valid.json', ...rest] as const);
const anyCommand = fc.tuple(fc.oneof(fc.constantFrom(...names), nastyString(12)), args);
const argv = fc.oneof(anyCommand, withValidConfig).map(([name, ...restParts]) => {
  const rest = restParts.flat() as string[];
  // Never start a long-lived server or write report files: `sandbox` always gets an unknown flag,
  // `report --out` is dropped, `--wait` never appears.
  const safe = rest.filter((a) => !a.startsWith('--out') && !a.startsWith('--wait'));
  return name === 'sandbox' ? [name, ...safe, '--bogus'] : [name, ...safe];
});

describe('CLI arguments (main)', () => {
  describe('when any command gets any flags', () => {
    it('exits 0, 1, 2 or 3 with a message, never throws, and mutates nothing on rejected input', async () => {
      edge.property();
      await fc.assert(
        fc.asyncProperty(
          argv,
          edge.count(async (a: string[]) => {
            sb.resetCalls();
            let out = '';
            let err = '';
            const code = await main(a, {
              stdout: (t) => {
                out += t;
              },
              stderr: (t) => {
                err += t;
              },
              env: {
                ...process.env,
                NODEKEEPER_LEDGER_TABLE: 'fuzz-ledger',
                NODEKEEPER_SLACK_WEBHOOK_URL: canaryWebhookUrl(sb.endpoint),
                NODEKEEPER_SLACK_ALLOW_LOCAL: '1',
              },
              cwd: dir,
              interactive: false,
            });
            expect([0, 1, 2, 3]).toContain(code);
            if (code === 2) expect(err.trim().length + out.trim().length).toBeGreaterThan(0);
            if (code === 2) {
              const mutating = sb.calls().filter((c) => MUTATING.has(c.operation));
              expect(mutating).toEqual([]);
            }
            expect(canaryHits([out, err])).toEqual([]);
            expect(err).not.toContain(Canary.botToken);
          }),
        ),
        { ...edge.params(), numRuns: Math.max(1, Math.floor(edge.params().numRuns ?? 100)) },
      );
    });
  });
});

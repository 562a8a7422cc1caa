/**
 * Benchmark: the acknowledgement. Slack gives a slash command or a button click 3 s; nothing the
 * acknowledgement does may wait on AWS beyond its one bounded hand-off (the asynchronous
 * self-invoke, ACK_INVOKE_BUDGET_MS). The slack-command handler, bundled as SST does, answers
 * signed requests in fresh Node processes (cold: import + first answer) and then again (warm),
 * with AWS answering at once and with AWS hanging (every request accepted and never answered).
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ACK_DEADLINE_MS, ACK_INVOKE_BUDGET_MS } from '../functions/lib/slack-command.ts';
import { sstBuild } from './coldstart.ts';
import { round } from './scan.ts';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const worker = new URL('./ack-worker.ts', import.meta.url).pathname;
/** Slack's limit for an acknowledgement. */
export const SLACK_ACK_LIMIT_MS = 3000;
const SECRET = 'bench-signing-secret';

export interface AckStats {
  samples: number;
  p50: number;
  p95: number;
  max: number;
}

export interface AckCase {
  kind: 'slash' | 'interaction';
  aws: 'answering' | 'hanging';
  cold: AckStats;
  warm: AckStats;
  /** AWS requests the acknowledgements made, by operation (only the hand-off is expected). */
  awsCalls: Record<string, number>;
  /** HTTP statuses answered (200 expected). */
  statuses: Record<string, number>;
}

export interface AckResults {
  processes: number;
  warmPerProcess: number;
  handOffBudgetMs: number;
  /** The acknowledgement answers by this long after the request arrived (a cold start waits less). */
  deadlineMs: number;
  limitMs: number;
  cases: AckCase[];
}

function stats(xs: number[]): AckStats {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? 0;
  return { samples: s.length, p50: round(at(0.5), 1), p95: round(at(0.95), 1), max: round(s.at(-1) ?? 0, 1) };
}

/** A stand-in for AWS: answers Lambda's asynchronous Invoke (202) at once, or accepts and never answers. */
async function fakeAws(
  mode: 'answering' | 'hanging',
): Promise<{ url: string; calls: Map<string, number>; close(): Promise<void> }> {
  const calls = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const op = /\/functions\/[^/]+\/invocations$/.test(req.url ?? '')
      ? 'lambda:Invoke'
      : `${req.method} ${req.url}`;
    calls.set(op, (calls.get(op) ?? 0) + 1);
    req.resume();
    if (mode === 'hanging') return;
    req.on('end', () => {
      res.writeHead(202, { 'x-amzn-requestid': `bench-${calls.get(op)}`, 'content-length': '0' });
      res.end();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

export async function runAckBench(
  options: { processes: number; warm: number; outDir: string },
  log: (line: string) => void,
): Promise<AckResults> {
  const { file: bundle } = await sstBuild(
    join(root, 'functions', 'slack-command.ts'),
    join(options.outDir, 'slack-command.ack'),
  );
  const cases: AckCase[] = [];
  for (const aws of ['answering', 'hanging'] as const) {
    for (const kind of ['slash', 'interaction'] as const) {
      const fake = await fakeAws(aws);
      const cold: number[] = [];
      const warm: number[] = [];
      const statuses: Record<string, number> = {};
      try {
        const env: NodeJS.ProcessEnv = {
          PATH: process.env.PATH ?? '',
          AWS_REGION: 'us-east-1',
          AWS_LAMBDA_FUNCTION_NAME: 'nodekeeper-bench-slack-command',
          AWS_ENDPOINT_URL: fake.url,
          AWS_ACCESS_KEY_ID: 'AKIDBENCH',
          AWS_SECRET_ACCESS_KEY: 'bench',
          POWERTOOLS_LOG_LEVEL: 'SILENT',
          POWERTOOLS_METRICS_DISABLED: 'true',
          NODEKEEPER_SLACK_SIGNING_SECRET: SECRET,
          NODEKEEPER_LEDGER_TABLE: 'nodekeeper-bench-ledger',
          NODEKEEPER_CONFIG: JSON.stringify({
            regions: ['us-east-1'],
            clusters: ['prod-*'],
            waves: [{ name: 'prod', clusters: ['prod-*'] }],
            slack: { allowedUserIds: ['U0BENCH001'] },
          }),
        };
        for (let p = 0; p < options.processes; p++) {
          const { stdout } = await run(
            process.execPath,
            [worker, JSON.stringify({ bundle, kind, warm: options.warm, secret: SECRET })],
            { env, cwd: root, timeout: 120_000 },
          );
          const out = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
            coldMs: number;
            warmMs: number[];
            statuses: number[];
          };
          cold.push(out.coldMs);
          warm.push(...out.warmMs);
          for (const s of out.statuses) statuses[s] = (statuses[s] ?? 0) + 1;
        }
      } finally {
        await fake.close();
      }
      const result: AckCase = {
        kind,
        aws,
        cold: stats(cold),
        warm: stats(warm),
        awsCalls: Object.fromEntries(fake.calls),
        statuses,
      };
      log(
        `ack: ${kind}, AWS ${aws}: cold p50 ${result.cold.p50} ms / max ${result.cold.max} ms, warm p50 ${result.warm.p50} ms / p95 ${result.warm.p95} ms / max ${result.warm.max} ms`,
      );
      cases.push(result);
    }
  }
  return {
    processes: options.processes,
    warmPerProcess: options.warm,
    handOffBudgetMs: ACK_INVOKE_BUDGET_MS,
    deadlineMs: ACK_DEADLINE_MS,
    limitMs: SLACK_ACK_LIMIT_MS,
    cases,
  };
}

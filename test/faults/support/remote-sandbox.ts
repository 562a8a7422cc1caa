import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallRecord, FaultRule, FleetFile, RequestViolation, SlackPost } from '@nodekeeper/sandbox';
import { registerViolationSource } from '@nodekeeper/sandbox/violations';

const childScript = fileURLToPath(new URL('./sandbox-child.ts', import.meta.url));

/** The sandbox API of SANDBOX-API.md, over its HTTP admin endpoints (the sandbox runs in a child process). */
export interface RemoteSandbox {
  endpoint: string;
  /** A webhook URL on the sink whose last path segment is `webhookSecret`. */
  webhookUrl(webhookSecret: string): string;
  slackApiUrl: string;
  state(): Promise<FleetFile>;
  calls(): Promise<CallRecord[]>;
  resetCalls(): Promise<void>;
  slackPosts(): Promise<SlackPost[]>;
  setFaults(rules: FaultRule[]): Promise<void>;
  close(): Promise<void>;
}

/** One HTTP/1.1 request on a fresh connection (no keep-alive timers under the fake clock). */
function call(endpoint: string, method: string, path: string, body?: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    const req = request(
      `${endpoint}${path}`,
      {
        method,
        agent: false,
        headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 400) {
            reject(new Error(`sandbox ${method} ${path}: ${res.statusCode} ${text}`));
            return;
          }
          try {
            resolve(text === '' ? null : JSON.parse(text));
          } catch (error) {
            reject(new Error(`sandbox ${method} ${path}: not JSON`, { cause: error }));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * Starts the sandbox with `fleet` in a child process on 127.0.0.1; with `start`, its clock starts
 * there and runs (see createClock).
 */
export async function startRemoteSandbox(fleet: FleetFile, start?: string): Promise<RemoteSandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'nk-faults-'));
  const fleetPath = join(dir, 'fleet.json');
  writeFileSync(fleetPath, JSON.stringify(fleet));
  const child: ChildProcess = spawn(process.execPath, [childScript, fleetPath, ...(start ? [start] : [])], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ENDPOINT=(\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`sandbox child exited with ${code}`)));
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // The test guard (test/setup.ts) drains the child's model violations after each test.
  const takeViolations = async () =>
    (await call(endpoint, 'DELETE', '/_sandbox/violations')) as RequestViolation[];
  const unregisterViolations = registerViolationSource({ take: takeViolations });
  return {
    endpoint,
    webhookUrl: (secret) => `${endpoint}/slack/webhook/T00000000/B00000000/${secret}`,
    slackApiUrl: `${endpoint}/slack/api/`,
    state: async () => (await call(endpoint, 'GET', '/_sandbox/state')) as FleetFile,
    calls: async () => (await call(endpoint, 'GET', '/_sandbox/calls')) as CallRecord[],
    resetCalls: async () => {
      await call(endpoint, 'DELETE', '/_sandbox/calls');
    },
    slackPosts: async () => (await call(endpoint, 'GET', '/_sandbox/slack')) as SlackPost[],
    setFaults: async (rules) => {
      await call(endpoint, 'POST', '/_sandbox/faults', rules);
    },
    close: async () => {
      unregisterViolations(await takeViolations());
      child.stdin?.end();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

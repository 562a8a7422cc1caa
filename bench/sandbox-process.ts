/** A sandbox in a child process, driven over its `/_sandbox/*` HTTP control API. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallRecord, FaultRule } from '@nodekeeper/sandbox';

export interface SandboxProcess {
  readonly endpoint: string;
  setFaults(rules: FaultRule[]): Promise<void>;
  calls(): Promise<CallRecord[]>;
  resetCalls(): Promise<void>;
  /** Pins the sandbox clock (ISO 8601). */
  setClock(iso: string): Promise<void>;
  state(): Promise<unknown>;
  close(): Promise<void>;
}

const childScript = new URL('./sandbox-child.ts', import.meta.url).pathname;

/** Starts a sandbox seeded with `fleet` (fleet file JSON) in a fresh Node process. */
export async function startSandboxProcess(fleet: unknown): Promise<SandboxProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'nodekeeper-bench-'));
  const file = join(dir, 'fleet.json');
  await writeFile(file, JSON.stringify(fleet));
  const child: ChildProcess = spawn(process.execPath, [childScript, file], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ENDPOINT=(\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`sandbox process exited with ${code}`)));
  });
  const control = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${endpoint}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox ${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    endpoint,
    setFaults: async (rules) => {
      await control('POST', '/_sandbox/faults', rules);
    },
    calls: async () => (await control('GET', '/_sandbox/calls')) as CallRecord[],
    resetCalls: async () => {
      await control('DELETE', '/_sandbox/calls');
    },
    setClock: async (iso) => {
      await control('POST', '/_sandbox/clock', { now: iso });
    },
    state: () => control('GET', '/_sandbox/state'),
    close: async () => {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

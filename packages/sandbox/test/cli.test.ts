import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSandboxCli } from '../index.ts';

const REPO = resolve(import.meta.dirname, '../../..');

function capture() {
  const out = { stdout: '', stderr: '' };
  const io = {
    stdout: (t: string) => {
      out.stdout += t;
    },
    stderr: (t: string) => {
      out.stderr += t;
    },
  };
  return { out, io };
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not met within 5 s');
}

describe('runSandboxCli', () => {
  describe('when the fleet file is invalid', () => {
    it('exits 2 and names the field', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'nk-cli-'));
      const file = join(dir, 'fleet.json');
      await writeFile(
        file,
        JSON.stringify({
          clusters: [
            {
              name: 'prod-a',
              version: '1.33',
              nodegroups: [{ name: 'g', amiType: 'AL9', releaseVersion: 'x' }],
            },
          ],
        }),
      );
      const { out, io } = capture();
      expect(await runSandboxCli(['--fleet', file], io)).toBe(2);
      expect(out.stderr).toContain('clusters[0].nodegroups[0].amiType');
      expect(out.stdout).toBe('');
    });

    it('exits 2 for a missing file', async () => {
      const { out, io } = capture();
      expect(await runSandboxCli(['--fleet', '/nonexistent.json'], io)).toBe(2);
      expect(out.stderr).toContain('file not found');
    });

    it('exits 2 for an unknown option', async () => {
      const { io } = capture();
      expect(await runSandboxCli(['--bogus'], io)).toBe(2);
    });
  });

  describe('when started', () => {
    it('prints the endpoint lines, serves, and exits 0 when stopped', async () => {
      const { out, io } = capture();
      const stop = new AbortController();
      const done = runSandboxCli([], { ...io, signal: stop.signal });
      await waitFor(() => out.stdout.includes('SLACK_WEBHOOK_URL='));
      const lines = out.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+$/);
      expect(lines[1]).toMatch(/^SLACK_WEBHOOK_URL=http:\/\/127\.0\.0\.1:\d+\/slack\/webhook\//);
      const endpoint = lines[0]?.split('=')[1] ?? '';
      const state = (await (await fetch(`${endpoint}/_sandbox/state`)).json()) as {
        clusters: Array<{ name: string }>;
      };
      expect(state.clusters.map((c) => c.name)).toEqual(['prod-a', 'prod-b', 'dev-a']);
      stop.abort();
      expect(await done).toBe(0);
      await expect(fetch(`${endpoint}/_sandbox/state`)).rejects.toThrow();
    });

    it('runs as a process until SIGTERM and exits 0', async () => {
      const script =
        "import { runSandboxCli } from '@nodekeeper/sandbox'; process.exitCode = await runSandboxCli(process.argv.slice(1));";
      const child = spawn(
        join(REPO, 'node_modules/.bin/node'),
        ['--input-type=module', '-e', script, '--', '--port', '0'],
        { cwd: REPO },
      );
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      await waitFor(() => stdout.includes('SLACK_WEBHOOK_URL='));
      const endpoint = /AWS_ENDPOINT_URL=(\S+)/.exec(stdout)?.[1] ?? '';
      expect((await fetch(`${endpoint}/_sandbox/slack`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    });
  });
});

import { describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';
import type { CommandContext } from '../src/types/index.ts';

function capture(): { ctx: CommandContext; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    ctx: {
      stdout: (t) => {
        out += t;
      },
      stderr: (t) => {
        err += t;
      },
      env: {},
      cwd: process.cwd(),
      interactive: false,
    },
    out: () => out,
    err: () => err,
  };
}

describe('main', () => {
  describe('with --help', () => {
    it('lists every command and exits 0', async () => {
      const c = capture();
      expect(await main(['--help'], c.ctx)).toBe(0);
      for (const name of ['plan', 'catalog', 'sandbox']) expect(c.out()).toContain(`  ${name}`);
    });
  });

  describe('with an unknown command', () => {
    it('exits 2 and shows the usage', async () => {
      const c = capture();
      expect(await main(['frobnicate'], c.ctx)).toBe(2);
      expect(c.err()).toContain("unknown command 'frobnicate'");
    });
  });

  describe('with an unknown flag', () => {
    it('exits 2 naming the flag', async () => {
      const c = capture();
      expect(await main(['catalog', '--k8s-version', '1.33', '--bogus'], c.ctx)).toBe(2);
      expect(c.err()).toContain('--bogus');
    });
  });
});

describe('catalog', () => {
  describe('with --json', () => {
    it('prints amiType and both parameters for every family', async () => {
      const c = capture();
      expect(await main(['catalog', '--k8s-version', '1.33', '--json'], c.ctx)).toBe(0);
      const entries = JSON.parse(c.out()) as Array<Record<string, string>>;
      expect(entries.find((e) => e.amiType === 'AL2023_x86_64_STANDARD')).toEqual({
        amiType: 'AL2023_x86_64_STANDARD',
        imageIdParameter:
          '/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/recommended/image_id',
        releaseVersionParameter:
          '/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/recommended/release_version',
      });
      expect(entries.find((e) => e.amiType === 'BOTTLEROCKET_ARM_64')?.releaseVersionParameter).toBe(
        '/aws/service/bottlerocket/aws-k8s-1.33/arm64/latest/image_version',
      );
      expect(Object.keys(entries[0] ?? {})).toEqual([
        'amiType',
        'imageIdParameter',
        'releaseVersionParameter',
      ]);
    });
  });

  describe('without --k8s-version', () => {
    it('exits 2', async () => {
      const c = capture();
      expect(await main(['catalog'], c.ctx)).toBe(2);
      expect(c.err()).toContain('--k8s-version is required');
    });
  });

  describe('with a malformed version', () => {
    it('exits 2', async () => {
      const c = capture();
      expect(await main(['catalog', '--k8s-version', 'latest'], c.ctx)).toBe(2);
    });
  });
});

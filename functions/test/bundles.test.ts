import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltBundle, FUNCTIONS, sdkUse, sstBuild } from '../../bench/coldstart.ts';

// Each function bundled as SST deploys it (stacks/bundle.ts), then read from esbuild's metafile:
// only inputs with bytes in the output count (a file esbuild parsed and shook out is not in it).

const root = new URL('../..', import.meta.url).pathname;

/** The SDK packages each function loads at init, and those it loads only through import(). */
const EXPECTED: Record<(typeof FUNCTIONS)[number], { init: string[]; lazy: string[] }> = {
  'rollout-scan': {
    init: [
      'client-dynamodb',
      'client-ec2',
      'client-eks',
      'client-lambda',
      'client-ssm',
      'client-sts',
      'lib-dynamodb',
    ],
    lazy: [],
  },
  // The durable fleet scan reads no fleet: the ledger, the pause flag, Lambda (workflow starts and
  // the durable SDK's checkpoints). Its inspections come from the inspect function.
  'rollout-fanout': {
    init: ['client-dynamodb', 'client-lambda', 'client-ssm', 'lib-dynamodb'],
    lazy: [],
  },
  // One target's fleet reads and the spoke's read role: no ledger, no Lambda.
  'rollout-inspect': { init: ['client-ec2', 'client-eks', 'client-ssm', 'client-sts'], lazy: [] },
  'rollout-workflow': {
    init: ['client-dynamodb', 'client-ec2', 'client-eks', 'client-lambda', 'client-ssm', 'lib-dynamodb'],
    lazy: [],
  },
  patch: { init: ['client-dynamodb', 'client-ec2', 'client-eks', 'client-ssm', 'lib-dynamodb'], lazy: [] },
  'patch-status': { init: ['client-dynamodb', 'client-ssm', 'lib-dynamodb'], lazy: [] },
  // The acknowledgement and the ledger/pause work; the worker's plan brings EKS, EC2 and STS.
  'slack-command': {
    init: ['client-dynamodb', 'client-lambda', 'client-ssm', 'lib-dynamodb'],
    lazy: ['client-ec2', 'client-eks', 'client-sts'],
  },
};

/** Which packages/aws/src/services/*.ts (the SDK client providers) have bytes in `outputs`. */
function providers(meta: Metafile, outputs: readonly string[]): string[] {
  const found = new Set<string>();
  for (const o of outputs) {
    for (const [path, input] of Object.entries(meta.outputs[o]?.inputs ?? {})) {
      const m = /packages\/aws\/src\/services\/(\w+)\.ts$/.exec(path);
      if (m?.[1] && input.bytesInOutput > 0) found.add(m[1]);
    }
  }
  return [...found].sort();
}

/** The AwsClients services among SDK packages (`client-eks` → `eks`). */
const services = (pkgs: readonly string[]) =>
  pkgs
    .map((p) => p.replace(/^client-/, ''))
    .filter((s) => ['dynamodb', 'ec2', 'eks', 'ssm', 'sts'].includes(s))
    .sort();

describe('the deployed function bundles', () => {
  const built = new Map<string, BuiltBundle>();
  const out = join(tmpdir(), `nodekeeper-bundles-${process.pid}`);

  beforeAll(async () => {
    for (const name of FUNCTIONS) {
      built.set(name, await sstBuild(join(root, 'functions', `${name}.ts`), join(out, name)));
    }
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  describe.each(FUNCTIONS)('%s', (name) => {
    const bundle = () => {
      const b = built.get(name);
      if (!b) throw new Error(`${name} was not built`);
      return b;
    };

    it('loads at init only the SDK clients its path uses', () => {
      const b = bundle();
      expect(Object.keys(sdkUse(b.metafile, b.initFiles)).sort()).toEqual(EXPECTED[name].init);
    });

    it('loads the clients of its rarely used paths only through import()', () => {
      const b = bundle();
      const init = sdkUse(b.metafile, b.initFiles);
      const lazy = Object.keys(sdkUse(b.metafile, b.lazyFiles)).filter((pkg) => !init[pkg]);
      expect(lazy.sort()).toEqual(EXPECTED[name].lazy);
    });

    it('provides a client for every service it calls, next to the code that calls it', () => {
      const b = bundle();
      expect(providers(b.metafile, b.initFiles)).toEqual(services(EXPECTED[name].init));
      const lazy = providers(b.metafile, b.lazyFiles).filter(
        (s) => !services(EXPECTED[name].init).includes(s),
      );
      expect(lazy).toEqual(services(EXPECTED[name].lazy));
    });

    it("holds zod's English messages and no other locale", () => {
      const b = bundle();
      const locales = new Set<string>();
      for (const o of [...b.initFiles, ...b.lazyFiles]) {
        for (const [path, input] of Object.entries(b.metafile.outputs[o]?.inputs ?? {})) {
          const m = /node_modules\/zod\/v4\/locales\/([\w-]+)\.js$/.exec(path);
          if (m?.[1] && input.bytesInOutput > 0) locales.add(m[1]);
        }
      }
      expect([...locales]).toEqual(['en']);
    });
  });
});

describe('the functions', () => {
  const sources = ['functions', 'functions/lib'].flatMap((dir) =>
    readdirSync(join(root, dir))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(dir, f)),
  );

  it('import narrow @nodekeeper/aws entries, never the root that holds every SDK client', () => {
    expect(sources.length).toBeGreaterThan(5);
    const offenders = sources.filter((f) =>
      /from '@nodekeeper\/aws'|import\('@nodekeeper\/aws'\)/.test(readFileSync(join(root, f), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});

/**
 * Benchmark 3: cold start. Bundles each Lambda handler the way SST 4 does (its Go runtime,
 * pkg/runtime/node/build.go at v4.17: esbuild, bundle everything, ESM `.mjs`, platform node,
 * target ES2023 for nodejs22.x, main fields module/main, keepNames, createRequire banner, linked
 * source map; minified and split only when the function's `nodejs` settings say so), then imports
 * each bundle in fresh Node 22 processes.
 *
 * Side by side in one run, interleaved: today's code (the commit before the lean bundles, from
 * `git archive`, as SST deployed it and minified), today's code's baseline, the current code as
 * stacks/bundle.ts deploys it, and its baseline. A baseline imports exactly the AWS SDK clients
 * and commands that the bundle's init-loaded files contain (inputs with `bytesInOutput > 0`; a
 * file esbuild parsed and then shook out is not in the bundle).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { NODEJS_BUNDLE } from '../stacks/bundle.ts';
import { round } from './scan.ts';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;

/** Every handler the stacks deploy (stacks/*.ts `handler:`). */
export const FUNCTIONS = [
  'rollout-scan',
  'rollout-fanout',
  'rollout-inspect',
  'rollout-workflow',
  'patch',
  'patch-status',
  'slack-command',
] as const;

/**
 * "Today": the last commit before each function got only its own clients (issue 20 §1). Its
 * stacks gave SST no `nodejs` settings, so SST deployed its bundles unminified and unsplit.
 */
export const COLDSTART_BEFORE_COMMIT = 'c121fcaf59fbb22d6860385ee1afc6527e065937';

/** The `nodejs` settings of SST that change the bundle. */
export interface NodejsBundle {
  minify: boolean;
  splitting: boolean;
}

/** What SST does without `nodejs` settings (Go zero values: no minify, no splitting). */
export const SST_DEFAULT_BUNDLE: NodejsBundle = { minify: false, splitting: false };

/** SST's banner (build.go): a `require`, `__filename` and `__dirname` for CommonJS code inside ESM. */
const SST_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  'const require = topLevelCreateRequire(import.meta.url);',
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  'const __filename = topLevelFileUrlToPath(import.meta.url)',
  'const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))',
  '',
].join('\n');

/**
 * esbuild options SST 4 uses for a deployed (non-dev) Node function on nodejs22.x with the given
 * `nodejs` settings. The handler file is `outDir/bundle.mjs`; with splitting, chunks sit beside it.
 */
export function sstBuildOptions(
  entry: string,
  outDir: string,
  bundle: NodejsBundle = NODEJS_BUNDLE,
): esbuild.BuildOptions {
  return {
    entryPoints: [entry],
    platform: 'node',
    bundle: true,
    format: 'esm',
    target: 'es2023',
    mainFields: ['module', 'main'],
    external: ['sharp', 'pg-native'],
    keepNames: true,
    metafile: true,
    write: true,
    sourcemap: 'linked',
    banner: { js: SST_BANNER },
    logLevel: 'silent',
    absWorkingDir: root,
    ...(bundle.minify ? { minifyWhitespace: true, minifySyntax: true, minifyIdentifiers: true } : {}),
    ...(bundle.splitting
      ? { splitting: true, outdir: outDir, entryNames: 'bundle', outExtension: { '.js': '.mjs' } }
      : { outfile: join(outDir, 'bundle.mjs') }),
  };
}

/** A built function: its handler file, the files loaded at init and those loaded only by `import()`. */
export interface BuiltBundle {
  file: string;
  initFiles: string[];
  lazyFiles: string[];
  metafile: esbuild.Metafile;
}

/** Builds `entry` as SST would into a clean `outDir`. */
export async function sstBuild(
  entry: string,
  outDir: string,
  bundle: NodejsBundle = NODEJS_BUNDLE,
  extra: esbuild.BuildOptions = {},
): Promise<BuiltBundle> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const built = await esbuild.build({ ...sstBuildOptions(entry, outDir, bundle), ...extra });
  const metafile = built.metafile as esbuild.Metafile;
  const file = join(outDir, 'bundle.mjs');
  const key = relative(root, file);
  if (!metafile.outputs[key]) throw new Error(`esbuild wrote no ${key}`);
  const init = new Set<string>();
  const visit = (out: string) => {
    if (init.has(out)) return;
    init.add(out);
    for (const imp of metafile.outputs[out]?.imports ?? []) {
      if (imp.kind === 'import-statement' && !imp.external) visit(imp.path);
    }
  };
  visit(key);
  const lazyFiles = Object.keys(metafile.outputs).filter((o) => o.endsWith('.mjs') && !init.has(o));
  return { file, initFiles: [...init], lazyFiles, metafile };
}

type SdkUse = Record<string, { client: string | null; commands: Set<string> }>;

/**
 * AWS SDK clients (and the DynamoDB document client) with the commands that `outputs` of a bundle
 * contain: only inputs with bytes in those outputs count.
 */
export function sdkUse(meta: esbuild.Metafile, outputs: readonly string[]): SdkUse {
  const out: SdkUse = {};
  for (const o of outputs) {
    for (const [path, input] of Object.entries(meta.outputs[o]?.inputs ?? {})) {
      if (input.bytesInOutput === 0) continue;
      const m = /@aws-sdk\/(client-[a-z0-9-]+|lib-dynamodb)\/dist-(?:es|cjs)\/(.*)$/.exec(path);
      if (!m?.[1] || !m[2]) continue;
      const use = out[m[1]] ?? { client: null, commands: new Set<string>() };
      out[m[1]] = use;
      const command = /^commands\/(\w+Command)\.js$/.exec(m[2]);
      if (command?.[1]) use.commands.add(command[1]);
      const client = /^(\w+Client)\.js$/.exec(m[2]);
      if (client?.[1]) use.client = client[1];
    }
  }
  return out;
}

const commandsOf = (use: SdkUse): Record<string, string[]> =>
  Object.fromEntries(
    Object.entries(use)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([pkg, u]) => [pkg, [...(u.client ? [u.client] : []), ...[...u.commands].sort()]]),
  );

/** Writes and builds a bundle that imports exactly `use` (client classes and commands), nothing else. */
async function buildBaseline(use: SdkUse, outDir: string, bundle: NodejsBundle): Promise<BuiltBundle> {
  const imports = Object.entries(commandsOf(use));
  const entry = `${outDir}.entry.ts`;
  await writeFile(
    entry,
    [
      ...imports.map(([pkg, names]) => `import { ${names.join(', ')} } from '@aws-sdk/${pkg}';`),
      `export const handler = async () => [${imports.flatMap(([, names]) => names).join(', ')}].length;`,
      '',
    ].join('\n'),
  );
  // Resolve the SDK from the repository's node_modules, as the function's own bundle does.
  return sstBuild(
    entry,
    outDir,
    { ...bundle, splitting: false },
    { nodePaths: [join(root, 'node_modules')] },
  );
}

/** Milliseconds to import `file` in a fresh process (module evaluation only, not Node's own boot). */
async function importMs(file: string, env: NodeJS.ProcessEnv): Promise<number> {
  const script =
    'const t0 = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t0));';
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, file], { env });
  const ms = Number(stdout.trim());
  if (!Number.isFinite(ms)) throw new Error(`cannot time import of ${file}: ${stdout}`);
  return ms;
}

/** Nearest-rank percentile. */
function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
}

/** The environment a deployed function sees at init (no real credentials, no network use at import). */
const lambdaEnv: NodeJS.ProcessEnv = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'us-east-1',
  AWS_LAMBDA_FUNCTION_NAME: 'nodekeeper-bench',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
  NODE_OPTIONS: '',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
};

/** One build of one function, timed. */
export interface ColdStartBuild {
  /** Bytes of the `.mjs` files loaded at init (the handler file and its static chunks). */
  bytes: number;
  /** Bytes of chunks loaded only by `import()` (the rarely used paths). */
  lazyBytes: number;
  initP50Ms: number;
  initP95Ms: number;
}

export interface ColdStartFunction {
  name: string;
  /**
   * Today's code as SST deployed it (no `nodejs` settings: unminified, one file). Null for a
   * function added after COLDSTART_BEFORE_COMMIT (so are the other "before" figures).
   */
  before: ColdStartBuild | null;
  /** Today's code minified: what the bench measured before, and what "today" means in issue 20. */
  beforeMinified: ColdStartBuild | null;
  /** A bundle of exactly the SDK clients and commands in today's bundle (built like it). */
  beforeBaseline: ColdStartBuild | null;
  /** The current code as stacks/bundle.ts deploys it. */
  now: ColdStartBuild;
  /** A bundle of exactly the SDK clients and commands loaded at init by the current bundle. */
  baseline: ColdStartBuild;
  /** now ÷ baseline (init p50); goal ≤ 1.2. */
  overheadRatio: number;
  /** before ÷ beforeBaseline (init p50). */
  beforeOverheadRatio: number | null;
  /** 1 − now ÷ beforeMinified (init p50): how much faster than today. */
  fasterThanBefore: number | null;
  /** 1 − now ÷ before (init p50), against today's bundle as deployed. */
  fasterThanDeployed: number | null;
  /** SDK packages (client class first, then commands) loaded at init now. */
  sdkClients: Record<string, string[]>;
  /** SDK packages only in chunks loaded by `import()`. */
  lazySdkClients: Record<string, string[]>;
  /** SDK packages in today's bundle. */
  beforeSdkClients: Record<string, string[]> | null;
}

export interface ColdStartResults {
  samples: number;
  esbuildVersion: string;
  beforeCommit: string;
  nodejs: NodejsBundle;
  /** Goals of issue 20 §1. */
  goals: { maxOverheadRatio: number; fasterFunctions: string[]; minFaster: number };
  functions: ColdStartFunction[];
  missing: string[];
  /** Handlers added after COLDSTART_BEFORE_COMMIT: measured against their baseline only. */
  notAtBefore?: string[];
}

export const COLDSTART_GOALS = {
  maxOverheadRatio: 1.2,
  fasterFunctions: ['patch-status', 'slack-command'],
  minFaster: 0.4,
};

/** Extracts today's sources into `dir`, with `@nodekeeper/*` resolving inside it. */
async function checkoutBefore(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const paths = ['functions', 'packages/core', 'packages/aws', 'packages/slack'];
  await run('sh', [
    '-c',
    `git -C "$1" archive "$2" ${paths.join(' ')} | tar -x -C "$3"`,
    'sh',
    root,
    COLDSTART_BEFORE_COMMIT,
    dir,
  ]).catch((error: unknown) => {
    throw new Error(
      `coldstart: cannot extract ${COLDSTART_BEFORE_COMMIT} with git archive (run the bench in a git clone)`,
      { cause: error },
    );
  });
  await mkdir(join(dir, 'node_modules', '@nodekeeper'), { recursive: true });
  for (const pkg of ['core', 'aws', 'slack']) {
    await symlink(join(dir, 'packages', pkg), join(dir, 'node_modules', '@nodekeeper', pkg), 'dir');
  }
}

async function bytesOf(files: readonly string[]): Promise<number> {
  let n = 0;
  for (const f of files) n += (await stat(join(root, f))).size;
  return n;
}

/** Bundles and times every handler in functions/ that exists; lists the missing ones. */
export async function runColdStartBench(
  options: { samples: number; outDir: string },
  log: (line: string) => void,
): Promise<ColdStartResults> {
  await mkdir(options.outDir, { recursive: true });
  const beforeDir = join(options.outDir, 'before-src');
  await checkoutBefore(beforeDir);
  const nodePaths = { nodePaths: [join(root, 'node_modules')] };

  type Variant = 'before' | 'beforeMinified' | 'beforeBaseline' | 'now' | 'baseline';
  const variants: Variant[] = ['before', 'beforeMinified', 'beforeBaseline', 'now', 'baseline'];
  const plans: Array<{
    name: string;
    builds: Partial<Record<Variant, BuiltBundle>>;
    use: { now: SdkUse; lazy: SdkUse; before: SdkUse | null };
  }> = [];
  const missing: string[] = [];
  const notAtBefore: string[] = [];
  for (const name of FUNCTIONS) {
    const entry = join(root, 'functions', `${name}.ts`);
    if (!existsSync(entry)) {
      missing.push(name);
      continue;
    }
    const out = (v: string) => join(options.outDir, name, v);
    const beforeEntry = join(beforeDir, 'functions', `${name}.ts`);
    const now = await sstBuild(entry, out('now'), NODEJS_BUNDLE);
    const nowUse = sdkUse(now.metafile, now.initFiles);
    const lazyAll = sdkUse(now.metafile, now.lazyFiles);
    const lazy = Object.fromEntries(Object.entries(lazyAll).filter(([pkg]) => !nowUse[pkg]));
    const baseline = await buildBaseline(nowUse, out('baseline'), NODEJS_BUNDLE);
    if (!existsSync(beforeEntry)) {
      // Added after the "today" commit: its own-clients baseline still applies.
      log(
        `coldstart: ${name}: not in ${COLDSTART_BEFORE_COMMIT.slice(0, 7)}, measured against its baseline only`,
      );
      notAtBefore.push(name);
      plans.push({ name, builds: { now, baseline }, use: { now: nowUse, lazy, before: null } });
      continue;
    }
    const before = await sstBuild(beforeEntry, out('before'), SST_DEFAULT_BUNDLE, nodePaths);
    const beforeMinified = await sstBuild(
      beforeEntry,
      out('before-minified'),
      { ...SST_DEFAULT_BUNDLE, minify: true },
      nodePaths,
    );
    const beforeUse = sdkUse(before.metafile, before.initFiles);
    plans.push({
      name,
      builds: {
        before,
        beforeMinified,
        beforeBaseline: await buildBaseline(beforeUse, out('before-baseline'), SST_DEFAULT_BUNDLE),
        now,
        baseline,
      },
      use: { now: nowUse, lazy, before: beforeUse },
    });
  }

  // Interleaved round by round (and the order rotated each round), so drift in machine load
  // affects every build alike.
  const times = new Map<string, number[]>();
  const jobs = plans.flatMap((p) =>
    variants.flatMap((v) => {
      const build = p.builds[v];
      return build ? [{ key: `${p.name}/${v}`, file: build.file }] : [];
    }),
  );
  for (let i = 0; i < options.samples; i++) {
    for (let j = 0; j < jobs.length; j++) {
      const job = jobs[(i + j) % jobs.length];
      if (!job) continue;
      const list = times.get(job.key) ?? [];
      list.push(await importMs(job.file, lambdaEnv));
      times.set(job.key, list);
    }
  }

  const functions: ColdStartFunction[] = [];
  for (const p of plans) {
    const measured = async (v: Variant): Promise<ColdStartBuild | null> => {
      const b = p.builds[v];
      if (!b) return null;
      const xs = times.get(`${p.name}/${v}`) ?? [];
      return {
        bytes: await bytesOf(b.initFiles),
        lazyBytes: await bytesOf(b.lazyFiles),
        initP50Ms: round(percentile(xs, 50), 1),
        initP95Ms: round(percentile(xs, 95), 1),
      };
    };
    const m = {} as Record<Variant, ColdStartBuild | null>;
    for (const v of variants) m[v] = await measured(v);
    const now = m.now as ColdStartBuild;
    const baseline = m.baseline as ColdStartBuild;
    const ratio = (a: ColdStartBuild | null, b: ColdStartBuild | null) =>
      a && b ? round(a.initP50Ms / b.initP50Ms) : null;
    const faster = (than: ColdStartBuild | null) => (than ? round(1 - now.initP50Ms / than.initP50Ms) : null);
    const result: ColdStartFunction = {
      name: p.name,
      before: m.before,
      beforeMinified: m.beforeMinified,
      beforeBaseline: m.beforeBaseline,
      now,
      baseline,
      overheadRatio: round(now.initP50Ms / baseline.initP50Ms),
      beforeOverheadRatio: ratio(m.before, m.beforeBaseline),
      fasterThanBefore: faster(m.beforeMinified),
      fasterThanDeployed: faster(m.before),
      sdkClients: commandsOf(p.use.now),
      lazySdkClients: commandsOf(p.use.lazy),
      beforeSdkClients: p.use.before ? commandsOf(p.use.before) : null,
    };
    log(
      m.before && m.beforeMinified
        ? `coldstart: ${p.name}: ${m.before.bytes} B → ${now.bytes} B, init p50 ${m.beforeMinified.initP50Ms} ms (today, minified) → ${now.initP50Ms} ms (${Math.round((result.fasterThanBefore ?? 0) * 100)} % faster), baseline ${baseline.initP50Ms} ms (×${result.overheadRatio}); clients ${Object.keys(result.sdkClients).join(', ')}`
        : `coldstart: ${p.name} (new): ${now.bytes} B, init p50 ${now.initP50Ms} ms, baseline ${baseline.initP50Ms} ms (×${result.overheadRatio}); clients ${Object.keys(result.sdkClients).join(', ')}`,
    );
    functions.push(result);
  }
  const pkg = JSON.parse(await readFile(join(root, 'node_modules/esbuild/package.json'), 'utf8')) as {
    version: string;
  };
  return {
    samples: options.samples,
    esbuildVersion: pkg.version,
    beforeCommit: COLDSTART_BEFORE_COMMIT,
    nodejs: { ...NODEJS_BUNDLE },
    goals: COLDSTART_GOALS,
    functions,
    missing,
    notAtBefore,
  };
}

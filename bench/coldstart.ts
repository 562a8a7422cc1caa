/**
 * Benchmark 3: cold start. Bundles each Lambda handler the way SST 4 does (its Go runtime,
 * pkg/runtime/node/build.go: esbuild, bundle everything, ESM `.mjs`, platform node, target esnext,
 * main fields module/main, keepNames, minified, createRequire banner, no source map), then imports
 * the bundle in fresh Node 22 processes. The baseline bundle imports only the AWS SDK clients and
 * commands that the function's own bundle contains.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { round } from './scan.ts';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;

/** Every handler the stacks deploy (stacks/*.ts `handler:`). */
export const FUNCTIONS = [
  'rollout-scan',
  'rollout-workflow',
  'patch',
  'patch-status',
  'slack-command',
] as const;

/** SST's banner (build.go): a `require`, `__filename` and `__dirname` for CommonJS code inside ESM. */
const SST_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  'const require = topLevelCreateRequire(import.meta.url);',
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  'const __filename = topLevelFileUrlToPath(import.meta.url)',
  'const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))',
].join('\n');

/** esbuild options SST uses for a deployed (non-dev) Node function with default `nodejs` settings. */
export function sstBuildOptions(entry: string, outfile: string): esbuild.BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    platform: 'node',
    bundle: true,
    format: 'esm',
    target: 'esnext',
    mainFields: ['module', 'main'],
    external: ['sharp', 'pg-native'],
    keepNames: true,
    metafile: true,
    write: true,
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: true,
    sourcemap: false,
    banner: { js: SST_BANNER },
    logLevel: 'silent',
    absWorkingDir: root,
  };
}

export interface ColdStartFunction {
  name: string;
  bundleBytes: number;
  initMs: number;
  baselineBytes: number;
  baselineInitMs: number;
  overheadRatio: number;
  /** `@aws-sdk/client-*` packages in the bundle, with the commands it contains. */
  sdkClients: Record<string, string[]>;
}

export interface ColdStartResults {
  samples: number;
  esbuildVersion: string;
  functions: ColdStartFunction[];
  missing: string[];
}

/** Clients and commands present in a bundle, from esbuild's metafile. */
function sdkUse(meta: esbuild.Metafile): Record<string, { client: string | null; commands: Set<string> }> {
  const out: Record<string, { client: string | null; commands: Set<string> }> = {};
  for (const path of Object.keys(meta.inputs)) {
    const m = /@aws-sdk\/(client-[a-z0-9-]+)\/dist-(?:es|cjs)\/(.*)$/.exec(path);
    if (!m?.[1] || !m[2]) continue;
    const use = out[m[1]] ?? { client: null, commands: new Set<string>() };
    out[m[1]] = use;
    const command = /^commands\/(\w+Command)\.js$/.exec(m[2]);
    if (command?.[1]) use.commands.add(command[1]);
    const client = /^(\w+Client)\.js$/.exec(m[2]);
    if (client?.[1]) use.client = client[1];
  }
  return out;
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
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

/** Bundles and times every handler in functions/ that exists; lists the missing ones. */
export async function runColdStartBench(
  options: { samples: number; outDir: string },
  log: (line: string) => void,
): Promise<ColdStartResults> {
  await mkdir(options.outDir, { recursive: true });
  const functions: ColdStartFunction[] = [];
  const missing: string[] = [];
  for (const name of FUNCTIONS) {
    const entry = join(root, 'functions', `${name}.ts`);
    if (!existsSync(entry)) {
      missing.push(name);
      continue;
    }
    const outfile = join(options.outDir, `${name}.mjs`);
    const built = await esbuild.build(sstBuildOptions(entry, outfile));
    const use = sdkUse(built.metafile as esbuild.Metafile);
    const imports = Object.entries(use).map(([pkg, u]) => {
      const names = [...(u.client ? [u.client] : []), ...[...u.commands].sort()];
      return { pkg, names };
    });
    const baselineEntry = join(options.outDir, `${name}.baseline.ts`);
    await writeFile(
      baselineEntry,
      [
        ...imports.map(
          ({ pkg, names }, i) => `import { ${names.join(', ')} } from '@aws-sdk/${pkg}'; // ${i}`,
        ),
        `export const handler = async () => [${imports.flatMap((i) => i.names).join(', ')}].length;`,
        '',
      ].join('\n'),
    );
    const baselineOut = join(options.outDir, `${name}.baseline.mjs`);
    // Resolve the SDK from the repository's node_modules, as the function's own bundle does.
    await esbuild.build({
      ...sstBuildOptions(baselineEntry, baselineOut),
      nodePaths: [join(root, 'node_modules')],
    });

    const fnTimes: number[] = [];
    const baseTimes: number[] = [];
    // Interleaved, so drift in machine load affects both alike.
    for (let i = 0; i < options.samples; i++) {
      fnTimes.push(await importMs(outfile, lambdaEnv));
      baseTimes.push(await importMs(baselineOut, lambdaEnv));
    }
    const initMs = median(fnTimes);
    const baselineInitMs = median(baseTimes);
    const result: ColdStartFunction = {
      name,
      bundleBytes: (await stat(outfile)).size,
      initMs: round(initMs, 1),
      baselineBytes: (await stat(baselineOut)).size,
      baselineInitMs: round(baselineInitMs, 1),
      overheadRatio: round(initMs / baselineInitMs),
      sdkClients: Object.fromEntries(Object.entries(use).map(([pkg, u]) => [pkg, [...u.commands].sort()])),
    };
    log(
      `coldstart: ${name}: ${result.bundleBytes} B, init ${result.initMs} ms vs baseline ${result.baselineInitMs} ms (×${result.overheadRatio})`,
    );
    functions.push(result);
  }
  const pkg = JSON.parse(await readFile(join(root, 'node_modules/esbuild/package.json'), 'utf8')) as {
    version: string;
  };
  return { samples: options.samples, esbuildVersion: pkg.version, functions, missing };
}

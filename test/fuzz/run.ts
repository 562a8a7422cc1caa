/**
 * `npm run test:fuzz [-- --runs N] [vitest args…]`: runs the fuzz suites with N fast-check cases
 * per property (default 300; NODEKEEPER_FUZZ_RUNS also works). Exits with vitest's code.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const rest: string[] = [];
let runs = process.env.NODEKEEPER_FUZZ_RUNS ?? '300';
for (let i = 0; i < args.length; i += 1) {
  const a = args[i] ?? '';
  if (a === '--runs') {
    runs = args[i + 1] ?? '';
    i += 1;
  } else if (a.startsWith('--runs=')) runs = a.slice('--runs='.length);
  else rest.push(a);
}
if (!/^[1-9]\d{0,6}$/.test(runs)) {
  process.stderr.write(`test:fuzz: --runs must be a whole number from 1 to 9999999 (got '${runs}')\n`);
  process.exit(2);
}
const root = fileURLToPath(new URL('../../', import.meta.url));
const vitest = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
const child = spawn(process.execPath, [vitest, 'run', '--config', 'test/fuzz/vitest.config.ts', ...rest], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODEKEEPER_FUZZ_RUNS: runs },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

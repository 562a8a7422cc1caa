// Installs SST's platform types offline (writes .sst/platform/config.d.ts) so `tsc` can check
// sst.config.ts and stacks/. Idempotent: does nothing when the types for this SST version exist.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const sstVersion = JSON.parse(readFileSync('node_modules/sst/package.json', 'utf8')).version as string;
const versionFile = '.sst/platform/version';
const installed =
  existsSync('.sst/platform/config.d.ts') && existsSync(versionFile)
    ? readFileSync(versionFile, 'utf8').trim()
    : undefined;

if (installed !== sstVersion) {
  const result = spawnSync('npx', ['sst', 'install'], {
    stdio: 'inherit',
    env: {
      ...process.env,
      SST_STAGE: process.env.SST_STAGE ?? 'typecheck',
      SST_SKIP_DEPENDENCY_CHECK: '1',
      SST_NO_BUN: '1',
      SST_TELEMETRY_DISABLED: '1',
    },
  });
  if (result.status !== 0) {
    console.error(`sst install failed with exit code ${result.status ?? 'unknown'}`);
    process.exit(result.status ?? 1);
  }
}

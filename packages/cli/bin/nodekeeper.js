#!/usr/bin/env node
// The `nodekeeper` command. nodekeeper needs Node.js 22+; when an older `node` starts this file,
// it re-runs itself with the project-local Node 22 that `npm ci` installs (the `node` npm package).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const major = Number(process.versions.node.split('.')[0]);

if (major < 22) {
  let dir = dirname(self);
  let localNode;
  while (!localNode) {
    const candidate = join(dir, 'node_modules', '.bin', 'node');
    if (existsSync(candidate)) localNode = candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (!localNode) {
    process.stderr.write(
      `nodekeeper needs Node.js 22 or newer (this is ${process.version}). Run \`npm ci\` in the nodekeeper checkout, which installs Node 22 locally, or install Node 22.\n`,
    );
    process.exit(2);
  }
  const result = spawnSync(localNode, [self, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
} else {
  // Library logs (Powertools, JSON) stay quiet on the terminal unless asked for; they go to stderr.
  process.env.POWERTOOLS_LOG_LEVEL ??= process.env.NODEKEEPER_LOG_LEVEL ?? 'WARN';
  const { main } = await import('../src/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}

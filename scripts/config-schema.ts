// Writes docs/nodekeeper.config.schema.json from core's config schema (configJsonSchema), formatted
// as Biome formats JSON. Run after changing packages/core/src/config.ts:
//
//   node scripts/config-schema.ts
//
// packages/core/test/config.test.ts fails while the committed file and the schema differ.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '@nodekeeper/core/config';

const FILE = 'docs/nodekeeper.config.schema.json';

writeFileSync(FILE, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
const format = spawnSync('npx', ['biome', 'format', '--write', FILE], { stdio: 'inherit' });
process.exitCode = format.status ?? 1;

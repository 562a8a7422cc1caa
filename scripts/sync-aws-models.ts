// `npm run models:sync`: extracts the AWS service models the sandbox validates requests against
// from the Python botocore on this machine (`python3`, or $NODEKEEPER_PYTHON) into
// packages/sandbox/models/<service>.generated.json, trimmed to the operations the sandbox serves.
//
//   node scripts/sync-aws-models.ts           write the models
//   node scripts/sync-aws-models.ts --check   exit 1 when a committed model differs from botocore's
//
// Exits 2 when no usable botocore is found.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildServiceModels, locateBotocore } from '../packages/sandbox/src/models/botocore.ts';
import { serializeServiceModel, serviceModelUrl } from '../packages/sandbox/src/models/service-model.ts';
import { unsupportedPatterns } from '../packages/sandbox/src/protocol/validate.ts';
import type { AwsService } from '../packages/sandbox/src/types/index.ts';

const check = process.argv.includes('--check');
const location = locateBotocore();
if (!location.found) {
  process.stderr.write(`models:sync: ${location.reason}\n`);
  process.exit(2);
}
const models = buildServiceModels(location);
let stale = 0;
for (const [service, model] of Object.entries(models) as Array<[AwsService, (typeof models)[AwsService]]>) {
  const url = serviceModelUrl(service);
  const file = fileURLToPath(url);
  const text = serializeServiceModel(model);
  const skipped = unsupportedPatterns(model);
  const summary = `${service}: ${Object.keys(model.operations).length} operations, ${Object.keys(model.shapes).length} shapes, ${text.length} bytes`;
  if (check) {
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (current !== text) {
      stale += 1;
      process.stderr.write(`${summary}: STALE (run npm run models:sync)\n`);
    } else process.stdout.write(`${summary}: current\n`);
  } else {
    writeFileSync(file, text);
    process.stdout.write(`${summary} → ${file}\n`);
  }
  for (const p of skipped) process.stdout.write(`  pattern not checked (JavaScript cannot parse it): ${p}\n`);
}
process.stdout.write(`botocore ${location.version} (${location.dir})\n`);
process.exit(stale > 0 ? 1 : 0);

/**
 * Runs a sandbox in its own process (so its CPU does not compete with the code under test):
 * `node bench/sandbox-child.ts FLEET.json` prints `ENDPOINT=http://127.0.0.1:PORT` and serves until
 * SIGTERM or until its stdin closes (the parent died).
 */
import { readFile } from 'node:fs/promises';
import { parseFleet, startSandbox } from '@nodekeeper/sandbox';

const file = process.argv[2];
if (!file) throw new Error('usage: sandbox-child.ts FLEET.json');
const sb = await startSandbox({ fleet: parseFleet(JSON.parse(await readFile(file, 'utf8'))), port: 0 });
process.stdout.write(`ENDPOINT=${sb.endpoint}\n`);
const stop = () => {
  void sb.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();

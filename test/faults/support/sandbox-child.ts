/**
 * Runs the sandbox in a child process for the fault suites: the durable test runner fakes timers
 * in the test process, and the sandbox's latencies, slow answers and token buckets must run on
 * real time. Reads the fleet file path and the clock's start (ISO 8601; the clock then runs) from
 * argv, prints `ENDPOINT=…` when ready, exits on stdin EOF.
 */
import { readFileSync } from 'node:fs';
import { parseFleet, startSandbox } from '@nodekeeper/sandbox';

const fleetPath = process.argv[2];
const fleet = fleetPath ? parseFleet(JSON.parse(readFileSync(fleetPath, 'utf8'))) : undefined;
const start = process.argv[3];
const sb = await startSandbox({
  ...(fleet ? { fleet } : {}),
  port: 0,
  ...(start ? { now: start, running: true } : {}),
});
process.stdout.write(`ENDPOINT=${sb.endpoint}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  sb.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});

import { withDurableExecution } from '@aws/durable-execution-sdk-js';
import { ValidationError } from '@nodekeeper/core';
import { createFleetScan, type FleetScanDeps } from './lib/fleet-scan.ts';
import { scanEnvironment } from './lib/scan-env.ts';

/**
 * The durable fleet scan: the scan of a fleet with more (account, region) targets than
 * `rollout.fanOutAboveTargets`, handed over by the scan function (one execution per scan event).
 * Each target is inspected by one invocation of the inspect function (NODEKEEPER_INSPECT_FUNCTION)
 * while this execution waits without compute; the plan, summary and starts then run as in the
 * scan. Environment: the scan's (functions/lib/scan-env.ts) and NODEKEEPER_INSPECT_FUNCTION.
 */
let deps: FleetScanDeps | undefined;

function depsFromEnv(): FleetScanDeps {
  if (deps) return deps;
  const env = scanEnvironment();
  if (env.settings.inspectFunction === null) {
    throw new ValidationError('NODEKEEPER_INSPECT_FUNCTION is not set');
  }
  deps = { scan: env.deps, inspectFunction: env.settings.inspectFunction, now: () => new Date() };
  return deps;
}

export const handler = withDurableExecution(createFleetScan(depsFromEnv));

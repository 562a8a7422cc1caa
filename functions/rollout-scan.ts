import { createHash } from 'node:crypto';
import { createReleaseHistoryReader, inspectTarget } from '@nodekeeper/aws/inspect';
import { createFleetScanStarter } from '@nodekeeper/aws/lambda';
import { fleetTargets } from '@nodekeeper/core/config';
import { assertFleetScanSize, fansOut, fleetScanExecutionName } from './lib/fleet-scan.ts';
import { logger } from './lib/logger.ts';
import { parseScanEvent, runScan, type ScanResult } from './lib/scan.ts';
import { scanEnvironment } from './lib/scan-env.ts';

/**
 * Scheduled scan: EventBridge Scheduler (the schedule's Input, see stacks/schedule.ts), a
 * Parameter Store Change or a continuation asked for by a rollout that ended → inspect → plan →
 * Slack plan summary → one durable rollout execution per `roll` item. With more (account, region)
 * targets than `rollout.fanOutAboveTargets` and NODEKEEPER_FLEET_SCAN_ARN set, it hands the event to
 * the durable fleet scan (functions/rollout-fanout.ts), which inspects each target in its own
 * invocation and then runs the same program. Environment: see scanEnvironment.
 */
export async function handler(event: unknown): Promise<ScanResult> {
  const scan = parseScanEvent(event);
  const env = scanEnvironment();
  const { config, settings } = env;
  logger.info('scan started', {
    eventId: scan.id,
    source: scan.source,
    // Scheduler's delivery attempt (a retry has the same eventId and a new execution ID).
    ...('attempt' in scan ? { attempt: scan.attempt } : {}),
    targets: config.targets.length,
    regions: config.regions,
  });
  if (settings.fleetScanArn !== null && fansOut(config)) {
    // Refused here too, so no execution is started only to fail.
    assertFleetScanSize(fleetTargets(config).length);
    const executionName = fleetScanExecutionName(scan.id, settings.stage, (s) =>
      createHash('sha256').update(s).digest('hex'),
    );
    const started = await createFleetScanStarter(env.lambda, settings.fleetScanArn).start({
      executionName,
      event,
    });
    logger.info('scan handed to the fleet scan', {
      eventId: scan.id,
      targets: fleetTargets(config).length,
      fanOutAboveTargets: config.rollout.fanOutAboveTargets,
      executionName,
      result: started.kind,
    });
    return {
      eventId: scan.id,
      generatedAt: scan.time,
      runId: null,
      counts: { roll: 0, current: 0, skip: 0 },
      starts: [],
      fleetScan: { executionName, result: started.kind },
    };
  }
  // This scan reads AWS's older releases (age selection) once per region, for every account.
  const releaseHistories = createReleaseHistoryReader();
  return runScan(scan, {
    ...env.deps,
    inspect: (target) => inspectTarget(env.clients, target, { logger, releaseHistories }),
  });
}

/** Events and fleets the end-to-end and fault suites share (shapes from ../shared/realcases). */
import { demoFleet, type FleetFile } from '@nodekeeper/sandbox';

export const REGION = 'us-east-1';
export const ACCOUNT = '111122223333';

/** The time the suites' scheduled scans run at. */
export const SCAN_TIME = '2026-11-24T03:00:00Z';

/**
 * Sandbox options for a test that injects scan times: the sandbox clock starts at SCAN_TIME and runs
 * with elapsed time. Give `() => sb.clock.now()` to every dependency (one clock per test) and set
 * the clock to each later scan's time before that scan.
 */
export const scanClock = { now: SCAN_TIME, running: true } as const;

/** An EventBridge Scheduled Event (realcases/eventbridge_scheduled-event_*.json). */
export function scheduledEvent(id: string, time = SCAN_TIME, account = ACCOUNT) {
  return {
    version: '0',
    id,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account,
    time,
    region: REGION,
    resources: [`arn:aws:events:${REGION}:${account}:rule/nodekeeper-scan`],
    detail: {},
  };
}

/** An SSM command status change at `at` (realcases/eventbridge_ssm_command-status-change.json). */
export function ssmStatusEvent(commandId: string, status: string, at: Date) {
  return {
    version: '0',
    id: `evt-${commandId}`,
    'detail-type': 'EC2 Command Status-change Notification',
    source: 'aws.ssm',
    account: ACCOUNT,
    time: at.toISOString(),
    region: REGION,
    resources: [],
    detail: {
      'command-id': commandId,
      'document-name': 'AWS-RunPatchBaseline',
      'expire-after': new Date(at.getTime() + 3_600_000).toISOString(),
      parameters: {},
      'requested-date-time': at.toISOString(),
      status,
    },
  };
}

/**
 * prod-a of the demo fleet, alone: general (release version), custom (launch template) and gpu
 * (its update fails with PodEvictionFailure), each update taking `updateSeconds`.
 */
export function prodAFleet(updateSeconds = 1): FleetFile {
  const f = structuredClone(demoFleet());
  const prodA = f.clusters.find((c) => c.name === 'prod-a');
  if (!prodA) throw new Error('demo fleet has no prod-a');
  prodA.nodegroups = prodA.nodegroups.filter((n) => ['general', 'custom', 'gpu'].includes(n.name));
  for (const n of prodA.nodegroups) n.update = { ...n.update, durationSeconds: updateSeconds };
  f.clusters = [prodA];
  f.instances = f.instances.filter((i) => i.cluster === 'prod-a' && i.nodegroup !== 'windows');
  return f;
}

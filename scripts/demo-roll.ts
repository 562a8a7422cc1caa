// The scheduled path of the demo: the scan handler's core plans and starts one durable workflow per
// node group to roll (the durable SDK's local runner stands in for Lambda), then follows them.
import {
  createApprovalStore,
  createClients,
  createLedgerTable,
  createRecallStore,
  inspectFleet,
} from '@nodekeeper/aws';
import { type Config, parseConfig } from '@nodekeeper/core/config';
import type { RolloutRecord } from '@nodekeeper/core/rollout';
import { buildRolloutDeps, runDepsFor } from '../functions/lib/deps.ts';
import { notifierFromSettings } from '../functions/lib/notify.ts';
import { parseScanEvent, runScan } from '../functions/lib/scan.ts';
import { readSettings } from '../functions/lib/settings.ts';
import {
  createLocalWorkflowStarter,
  setupLocalDurableEnvironment,
  teardownLocalDurableEnvironment,
} from '../test/support/local-starter.ts';

export interface DemoWorld {
  endpoint: string;
  slackBotToken: string;
  slackChannel: string;
  region: string;
  configFile: string;
  ledgerTable: string;
  /** Advances the sandbox clock (demo time runs faster than real time). */
  advanceClock: (seconds: number) => Promise<void>;
  log: (line: string) => void;
}

/** A real-shaped EventBridge Scheduler event (see shared/realcases/eventbridge_scheduled-event_*.json). */
function scheduledEvent(region: string, time: string) {
  return {
    version: '0',
    id: `demo-${time}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.scheduler',
    account: '111122223333',
    time,
    region,
    resources: [`arn:aws:scheduler:${region}:111122223333:schedule/default/nodekeeper-scan`],
    detail: {},
  };
}

function describe(r: RolloutRecord): string {
  const to = r.to.releaseVersion ?? r.to.imageId ?? '?';
  switch (r.outcome) {
    case 'started':
      return `rolling → ${to} (update ${r.updateId ?? '?'})`;
    case 'succeeded':
      return `succeeded: now on ${to}`;
    case 'failed':
      return `FAILED: ${r.errors.map((e) => `${e.errorCode ?? 'error'}: ${e.errorMessage ?? ''}`).join('; ') || r.message || ''}`;
    default:
      return `${r.outcome}: ${r.message ?? r.reason ?? ''}`;
  }
}

/** Runs one scheduled scan and follows every workflow it started to its end. Returns the records. */
export async function runScheduledRollouts(
  world: DemoWorld,
  rawConfig: unknown,
  eventTime: Date = new Date(),
): Promise<RolloutRecord[]> {
  const config: Config = parseConfig(rawConfig);
  const settings = {
    ...readSettings({ NODEKEEPER_LEDGER_TABLE: world.ledgerTable }),
    // Bot mode (the sandbox's Slack Web API): one thread per run, its parent edited as it goes.
    slack: {
      webhookUrl: null,
      botToken: world.slackBotToken,
      channel: world.slackChannel,
      signingSecret: null,
      mentionOnFailure: config.slack.mentionOnFailure,
    },
  };
  const home = createClients({ region: world.region });
  await createLedgerTable(home.dynamodb, settings.ledgerTable);
  const deps = buildRolloutDeps(settings, { homeRegion: world.region });
  await setupLocalDurableEnvironment({ skipTime: false });
  const starter = createLocalWorkflowStarter({
    deps: () => deps,
    poll: { initialSeconds: 1, maxSeconds: 1, backoffRate: 1, maxTotalSeconds: 900 },
  });
  const seen = new Map<string, string>();
  const report = async (quiet = false) => {
    const records = await deps.ledger.listHistory({ limit: 100 });
    for (const r of records.sort((a, b) =>
      `${a.cluster}/${a.nodegroup}`.localeCompare(`${b.cluster}/${b.nodegroup}`),
    )) {
      const line = describe(r);
      const name = `${r.cluster}/${r.nodegroup}`;
      if (seen.get(name) !== line) {
        seen.set(name, line);
        if (!quiet) world.log(`  ${name.padEnd(22)} ${line}`);
      }
    }
    return records;
  };
  try {
    // Records of earlier scans are known already: print only what this scan changes.
    await report(true);
    const event = scheduledEvent(world.region, eventTime.toISOString());
    const runs = runDepsFor(settings, home, notifierFromSettings(settings));
    const result = await runScan(parseScanEvent(event), {
      config,
      inspect: (target) =>
        inspectFleet({
          clients: createClients({ region: target.region }),
          accountId: target.accountId,
          region: target.region,
          clusterPatterns: target.clusters,
        }),
      pause: deps.pause,
      starter,
      notifier: notifierFromSettings(settings),
      ledger: deps.ledger,
      approvals: createApprovalStore(home.dynamodb, { tableName: settings.ledgerTable }),
      recalls: createRecallStore(home.dynamodb, { tableName: settings.ledgerTable }),
      ...(runs ? { runs } : {}),
    });
    world.log(
      `scan ${result.eventId}: ${result.counts.roll} to roll, ${result.counts.current} current, ${result.counts.skip} skipped; ${result.starts.length} workflows started`,
    );
    let done = false;
    const settled = starter.settled().then((r) => {
      done = true;
      return r;
    });
    while (!done) {
      await world.advanceClock(5);
      await report();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const results = await settled;
    for (const r of results) if (r.error) world.log(`  workflow ${r.executionName} errored: ${r.error}`);
    return await report();
  } finally {
    home.destroy();
    await teardownLocalDurableEnvironment();
  }
}

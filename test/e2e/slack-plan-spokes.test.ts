import { createClients, createLedgerTable } from '@nodekeeper/aws';
import { demoFleet, type FleetFile, parseFleet, type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackCommandDepsFromEnv } from '../../functions/lib/slack-deps.ts';

/**
 * The slash command's `plan` with a spoke account, against the sandbox (which checks each role's
 * external ID as STS does): it plans the spoke through the spoke's read-only role and never
 * assumes the mutating one.
 */

const HUB = '111122223333';
const SPOKE = '444455556666';
const READ_ROLE = `arn:aws:iam::${SPOKE}:role/nodekeeper-spoke-read`;
const WRITE_ROLE = `arn:aws:iam::${SPOKE}:role/nodekeeper-spoke-write`;
const credentials = { accessKeyId: 'AKIASANDBOXEXAMPLE', secretAccessKey: 'sandbox-secret' };
const TABLE = 'slack-plan-spokes';
const NOW = new Date('2026-11-24T03:00:00Z');

function fleet(): FleetFile {
  const demo = demoFleet();
  const prodA = demo.clusters.find((c) => c.name === 'prod-a');
  const general = prodA?.nodegroups.find((n) => n.name === 'general');
  if (!prodA || !general) throw new Error('demo fleet has no prod-a/general');
  return parseFleet({
    ...structuredClone(demo),
    accountId: HUB,
    clusters: [],
    instances: [],
    launchTemplates: [],
    roles: [
      { arn: READ_ROLE, externalId: 'nk-ext' },
      { arn: WRITE_ROLE, externalId: 'nk-ext' },
    ],
    partitions: [
      {
        accountId: SPOKE,
        region: 'us-east-1',
        clusters: [{ ...structuredClone(prodA), name: 'shop-prod', nodegroups: [structuredClone(general)] }],
      },
    ],
  });
}

describe('the slash command plan with a spoke account', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ fleet: fleet(), port: 0, now: NOW.toISOString() });
    const home = createClients({ region: 'us-east-1', endpoint: sb.endpoint, credentials });
    await createLedgerTable(home.dynamodb, TABLE);
    home.destroy();
  });
  afterAll(() => sb.close());

  describe('when the config targets the spoke', () => {
    it('plans the spoke through its read-only role and never assumes the mutating one', async () => {
      const config = {
        regions: ['us-east-1'],
        targets: [
          {
            accountId: SPOKE,
            readRoleArn: READ_ROLE,
            writeRoleArn: WRITE_ROLE,
            externalId: 'nk-ext',
            regions: ['us-east-1'],
          },
        ],
      };
      const deps = slackCommandDepsFromEnv({
        env: {
          AWS_REGION: 'us-east-1',
          AWS_LAMBDA_FUNCTION_NAME: 'nodekeeper-e2e-slack-command',
          NODEKEEPER_CONFIG: JSON.stringify(config),
          NODEKEEPER_LEDGER_TABLE: TABLE,
          NODEKEEPER_PAUSE_PARAMETER: '/nodekeeper/e2e/paused',
          NODEKEEPER_SLACK_SIGNING_SECRET: 'not-used-here',
        },
        now: () => NOW,
        endpoint: sb.endpoint,
        credentials,
      });
      const plan = await deps.services().plan(NOW);
      const items = plan.items.map((i) => `${i.accountId}/${i.region}/${i.cluster}/${i.decision}`);
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((i) => i.startsWith(`${SPOKE}/us-east-1/shop-prod/`))).toBe(true);
      expect(items.some((i) => i.endsWith('/error'))).toBe(false);
      expect(sb.issuedCredentials(READ_ROLE)).toBe(1);
      expect(sb.issuedCredentials(WRITE_ROLE)).toBe(0);
    });
  });
});

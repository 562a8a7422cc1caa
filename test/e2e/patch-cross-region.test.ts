import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { type Sandbox, type SandboxEvent, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handlePatchStatus } from '../../functions/patch-status.ts';
import {
  CROSS_REGION_NOW,
  crossRegionFleet,
  crossRegionPatch,
  EU,
  HOME,
  HUB,
} from '../helpers/cross-region.ts';

/**
 * A patch in a region other than the deployment's, over HTTP against the sandbox: the status events
 * patch-status handles are the ones the sandbox's SSM put on eu-west-1's default bus (EventBridge
 * is regional), not hand-built ones.
 */

const COMMAND_STATUS = 'EC2 Command Status-change Notification';
const INVOCATION_STATUS = 'EC2 Command Invocation Status-change Notification';

let sb: Sandbox;
let world: Awaited<ReturnType<typeof crossRegionPatch>>;

beforeAll(async () => {
  sb = await startSandbox({ fleet: crossRegionFleet(), now: CROSS_REGION_NOW });
  world = await crossRegionPatch(sb, 'patch-cross-region');
});

afterAll(async () => {
  world.destroy();
  await sb.close();
});

const ofCommand = (events: SandboxEvent[], commandId: string) =>
  events.filter((e) => e.detail['command-id'] === commandId);

describe('patch in another region than the deployment', () => {
  it('reports the eu-west-1 command from the events on eu-west-1’s bus only', async () => {
    const result = await world.patch('prod-eu', 'req-eu');
    expect(result.region).toBe(EU);
    const [commandId = ''] = result.commandIds;
    const postsBefore = sb.slackPosts().length;

    // Right after SendCommand: Pending, on eu-west-1's bus.
    expect(ofCommand(sb.events(HUB, EU), commandId).map((e) => [e['detail-type'], e.detail.status])).toEqual([
      [INVOCATION_STATUS, 'Pending'],
      [INVOCATION_STATUS, 'Pending'],
      [INVOCATION_STATUS, 'Pending'],
      [COMMAND_STATUS, 'Pending'],
    ]);

    sb.clock.advance(600);
    const events = ofCommand(sb.events(HUB, EU), commandId);
    expect(ofCommand(sb.events(HUB, HOME), commandId)).toEqual([]);
    expect(new Set(events.map((e) => [e.region, e.account, e.source].join(' ')))).toEqual(
      new Set([`${EU} ${HUB} aws.ssm`]),
    );
    expect(events.filter((e) => e['detail-type'] === COMMAND_STATUS).map((e) => e.detail.status)).toEqual([
      'Pending',
      'InProgress',
      'Failed',
    ]);
    const failed = events.find((e) => e['detail-type'] === COMMAND_STATUS && e.detail.status === 'Failed');
    expect(failed).toMatchObject({
      version: '0',
      resources: [
        `arn:aws:ec2:${EU}:${HUB}:instance/i-0e0000000000e0001`,
        `arn:aws:ec2:${EU}:${HUB}:instance/i-0e0000000000e0002`,
        `arn:aws:ec2:${EU}:${HUB}:instance/i-0e0000000000e0003`,
      ],
      detail: {
        'document-name': 'AWS-RunPatchBaseline',
        parameters: { Operation: ['Install'] },
      },
    });
    expect(failed?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // Every event of the bus, as a rule without a detail-type filter would deliver them.
    const reports = [];
    for (const [n, event] of events.entries()) {
      reports.push(await handlePatchStatus(event, world.statusDeps(`o-${n}`)));
    }
    const summarized = reports.filter((r) => r.kind === 'summarized');
    expect(summarized).toHaveLength(1);
    expect(summarized[0]).toMatchObject({
      location: { region: EU, cluster: 'prod-eu', nodegroup: 'general' },
      status: 'Failed',
      summary: { counts: { targeted: 3, succeeded: 2, failed: 1, pending: 0 } },
    });
    expect(await world.ledger.getCommand(commandId)).toMatchObject({ region: EU, status: 'Failed' });
    const posted = sb.slackPosts().slice(postsBefore);
    expect(posted).toHaveLength(1);
    expect(JSON.stringify(posted[0]?.body)).toContain(EU);
  });

  it('puts Parameter Store changes on the bus of the region whose parameter changed', async () => {
    const ssm = new SSMClient({
      region: EU,
      endpoint: sb.endpoint,
      credentials: { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' },
    });
    try {
      await ssm.send(
        new PutParameterCommand({ Name: '/golden/eks-al2023/ami', Value: 'ami-0eu', Overwrite: true }),
      );
      await ssm.send(new PutParameterCommand({ Name: '/golden/eu-only', Value: 'ami-0eu', Type: 'String' }));
    } finally {
      ssm.destroy();
    }
    const changes = (account: string, region: string) =>
      sb.events(account, region).filter((e) => e['detail-type'] === 'Parameter Store Change');
    expect(changes(HUB, HOME)).toEqual([]);
    expect(
      changes(HUB, EU).map((e) => ({ region: e.region, resources: e.resources, detail: e.detail })),
    ).toEqual([
      {
        region: EU,
        resources: [`arn:aws:ssm:${EU}:${HUB}:parameter/golden/eks-al2023/ami`],
        detail: { operation: 'Update', name: '/golden/eks-al2023/ami', type: 'String' },
      },
      {
        region: EU,
        resources: [`arn:aws:ssm:${EU}:${HUB}:parameter/golden/eu-only`],
        detail: { operation: 'Create', name: '/golden/eu-only', type: 'String' },
      },
    ]);
  });
});

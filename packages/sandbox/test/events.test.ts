import { SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoFleet, type Sandbox, type SandboxEvent, startSandbox } from '../index.ts';

const NOW = '2026-11-22T09:00:00.000Z';
const HUB = '111122223333';

/** The demo fleet's hub, plus the hub account in eu-west-1 with one managed instance. */
function fleet() {
  const f = demoFleet();
  const prodA = f.clusters.find((c) => c.name === 'prod-a');
  if (!prodA) throw new Error('demo fleet has no prod-a');
  f.partitions = [
    {
      accountId: HUB,
      region: 'eu-west-1',
      parameters: {},
      images: [],
      amiReleases: [],
      launchTemplates: [],
      clusters: [{ ...structuredClone(prodA), name: 'prod-eu' }],
      instances: [
        {
          ...structuredClone(f.instances[0]),
          instanceId: 'i-0e0000000000e0001',
          cluster: 'prod-eu',
          nodegroup: 'general',
          patchSeconds: 5,
        },
      ] as typeof f.instances,
    },
  ];
  return f;
}

describe('sandbox EventBridge (default buses)', () => {
  let sb: Sandbox;
  const ssm = (region: string) =>
    new SSMClient({
      region,
      endpoint: sb.endpoint,
      credentials: { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' },
    });

  beforeEach(async () => {
    sb = await startSandbox({ fleet: fleet(), now: NOW });
  });
  afterEach(async () => {
    await sb.close();
  });

  async function send(region: string, instanceId: string): Promise<string> {
    const client = ssm(region);
    try {
      const { Command } = await client.send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunPatchBaseline',
          InstanceIds: [instanceId],
          Parameters: { Operation: ['Scan'] },
        }),
      );
      return Command?.CommandId ?? '';
    } finally {
      client.destroy();
    }
  }

  const summary = (events: SandboxEvent[]) =>
    events.map((e) => [
      e.time,
      e['detail-type'].replace(/^EC2 Command | Notification$/g, ''),
      e.detail.status,
    ]);

  it('puts each status change on the bus of the command’s own (account, region), at the instant it happens', async () => {
    const commandId = await send('eu-west-1', 'i-0e0000000000e0001');
    sb.clock.advance(60);
    const events = sb.events(HUB, 'eu-west-1');
    // SendCommand schedules the invocation 1 s after the request; it runs 5 s.
    expect(summary(events)).toEqual([
      ['2026-11-22T09:00:00Z', 'Invocation Status-change', 'Pending'],
      ['2026-11-22T09:00:00Z', 'Status-change', 'Pending'],
      ['2026-11-22T09:00:01Z', 'Invocation Status-change', 'InProgress'],
      ['2026-11-22T09:00:01Z', 'Status-change', 'InProgress'],
      ['2026-11-22T09:00:06Z', 'Invocation Status-change', 'Success'],
      ['2026-11-22T09:00:06Z', 'Status-change', 'Success'],
    ]);
    expect(events.every((e) => e.region === 'eu-west-1' && e.account === HUB && e.source === 'aws.ssm')).toBe(
      true,
    );
    expect(events.every((e) => e.detail['command-id'] === commandId)).toBe(true);
    expect(events[0]?.detail).toEqual({
      'command-id': commandId,
      'document-name': 'AWS-RunPatchBaseline',
      'instance-id': 'i-0e0000000000e0001',
      'requested-date-time': NOW,
      status: 'Pending',
    });
    expect(sb.events(HUB, 'us-east-1')).toEqual([]);
    expect(sb.events(HUB, 'ap-southeast-2')).toEqual([]);
  });

  it('shows only what has happened by the sandbox clock, with the same IDs on every read', async () => {
    await send('us-east-1', 'i-0a0000000000a0001');
    const early = sb.events();
    expect(early.map((e) => e.detail.status)).toEqual(['Pending', 'Pending']);
    sb.clock.advance(3600);
    const later = sb.events();
    expect(later.slice(0, 2)).toEqual(early);
    expect(new Set(later.map((e) => e.id)).size).toBe(later.length);
    expect(sb.events(HUB, 'eu-west-1')).toEqual([]);
  });

  it('serves the same events at /_sandbox/events', async () => {
    await send('eu-west-1', 'i-0e0000000000e0001');
    const res = await fetch(`${sb.endpoint}/_sandbox/events?account=${HUB}&region=eu-west-1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(sb.events(HUB, 'eu-west-1'));
  });
});

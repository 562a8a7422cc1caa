// Events from every configured region reach the home region's rules (EventBridge is regional):
// the rendered forwarding rules, checked as data and then by routing the sandbox's own eu-west-1
// SSM events through them to the real patch-status logic.
import { type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handlePatchStatus } from '../../functions/patch-status.ts';
import { resourceNames } from '../../stacks/permissions.ts';
import { CROSS_REGION_NOW, crossRegionFleet, crossRegionPatch, EU, HUB } from '../helpers/cross-region.ts';
import { regionOf, renderedRouting, routeEvent } from '../helpers/eventbridge.ts';
import {
  ACCOUNT_ID,
  type Harness,
  importStacks,
  installSstHarness,
  type MockResource,
  REGION,
} from './harness.ts';

const STAGE = 'test';
const names = resourceNames(STAGE);
const rawConfig = {
  regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
  clusters: ['prod-*'],
  schedule: { cron: 'cron(0 3 ? * TUE-THU *)', timezone: 'Europe/Berlin' },
  goldenAmiParameters: ['/golden/eks-al2023/ami'],
};
const HOME_BUS = `arn:aws:events:${REGION}:${ACCOUNT_ID}:event-bus/default`;
const FORWARDED = ['eu-west-1', 'ap-southeast-2'];
const patchStatusArn = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${names.functions['patch-status']}`;
const scanArn = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${names.functions['rollout-scan']}:1`;

let h: Harness;

beforeAll(async () => {
  h = await installSstHarness(STAGE);
  const { parseDeployConfig } = await import('../../stacks/config.ts');
  const { createNodekeeper } = await importStacks();
  createNodekeeper(
    parseDeployConfig(rawConfig, (raw) => raw),
    STAGE,
  );
  await h.settle();
});

const ofType = (type: string) => h.resources.filter((r) => r.type === type);
const rules = () => ofType('aws:cloudwatch/eventRule:EventRule');
function named(type: string, name: string): MockResource {
  const found = ofType(type).filter((r) => r.name === name);
  expect(found.map((r) => r.name)).toEqual([name]);
  return found[0] as MockResource;
}
const region = (r: MockResource) => regionOf(h.resources, r, REGION);

describe('forwarding events from the other configured regions', () => {
  for (const [id, homeRule] of [
    ['PatchStatus', 'PatchStatusRule'],
    ['GoldenAmi', 'GoldenAmiRule'],
  ] as const) {
    describe(`for ${homeRule}`, () => {
      it('creates one rule per non-home region, with that region’s provider and the home rule’s pattern', () => {
        const home = named('aws:cloudwatch/eventRule:EventRule', homeRule);
        expect(home.provider).toBeUndefined();
        const forwarding = rules().filter((r) => r.name.startsWith(`${id}Forward`));
        expect(forwarding.map((r) => [r.name, region(r)]).sort()).toEqual([
          [`${id}ForwardApSoutheast2`, 'ap-southeast-2'],
          [`${id}ForwardEuWest1`, 'eu-west-1'],
        ]);
        for (const rule of forwarding) {
          expect(rule.inputs.eventPattern, rule.name).toBe(home.inputs.eventPattern);
          expect(rule.inputs.eventBusName, rule.name).toBeUndefined();
        }
      });

      it('targets the home region’s default bus through the forwarding role', () => {
        const role = named('aws:iam/role:Role', 'RegionalEventsForwardRole');
        for (const f of FORWARDED) {
          const rule = rules().find((r) => r.name.startsWith(`${id}Forward`) && region(r) === f);
          const targets = ofType('aws:cloudwatch/eventTarget:EventTarget').filter(
            (t) => t.inputs.rule === rule?.inputs.name && region(t) === f,
          );
          expect(
            targets.map((t) => [t.inputs.arn, t.inputs.roleArn, region(t)]),
            f,
          ).toEqual([
            [HOME_BUS, `arn:aws:iam::${ACCOUNT_ID}:role/${String(role.inputs.name ?? role.name)}`, f],
          ]);
        }
      });
    });
  }

  it('creates no forwarding rule in the home region', () => {
    expect(
      rules()
        .filter((r) => region(r) === REGION)
        .map((r) => r.name)
        .sort(),
    ).toEqual(['GoldenAmiRule', 'PatchStatusRule']);
  });

  it('lets the role only put events on the home default bus', () => {
    const role = named('aws:iam/role:Role', 'RegionalEventsForwardRole');
    const policies = role.inputs.inlinePolicies as { name: string; policy: string }[];
    expect(policies.map((p) => JSON.parse(p.policy))).toEqual([
      {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'PutEventsOnHomeDefaultBus',
            Effect: 'Allow',
            Action: ['events:PutEvents'],
            Resource: [HOME_BUS],
          },
        ],
      },
    ]);
    expect(role.inputs.managedPolicyArns).toBeUndefined();
  });

  it('lets only EventBridge assume the role, for the forwarding rules of this account', () => {
    const role = named('aws:iam/role:Role', 'RegionalEventsForwardRole');
    const ruleArns = rules()
      .filter((r) => r.name.includes('Forward'))
      .map((r) => `arn:aws:events:${region(r)}:${ACCOUNT_ID}:rule/${String(r.inputs.name)}`);
    expect(ruleArns).toHaveLength(4);
    const trust = JSON.parse(String(role.inputs.assumeRolePolicy));
    trust.Statement[0].Condition.ArnEquals['aws:SourceArn'].sort();
    expect(trust).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': ACCOUNT_ID },
            ArnEquals: { 'aws:SourceArn': ruleArns.sort() },
          },
        },
      ],
    });
  });

  it('names the forwarding rules after the home rule and the home region', () => {
    expect(
      rules()
        .filter((r) => region(r) === 'eu-west-1')
        .map((r) => r.inputs.name)
        .sort(),
    ).toEqual([
      `nodekeeper-${STAGE}-golden-ami-to-${REGION}`,
      `nodekeeper-${STAGE}-patch-status-to-${REGION}`,
    ]);
  });
});

describe('the seam: the sandbox’s eu-west-1 events through the rendered rules', () => {
  let sb: Sandbox;
  let world: Awaited<ReturnType<typeof crossRegionPatch>>;

  beforeAll(async () => {
    sb = await startSandbox({ fleet: crossRegionFleet(), now: CROSS_REGION_NOW });
    world = await crossRegionPatch(sb, 'regional-events-seam');
  });

  afterAll(async () => {
    world.destroy();
    await sb.close();
  });

  it('delivers the eu-west-1 command result to patch-status, which records it and tells Slack', async () => {
    const routing = renderedRouting(h.resources, REGION);
    const started = await world.patch('prod-eu', 'req-seam');
    expect(started.region).toBe(EU);
    const [commandId = ''] = started.commandIds;
    sb.clock.advance(600);
    const postsBefore = sb.slackPosts().length;
    expect(await world.ledger.getCommand(commandId)).toMatchObject({ status: 'Sent' });

    const onEu = sb.events(HUB, EU).filter((e) => e.detail['command-id'] === commandId);
    expect(onEu.length).toBeGreaterThan(0);
    const delivered = onEu.flatMap((event) => routeEvent(routing, event, EU));
    // Only the command's status changes match the patterns (not its invocations'), via both hops.
    expect(
      delivered.map((d) => [d.arn, (d.event as { detail: { status: string } }).detail.status, d.via]),
    ).toEqual(
      ['Pending', 'InProgress', 'Failed'].map((status) => [
        patchStatusArn,
        status,
        [`${EU}:nodekeeper-${STAGE}-patch-status-to-${REGION}`, `${REGION}:nodekeeper-${STAGE}-patch-status`],
      ]),
    );

    const reports = [];
    for (const [n, d] of delivered.entries())
      reports.push(await handlePatchStatus(d.event, world.statusDeps(`seam-${n}`)));
    expect(reports.map((r) => r.kind)).toEqual(['ignored', 'ignored', 'summarized']);
    expect(reports[2]).toMatchObject({ location: { region: EU, cluster: 'prod-eu' }, status: 'Failed' });
    expect(await world.ledger.getCommand(commandId)).toMatchObject({ region: EU, status: 'Failed' });
    const posted = sb.slackPosts().slice(postsBefore);
    expect(posted).toHaveLength(1);
    expect(JSON.stringify(posted[0]?.body)).toContain(EU);
  });

  it('delivers an eu-west-1 golden AMI parameter change to the scan', async () => {
    const routing = renderedRouting(h.resources, REGION);
    const { PutParameterCommand, SSMClient } = await import('@aws-sdk/client-ssm');
    const ssm = new SSMClient({
      region: EU,
      endpoint: sb.endpoint,
      credentials: { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' },
    });
    try {
      await ssm.send(
        new PutParameterCommand({ Name: '/golden/eks-al2023/ami', Value: 'ami-0eu', Overwrite: true }),
      );
      await ssm.send(new PutParameterCommand({ Name: '/golden/other', Value: 'ami-0eu', Type: 'String' }));
    } finally {
      ssm.destroy();
    }
    const changes = sb.events(HUB, EU).filter((e) => e['detail-type'] === 'Parameter Store Change');
    expect(changes).toHaveLength(2);
    const delivered = changes.flatMap((event) => routeEvent(routing, event, EU));
    expect(delivered.map((d) => [d.arn, (d.event as { detail: { name: string } }).detail.name])).toEqual([
      [scanArn, '/golden/eks-al2023/ami'],
    ]);
  });
});

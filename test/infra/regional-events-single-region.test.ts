// A single-region deployment forwards nothing, and then the home rules never see another region's
// events (its own process: Pulumi mocks are global).
import { type Sandbox, startSandbox } from '@nodekeeper/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  forwardingRegions,
  forwardingRuleName,
  RULE_NAME_MAX,
  regionId,
} from '../../stacks/event-regions.ts';
import { resourceNames } from '../../stacks/permissions.ts';
import { CROSS_REGION_NOW, crossRegionFleet, crossRegionPatch, EU, HUB } from '../helpers/cross-region.ts';
import { renderedRouting, routeEvent } from '../helpers/eventbridge.ts';
import { ACCOUNT_ID, type Harness, importStacks, installSstHarness, REGION } from './harness.ts';

const STAGE = 'solo';
const names = resourceNames(STAGE);
const rawConfig = {
  regions: ['us-east-1'],
  clusters: ['prod-*'],
  schedule: { cron: 'cron(0 3 ? * TUE-THU *)', timezone: 'Europe/Berlin' },
  goldenAmiParameters: ['/golden/eks-al2023/ami'],
};
const patchStatusArn = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${names.functions['patch-status']}`;

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

describe('forwardingRegions', () => {
  it('lists the config’s and the targets’ regions once each, without the home region', () => {
    const targets = [
      {
        accountId: '444455556666',
        readRoleArn: 'arn:aws:iam::444455556666:role/spoke-read',
        writeRoleArn: 'arn:aws:iam::444455556666:role/spoke-write',
        regions: ['eu-west-1', 'ap-southeast-2'],
      },
      {
        accountId: '777788889999',
        readRoleArn: 'arn:aws:iam::777788889999:role/spoke-read',
        writeRoleArn: 'arn:aws:iam::777788889999:role/spoke-write',
        regions: ['us-east-1'],
      },
    ];
    expect(forwardingRegions({ regions: ['us-east-1', 'eu-west-1'], targets }, 'us-east-1')).toEqual([
      'eu-west-1',
      'ap-southeast-2',
    ]);
  });

  it('is empty when the config names only the home region', () => {
    expect(forwardingRegions({ regions: ['eu-central-1'] }, 'eu-central-1')).toEqual([]);
  });

  it('forwards even the config’s first region when the deployment runs elsewhere', () => {
    expect(forwardingRegions({ regions: ['eu-central-1'] }, 'us-east-2')).toEqual(['eu-central-1']);
  });

  it('names regions for logical names', () => {
    expect(['eu-west-1', 'ap-southeast-2', 'us-gov-west-1'].map(regionId)).toEqual([
      'EuWest1',
      'ApSoutheast2',
      'UsGovWest1',
    ]);
  });
});

describe('a single-region deployment', () => {
  it('creates no provider, forwarding rule, target or role for other regions', () => {
    expect(h.resources.filter((r) => r.type === 'pulumi:providers:aws')).toEqual([]);
    expect(h.resources.filter((r) => r.provider !== undefined).map((r) => r.name)).toEqual([]);
    expect(
      h.resources
        .filter((r) => r.type === 'aws:cloudwatch/eventRule:EventRule')
        .map((r) => r.name)
        .sort(),
    ).toEqual(['GoldenAmiRule', 'PatchStatusRule']);
    expect(h.resources.filter((r) => r.name.startsWith('RegionalEvents'))).toEqual([]);
  });
});

describe('the seam without forwarding: eu-west-1 events never reach the home rules', () => {
  let sb: Sandbox;
  let world: Awaited<ReturnType<typeof crossRegionPatch>>;

  beforeAll(async () => {
    sb = await startSandbox({ fleet: crossRegionFleet(), now: CROSS_REGION_NOW });
    // The function's config reaches eu-west-1; the stacks above were rendered for us-east-1 only.
    world = await crossRegionPatch(sb, 'regional-events-single');
  });

  afterAll(async () => {
    world.destroy();
    await sb.close();
  });

  it('leaves the command Sent and Slack silent, though the same event on the home bus would match', async () => {
    const routing = renderedRouting(h.resources, REGION);
    const started = await world.patch('prod-eu', 'req-solo');
    const [commandId = ''] = started.commandIds;
    sb.clock.advance(600);
    const postsBefore = sb.slackPosts().length;

    const onEu = sb.events(HUB, EU).filter((e) => e.detail['command-id'] === commandId);
    const final = onEu.find(
      (e) => e.detail.status === 'Failed' && e['detail-type'].startsWith('EC2 Command Status'),
    );
    expect(final).toBeDefined();
    expect(onEu.flatMap((event) => routeEvent(routing, event, EU))).toEqual([]);
    expect(await world.ledger.getCommand(commandId)).toMatchObject({ region: EU, status: 'Sent' });
    expect(sb.slackPosts().slice(postsBefore)).toEqual([]);

    // Control: only the bus is wrong, not the pattern.
    expect(routeEvent(routing, final, REGION).map((d) => d.arn)).toEqual([patchStatusArn]);
  });
});

describe('forwardingRuleName', () => {
  describe('when the home rule name and region fit in 64 characters', () => {
    it('is <home rule>-to-<home region>', () => {
      expect(forwardingRuleName('nodekeeper-prod-patch-status', 'us-east-1')).toBe(
        'nodekeeper-prod-patch-status-to-us-east-1',
      );
    });
  });

  describe('when a long stage makes it longer than EventBridge allows', () => {
    const long = (stage: string) => forwardingRuleName(`nodekeeper-${stage}-patch-status`, 'ap-southeast-2');

    it('shortens it to 64 characters of the allowed alphabet, keeping the home region', () => {
      const name = long('feature-branch-with-a-long-name');
      expect(name.length).toBeLessThanOrEqual(RULE_NAME_MAX);
      expect(name).toMatch(/^[.\-_A-Za-z0-9]+-to-ap-southeast-2$/);
    });

    it('keeps two long names apart and gives the same name every time', () => {
      expect(long('feature-branch-with-a-long-name-one')).not.toBe(
        long('feature-branch-with-a-long-name-two'),
      );
      expect(long('feature-branch-with-a-long-name-one')).toBe(long('feature-branch-with-a-long-name-one'));
    });
  });
});

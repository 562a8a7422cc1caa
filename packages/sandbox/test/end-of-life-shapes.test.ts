import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { DescribeNodegroupCommand, ListNodegroupsCommand } from '@aws-sdk/client-eks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DemoAmis, FleetValidationError, parseFleet, type Sandbox, startSandbox } from '../index.ts';
import { locateBotocore, readBotocoreModel } from '../src/models/botocore.ts';
import { clients } from './helpers.ts';

/**
 * What the sandbox answers about update configs and image deprecation, checked against AWS's own
 * response shapes in botocore (the committed models hold request shapes only).
 */
const botocore = locateBotocore();

interface Shape {
  type: string;
  members?: Record<string, { shape: string; locationName?: string }>;
  enum?: string[];
  min?: number;
  max?: number;
}

describe('sandbox answers in AWS’s response shapes', () => {
  let sb: Sandbox;
  let api: ReturnType<typeof clients>;

  beforeEach(async () => {
    sb = await startSandbox({ now: '2026-11-24T03:00:00.000Z' });
    api = clients(sb);
  });
  afterEach(async () => {
    await sb.close();
  });

  it.skipIf(!botocore.found)(
    botocore.found
      ? `DescribeNodegroup updateConfig fits botocore ${botocore.version}'s NodegroupUpdateConfig`
      : `DescribeNodegroup updateConfig fits NodegroupUpdateConfig — SKIPPED: ${botocore.reason}`,
    async () => {
      if (!botocore.found) return;
      const shapes = readBotocoreModel(botocore.dir, 'eks', '2017-11-01').model.shapes as Record<
        string,
        Shape
      >;
      const config = shapes.NodegroupUpdateConfig;
      const members = config?.members ?? {};
      const seen: Array<Record<string, unknown>> = [];
      for (const cluster of ['prod-a', 'prod-b', 'dev-a']) {
        const { nodegroups = [] } = await api.eks.send(new ListNodegroupsCommand({ clusterName: cluster }));
        for (const name of nodegroups) {
          const out = await api.eks.send(
            new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: name }),
          );
          const u = (out.nodegroup?.updateConfig ?? {}) as Record<string, unknown>;
          seen.push(u);
          for (const [key, value] of Object.entries(u)) {
            const member = members[key];
            expect(member, `updateConfig.${key} is not in NodegroupUpdateConfig`).toBeDefined();
            const shape = shapes[member?.shape ?? ''];
            if (shape?.enum) expect(shape.enum).toContain(value);
            if (shape?.type === 'integer') {
              expect(Number.isInteger(value)).toBe(true);
              if (shape.min !== undefined) expect(value as number).toBeGreaterThanOrEqual(shape.min);
              if (shape.max !== undefined) expect(value as number).toBeLessThanOrEqual(shape.max);
            }
          }
          // The model documents that one of the two is required to have a value.
          expect('maxUnavailable' in u !== 'maxUnavailablePercentage' in u).toBe(true);
        }
      }
      expect(seen).toContainEqual({ updateStrategy: 'MINIMAL', maxUnavailable: 1 });
      expect(seen).toContainEqual({ maxUnavailablePercentage: 25 });
    },
  );

  it.skipIf(!botocore.found)(
    'DescribeImages carries DeprecationTime and ImageOwnerAlias under their botocore wire names',
    async () => {
      if (!botocore.found) return;
      const shapes = readBotocoreModel(botocore.dir, 'ec2', '2016-11-15').model.shapes as Record<
        string,
        Shape
      >;
      const image = shapes.Image?.members ?? {};
      expect(image.DeprecationTime?.locationName).toBe('deprecationTime');
      expect(image.ImageOwnerAlias?.locationName).toBe('imageOwnerAlias');
      // The SDK deserializes by those names: a field the sandbox misnamed would come back undefined.
      const out = await api.ec2.send(
        new DescribeImagesCommand({ ImageIds: [DemoAmis.al2x86Old132, DemoAmis.al2023x86Old131] }),
      );
      expect(out.Images?.map((i) => [i.ImageId, i.DeprecationTime, i.ImageOwnerAlias])).toEqual([
        [DemoAmis.al2023x86Old131, '2026-11-01T00:00:00.000Z', 'amazon'],
        [DemoAmis.al2x86Old132, '2026-12-20T02:41:09.000Z', 'amazon'],
      ]);
    },
  );
});

describe('the fleet file’s updateConfig', () => {
  const fleet = (updateConfig: unknown) => ({
    clusters: [
      {
        name: 'c',
        version: '1.33',
        nodegroups: [
          { name: 'n', amiType: 'AL2023_x86_64_STANDARD', releaseVersion: '1.33.4-20261001', updateConfig },
        ],
      },
    ],
  });

  it('defaults to one node at a time, as EKS does', () => {
    const parsed = parseFleet({
      clusters: [
        {
          name: 'c',
          version: '1.33',
          nodegroups: [{ name: 'n', amiType: 'AL2023_x86_64_STANDARD', releaseVersion: '1.33.4-20261001' }],
        },
      ],
    });
    expect(parsed.clusters[0]?.nodegroups[0]?.updateConfig).toEqual({ maxUnavailable: 1 });
  });

  it.each([
    [{ maxUnavailable: 1, maxUnavailablePercentage: 10 }],
    [{ updateStrategy: 'MINIMAL' }],
    [{ maxUnavailable: 0 }],
    [{ maxUnavailablePercentage: 101 }],
    [{ maxUnavailable: 1, updateStrategy: 'FAST' }],
  ])('refuses %j, naming the field', (updateConfig) => {
    expect(() => parseFleet(fleet(updateConfig))).toThrow(FleetValidationError);
    try {
      parseFleet(fleet(updateConfig));
    } catch (err) {
      expect((err as FleetValidationError).issues.join('\n')).toContain(
        'clusters[0].nodegroups[0].updateConfig',
      );
    }
  });
});

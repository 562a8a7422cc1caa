import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { demoFleet, FleetValidationError, fleetSchema, loadFleetFile, parseFleet } from '../index.ts';

function minimal(): Record<string, unknown> {
  return {
    region: 'us-east-1',
    accountId: '111122223333',
    launchTemplates: [
      {
        launchTemplateId: 'lt-01',
        launchTemplateName: 'custom',
        defaultVersion: 4,
        versions: [{ versionNumber: 4, imageId: 'ami-0old' }],
      },
    ],
    clusters: [
      {
        name: 'prod-a',
        version: '1.33',
        nodegroups: [
          { name: 'general', amiType: 'AL2023_x86_64_STANDARD', releaseVersion: '1.33.4-20261001' },
          {
            name: 'custom',
            amiType: 'CUSTOM',
            releaseVersion: 'ami-0old',
            launchTemplate: { id: 'lt-01', version: '4' },
          },
        ],
      },
    ],
    instances: [{ instanceId: 'i-0abc', cluster: 'prod-a', nodegroup: 'general' }],
  };
}

/** The i-th node group of the first cluster of a raw fleet, for editing. */
function ng(raw: Record<string, unknown>, i: number): Record<string, unknown> {
  const clusters = raw.clusters as Array<{ nodegroups: Array<Record<string, unknown>> }>;
  const found = clusters[0]?.nodegroups[i];
  if (!found) throw new Error(`no node group ${i}`);
  return found;
}

function issuesOf(raw: unknown): string[] {
  try {
    parseFleet(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(FleetValidationError);
    return (err as FleetValidationError).issues;
  }
  throw new Error('expected a FleetValidationError');
}

describe('parseFleet', () => {
  describe('when the file is valid', () => {
    it('fills the node group version from its cluster and other defaults', () => {
      const fleet = parseFleet(minimal());
      const general = fleet.clusters[0]?.nodegroups[0];
      expect(general?.version).toBe('1.33');
      expect(general?.status).toBe('ACTIVE');
      expect(general?.tags).toEqual({});
      expect(general?.update).toEqual({ durationSeconds: 30, outcome: 'Successful' });
      expect(fleet.instances[0]).toMatchObject({
        platform: 'Linux',
        ssmManaged: true,
        patchOutcome: 'Success',
      });
      expect(fleet.parameters).toEqual({});
    });

    it('keeps an explicit lagging node group version', () => {
      const raw = minimal();
      ng(raw, 0).version = '1.32';
      expect(parseFleet(raw).clusters[0]?.nodegroups[0]?.version).toBe('1.32');
    });
  });

  describe('when fields are invalid', () => {
    it('names every bad field by its path', () => {
      const raw = minimal();
      ng(raw, 1).amiType = 'AL3';
      ng(raw, 0).update = { outcome: 'Boom' };
      raw.accountId = '42';
      const issues = issuesOf(raw);
      expect(issues.some((i) => i.startsWith('clusters[0].nodegroups[1].amiType: '))).toBe(true);
      expect(issues.some((i) => i.startsWith('clusters[0].nodegroups[0].update.outcome: '))).toBe(true);
      expect(issues.some((i) => i.startsWith('accountId: '))).toBe(true);
    });

    it('puts the paths in the error message', () => {
      const raw = minimal();
      (raw.instances as Array<Record<string, unknown>>)[0] = { instanceId: 'bogus' };
      expect(() => parseFleet(raw)).toThrow(/instances\[0\]\.instanceId: /);
    });
  });

  describe('when cross-references are broken', () => {
    it('rejects a launch template id that is not in launchTemplates', () => {
      const raw = minimal();
      ng(raw, 1).launchTemplate = { id: 'lt-99', version: '4' };
      expect(issuesOf(raw)).toContainEqual(
        expect.stringMatching(/^clusters\[0\]\.nodegroups\[1\]\.launchTemplate\.id: .*lt-99/),
      );
    });

    it('rejects instances whose cluster or node group does not exist', () => {
      const raw = minimal();
      raw.instances = [
        { instanceId: 'i-01', cluster: 'nope' },
        { instanceId: 'i-02', cluster: 'prod-a', nodegroup: 'ghost' },
      ];
      const issues = issuesOf(raw);
      expect(issues).toContainEqual(expect.stringMatching(/^instances\[0\]\.cluster: /));
      expect(issues).toContainEqual(expect.stringMatching(/^instances\[1\]\.nodegroup: /));
    });

    it('rejects a CUSTOM node group without a launch template', () => {
      const raw = minimal();
      delete ng(raw, 1).launchTemplate;
      expect(issuesOf(raw)).toContainEqual(
        expect.stringMatching(/^clusters\[0\]\.nodegroups\[1\]\.launchTemplate: /),
      );
    });
  });
});

describe('loadFleetFile', () => {
  it('reports a missing file clearly', async () => {
    await expect(loadFleetFile('/nonexistent/fleet.json')).rejects.toThrow(/fleet\.json: file not found/);
  });

  it('reports bad JSON clearly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nk-fleet-'));
    const file = join(dir, 'f.json');
    await writeFile(file, '{ "region": ');
    await expect(loadFleetFile(file)).rejects.toThrow(/is not valid JSON/);
  });

  it('reads and validates a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nk-fleet-'));
    const file = join(dir, 'f.json');
    await writeFile(file, JSON.stringify(minimal()));
    expect((await loadFleetFile(file)).clusters[0]?.name).toBe('prod-a');
  });
});

describe('fleetSchema', () => {
  it('converts to JSON Schema', () => {
    const schema = z.toJSONSchema(fleetSchema, { io: 'input' }) as { properties?: Record<string, unknown> };
    expect(Object.keys(schema.properties ?? {})).toEqual(
      expect.arrayContaining(['clusters', 'launchTemplates', 'instances']),
    );
  });
});

describe('demoFleet', () => {
  const fleet = demoFleet();
  const nodegroups = fleet.clusters.flatMap((c) => c.nodegroups.map((n) => ({ cluster: c, n })));

  it('returns a fresh copy each time', () => {
    const a = demoFleet();
    a.clusters.length = 0;
    expect(demoFleet().clusters.length).toBeGreaterThanOrEqual(3);
  });

  it('covers every AMI family and interesting state', () => {
    const types = new Set(nodegroups.map(({ n }) => n.amiType));
    for (const t of [
      'AL2023_x86_64_STANDARD',
      'AL2023_ARM_64_STANDARD',
      'AL2023_x86_64_NVIDIA',
      'BOTTLEROCKET_x86_64',
      'WINDOWS_CORE_2022_x86_64',
      'CUSTOM',
    ]) {
      expect(types).toContain(t);
    }
    expect(nodegroups.some(({ n }) => n.status === 'UPDATING')).toBe(true);
    expect(nodegroups.some(({ n }) => n.tags['nodekeeper.io/skip'] === 'true')).toBe(true);
    expect(nodegroups.some(({ n }) => n.update.outcome === 'PodEvictionFailure')).toBe(true);
    expect(nodegroups.some(({ cluster, n }) => n.version !== cluster.version)).toBe(true);
    expect(fleet.instances.some((i) => !i.ssmManaged)).toBe(true);
    expect(new Set(fleet.instances.map((i) => i.patchOutcome))).toEqual(
      new Set(['Success', 'Failed', 'TimedOut']),
    );
  });

  it('has a golden-AMI node group whose parameter exists', () => {
    const golden = nodegroups.find(({ n }) => n.tags['nodekeeper.io/ami-parameter'] !== undefined)?.n;
    expect(golden?.amiType).toBe('CUSTOM');
    const param = golden?.tags['nodekeeper.io/ami-parameter'] ?? '';
    expect(fleet.parameters[param]).toMatch(/^ami-/);
  });

  it('has a CUSTOM node group on an EKS-optimized AL2023 AMI identifiable by name', () => {
    const custom = nodegroups.filter(({ n }) => n.amiType === 'CUSTOM').map(({ n }) => n);
    const names = custom.map((n) => fleet.images.find((i) => i.imageId === n.releaseVersion)?.name ?? '');
    expect(names.some((name) => name.startsWith('amazon-eks-node-al2023-'))).toBe(true);
  });

  it('has SSM parameters for every family it uses', () => {
    for (const { n } of nodegroups) {
      if (n.amiType.startsWith('AL2023')) {
        const arch = n.amiType.includes('ARM') ? 'arm64' : 'x86_64';
        const flavor = n.amiType.endsWith('NVIDIA') ? 'nvidia' : 'standard';
        const base = `/aws/service/eks/optimized-ami/${n.version}/amazon-linux-2023/${arch}/${flavor}/recommended`;
        expect(fleet.parameters[`${base}/image_id`]).toBeDefined();
        expect(fleet.parameters[`${base}/release_version`]).toBeDefined();
      }
    }
    expect(
      fleet.parameters['/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest/image_version'],
    ).toBeDefined();
    const win =
      fleet.parameters['/aws/service/ami-windows-latest/Windows_Server-2022-English-Core-EKS_Optimized-1.33'];
    expect(JSON.parse(win ?? '{}').release_version).toBe('1.33-2026.11.12');
  });
});

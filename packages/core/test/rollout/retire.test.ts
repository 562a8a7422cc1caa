import { describe, expect, it } from 'vitest';
import { versionDescription, versionDescriptionPrefix } from '../../src/rollout/key.ts';
import { rolloutRequestSchema } from '../../src/rollout/request.ts';
import {
  chooseVersionsToRetire,
  type RetirementInput,
  retireLaunchTemplateVersions,
} from '../../src/rollout/retire.ts';
import { requestWithAttempt } from '../../src/rollout/scan.ts';
import type {
  DescribeNodegroupResult,
  LaunchTemplateVersionInfo,
  RolloutPort,
} from '../../src/rollout/types.ts';
import type { NodegroupRef } from '../../src/types/fleet.ts';
import { NOW, nodegroupState, templateRequest } from './builders.ts';

const OLD = '2026-10-01T00:00:00.000Z';
const custom = { accountId: '111122223333', region: 'us-east-1', cluster: 'prod-a', nodegroup: 'custom' };
const batch = { ...custom, nodegroup: 'batch' };

/** A nodekeeper version made for `owner`, as `versionDescription` writes it. */
function ours(version: number, overrides: Partial<LaunchTemplateVersionInfo> = {}, owner = custom) {
  const key = `${String(version).padStart(4, '0')}${'a'.repeat(60)}`;
  return {
    version: String(version),
    description: versionDescription(
      key,
      templateRequest({ ...owner, target: { releaseVersion: null, imageId: `ami-0${version}` } }),
    ),
    imageId: `ami-0${version}`,
    isDefault: false,
    createdAt: OLD,
    ...overrides,
  };
}

function theirs(
  version: number,
  overrides: Partial<LaunchTemplateVersionInfo> = {},
): LaunchTemplateVersionInfo {
  return {
    version: String(version),
    description: 'hand-made',
    imageId: 'ami-0x',
    isDefault: false,
    createdAt: OLD,
    ...overrides,
  };
}

function choose(overrides: Partial<RetirementInput> = {}) {
  return chooseVersionsToRetire({
    versions: [theirs(1, { isDefault: true }), ...[2, 3, 4, 5, 6, 7, 8, 9].map((n) => ours(n))],
    inUse: [],
    owners: [custom, batch],
    keep: 3,
    protectImageIds: [],
    now: NOW,
    ...overrides,
  });
}

describe('chooseVersionsToRetire', () => {
  describe('when nodekeeper has more versions than it keeps', () => {
    it('retires its oldest beyond the newest `keep`, and never a version it did not make', () => {
      const choice = choose();
      expect(choice.retire).toEqual(['6', '5', '4', '3', '2']);
      expect(choice.kept).toEqual([
        { version: '9', reason: 'newest' },
        { version: '8', reason: 'newest' },
        { version: '7', reason: 'newest' },
      ]);
    });
  });

  describe('when an old version is protected', () => {
    it('keeps the default, in-use, young, target-image and other-owner versions', () => {
      const versions = [
        theirs(1),
        ours(2, { isDefault: true }),
        ours(3),
        ours(4, { createdAt: '2026-11-23T12:00:00.000Z' }),
        ours(5, { imageId: 'ami-0target' }),
        ours(6, {}, { ...custom, cluster: 'unselected' }),
        ours(7),
        ours(8),
        ours(9),
        ours(10),
      ];
      const choice = choose({ versions, inUse: ['3', '$Default'], protectImageIds: ['ami-0target'] });
      expect(choice.retire).toEqual(['7']);
      expect(choice.kept.slice(3)).toEqual([
        { version: '6', reason: 'other-owner' },
        { version: '5', reason: 'target-image' },
        { version: '4', reason: 'too-young' },
        { version: '3', reason: 'in-use' },
        { version: '2', reason: 'default' },
      ]);
    });

    it('reads $Latest as the newest version of the template', () => {
      const choice = choose({ keep: 1, versions: [ours(2), ours(3), theirs(4)], inUse: ['$Latest'] });
      // $Latest is version 4 (not nodekeeper's): version 3 is the one kept as newest, 2 goes.
      expect(choice.retire).toEqual(['2']);
    });
  });
});

/** A port over one template's versions and node groups, recording deletions. */
function templatePort(state: {
  versions: LaunchTemplateVersionInfo[];
  nodegroups: Record<string, DescribeNodegroupResult>;
}) {
  const deleted: string[][] = [];
  const port: RolloutPort = {
    describeNodegroup: async (ref: NodegroupRef) => state.nodegroups[ref.nodegroup] ?? { kind: 'not-found' },
    findLaunchTemplateVersion: async () => null,
    createLaunchTemplateVersion: async () => ({ kind: 'created', version: '99' }),
    updateNodegroupVersion: async () => ({ kind: 'started', updateId: 'u' }),
    describeUpdate: async () => ({ kind: 'not-found' }),
    listUpdates: async () => [],
    listLaunchTemplateVersions: async () => state.versions.map((v) => ({ ...v })),
    deleteLaunchTemplateVersions: async (_ref, _id, versions) => {
      deleted.push([...versions]);
      const gone = versions.filter((v) => !state.versions.some((x) => x.version === v));
      state.versions = state.versions.filter((v) => !versions.includes(v.version));
      return {
        deleted: versions.filter((v) => !gone.includes(v)),
        failed: gone.map((version) => ({
          version,
          errorCode: 'launchTemplateVersionDoesNotExist',
          message: 'gone',
        })),
      };
    },
  };
  return { port, deleted };
}

const on = (version: string, status = 'ACTIVE') =>
  nodegroupState({ status, launchTemplate: { id: 'lt-01', name: 'custom', version } });

describe('retireLaunchTemplateVersions', () => {
  const request = templateRequest({ versionRetention: { keep: 2, users: [custom, batch] } });

  describe('after a successful rollout', () => {
    it('deletes the old versions no user runs, reading each user from EKS first', async () => {
      const { port, deleted } = templatePort({
        versions: [theirs(1, { isDefault: true }), ours(2), ours(3, {}, batch), ours(4), ours(5), ours(6)],
        nodegroups: { custom: on('6'), batch: on('3') },
      });
      const result = await retireLaunchTemplateVersions(request, { aws: port, now: () => NOW });
      expect(result).toMatchObject({
        kind: 'retired',
        launchTemplateId: 'lt-01',
        retired: ['4', '2'],
        failed: [],
      });
      expect(deleted).toEqual([['4', '2']]);
    });

    it('is idempotent: run again, it deletes nothing and fails nothing', async () => {
      const { port } = templatePort({
        versions: [theirs(1, { isDefault: true }), ours(2), ours(4), ours(5), ours(6)],
        nodegroups: { custom: on('6') },
      });
      const deps = { aws: port, now: () => NOW };
      await retireLaunchTemplateVersions(request, deps);
      expect(await retireLaunchTemplateVersions(request, deps)).toMatchObject({ retired: [], failed: [] });
    });

    it('counts a version another process deleted first as retired', async () => {
      const { port } = templatePort({
        versions: [ours(2), ours(5), ours(6)],
        nodegroups: { custom: on('6') },
      });
      const racing: RolloutPort = {
        ...port,
        listLaunchTemplateVersions: async (ref, id) => {
          const listed = (await port.listLaunchTemplateVersions?.(ref, id)) ?? [];
          await port.deleteLaunchTemplateVersions?.(ref, id, ['2']);
          return listed;
        },
      };
      expect(await retireLaunchTemplateVersions(request, { aws: racing, now: () => NOW })).toMatchObject({
        retired: ['2'],
        failed: [],
      });
    });
  });

  describe('when a user of the template is UPDATING', () => {
    it('retires nothing', async () => {
      const { port, deleted } = templatePort({
        versions: [ours(2), ours(5), ours(6)],
        nodegroups: { custom: on('6'), batch: on('5', 'UPDATING') },
      });
      expect(await retireLaunchTemplateVersions(request, { aws: port, now: () => NOW })).toMatchObject({
        kind: 'skipped',
        reason: 'template-busy',
      });
      expect(deleted).toEqual([]);
    });
  });

  describe('when the request carries no retention', () => {
    it('skips without calling AWS', async () => {
      const { port, deleted } = templatePort({ versions: [ours(2)], nodegroups: {} });
      expect(
        await retireLaunchTemplateVersions(templateRequest(), { aws: port, now: () => NOW }),
      ).toMatchObject({
        kind: 'skipped',
        reason: 'no-retention',
      });
      expect(deleted).toEqual([]);
    });
  });
});

describe('requestWithAttempt', () => {
  const item = {
    accountId: '111122223333',
    region: 'us-east-1',
    cluster: 'prod-a',
    nodegroup: 'custom',
    decision: 'roll' as const,
    reason: null,
    message: '',
    strategy: 'launch-template' as const,
    current: { releaseVersion: 'ami-0old', imageId: 'ami-0old' },
    target: { releaseVersion: null, imageId: 'ami-0new' },
    wave: null,
  };

  describe('when the context asks for version retention', () => {
    it('carries the keep count and every user of the template, and validates as a workflow input', () => {
      const request = requestWithAttempt(
        item,
        { id: 'lt-01', version: '4' },
        { versionRetention: { keep: 5, usersOf: (t) => (t.id === 'lt-01' ? [custom, batch] : []) } },
      );
      expect(request?.versionRetention).toEqual({ keep: 5, users: [custom, batch] });
      expect(rolloutRequestSchema.safeParse(request).success).toBe(true);
    });
  });

  describe('when it does not', () => {
    it('adds no versionRetention key', () => {
      expect(requestWithAttempt(item, { id: 'lt-01', version: '4' })).not.toHaveProperty('versionRetention');
    });
  });
});

describe('versionDescriptionPrefix', () => {
  it('is what chooseVersionsToRetire recognises as nodekeeper’s', () => {
    const choice = chooseVersionsToRetire({
      versions: [
        { ...theirs(2), description: `${versionDescriptionPrefix('f'.repeat(64))} ami-02 for prod-a/custom` },
        theirs(3),
      ],
      inUse: [],
      owners: [custom],
      keep: 0,
      protectImageIds: [],
      now: NOW,
    });
    expect(choice.retire).toEqual(['2']);
  });
});

import { describe, expect, it } from 'vitest';
import { launchTemplateClientToken, rolloutKey, updateRequestToken } from '../../src/rollout/key.ts';
import { findOwnUpdate, startRollout } from '../../src/rollout/start.ts';
import type { UpdateFacts } from '../../src/rollout/types.ts';
import { nodegroupState, releaseRequest, scriptedPort, templateRequest } from './builders.ts';

describe('startRollout', () => {
  describe('when the strategy is release-version', () => {
    it('calls UpdateNodegroupVersion with the release and a deterministic token', async () => {
      const { port, calls } = scriptedPort({});
      const result = await startRollout(releaseRequest(), port);
      expect(result).toEqual({ kind: 'started', updateId: 'upd-1', launchTemplateVersion: null });
      expect(calls.map((c) => c.op)).toEqual(['describeNodegroup', 'updateNodegroupVersion']);
      expect(calls[1]).toEqual({
        op: 'updateNodegroupVersion',
        input: {
          kind: 'release-version',
          version: '1.33',
          releaseVersion: '1.33.5-20261110',
          clientRequestToken: updateRequestToken(rolloutKey(releaseRequest())),
          force: false,
        },
      });
    });

    it("sends the node group's own Kubernetes version, never the cluster's", async () => {
      const { port, calls } = scriptedPort({ nodegroup: nodegroupState({ version: '1.31' }) });
      await startRollout(
        releaseRequest({ target: { releaseVersion: '1.31.13-20261110', imageId: null } }),
        port,
      );
      expect(calls.find((c) => c.op === 'updateNodegroupVersion')?.input).toMatchObject({
        version: '1.31',
        releaseVersion: '1.31.13-20261110',
      });
    });
  });

  describe('when the strategy is launch-template and no nodekeeper version exists yet', () => {
    it('creates one from the current version with only ImageId, then updates to it', async () => {
      const { port, calls } = scriptedPort({});
      const request = templateRequest();
      const key = rolloutKey(request);
      const result = await startRollout(request, port);
      expect(result).toEqual({ kind: 'started', updateId: 'upd-1', launchTemplateVersion: '5' });
      expect(calls.map((c) => c.op)).toEqual([
        'findLaunchTemplateVersion',
        'createLaunchTemplateVersion',
        'updateNodegroupVersion',
      ]);
      expect(calls[1]?.input).toMatchObject({
        launchTemplateId: 'lt-01',
        sourceVersion: '4',
        imageId: 'ami-0new',
        clientToken: launchTemplateClientToken(key),
      });
      // Never `version` (nor `releaseVersion`) for a custom AMI: EKS fails such an update.
      expect(calls[2]?.input).toEqual({
        kind: 'launch-template',
        launchTemplateId: 'lt-01',
        version: '5',
        clientRequestToken: updateRequestToken(key),
        force: false,
      });
    });
  });

  describe('when the version was created by an earlier attempt', () => {
    it('reuses it and creates nothing', async () => {
      const { port, ops } = scriptedPort({ existingVersion: '7' });
      const result = await startRollout(templateRequest(), port);
      expect(result).toMatchObject({ kind: 'started', launchTemplateVersion: '7' });
      expect(ops()).toEqual(['findLaunchTemplateVersion', 'updateNodegroupVersion']);
    });
  });

  describe('when EKS says an update is already in progress', () => {
    it('adopts the InProgress update when it is to the same target', async () => {
      const { port, ops } = scriptedPort({
        update: { kind: 'in-use', message: 'Nodegroup general is currently UPDATING' },
        updates: [
          update('upd-old', 'Successful', [{ type: 'ReleaseVersion', value: '1.33.4-20261001' }], 1),
          update('upd-same', 'InProgress', [{ type: 'ReleaseVersion', value: '1.33.5-20261110' }], 2),
        ],
      });
      const result = await startRollout(releaseRequest(), port);
      expect(result).toEqual({ kind: 'adopted', updateId: 'upd-same', launchTemplateVersion: null });
      expect(ops()).toEqual([
        'describeNodegroup',
        'updateNodegroupVersion',
        'listUpdates',
        'describeUpdate',
        'describeUpdate',
      ]);
    });

    it("never adopts someone else's update to another target: busy, not ours", async () => {
      const { port } = scriptedPort({
        update: { kind: 'in-use', message: 'Nodegroup general is currently UPDATING' },
        updates: [
          update('upd-theirs', 'InProgress', [{ type: 'ReleaseVersion', value: '1.33.5-OTHER' }], 2),
          update('upd-old', 'Successful', [{ type: 'ReleaseVersion', value: '1.33.5-20261110' }], 1),
        ],
      });
      const result = await startRollout(releaseRequest(), port);
      expect(result).toMatchObject({
        kind: 'busy',
        runningUpdateId: 'upd-theirs',
        launchTemplateVersion: null,
      });
    });

    it('is busy (a "not now", retried later) when no update is InProgress any more', async () => {
      const { port } = scriptedPort({
        update: { kind: 'in-use', message: 'busy' },
        updates: [update('upd-old', 'Successful', [], 1)],
      });
      const result = await startRollout(releaseRequest(), port);
      expect(result).toMatchObject({ kind: 'busy', runningUpdateId: null });
    });
  });

  describe('when EKS rejects the request', () => {
    it('returns the error code as a value', async () => {
      const { port } = scriptedPort({
        update: { kind: 'rejected', errorCode: 'InvalidParameterException', message: 'bad release' },
      });
      const result = await startRollout(releaseRequest(), port);
      expect(result).toEqual({
        kind: 'rejected',
        errorCode: 'InvalidParameterException',
        message: 'bad release',
        launchTemplateVersion: null,
      });
    });
  });
});

/** An update created `minute` minutes after 2026-11-24T00:00Z. */
function update(
  id: string,
  status: UpdateFacts['status'],
  params: UpdateFacts['params'],
  minute = 0,
): UpdateFacts {
  const createdAt = new Date(Date.UTC(2026, 10, 24, 0, minute)).toISOString();
  return { id, status, type: 'VersionUpdate', params, createdAt, errors: [] };
}

describe('findOwnUpdate', () => {
  it('finds the newest in-progress or successful update naming the target release', async () => {
    const { port, ops } = scriptedPort({
      updates: [
        update('upd-other', 'Successful', [{ type: 'ReleaseVersion', value: '1.33.4-20261020' }], 1),
        update('upd-failed', 'Failed', [{ type: 'ReleaseVersion', value: '1.33.5-20261110' }], 2),
        update('upd-ours', 'InProgress', [{ type: 'ReleaseVersion', value: '1.33.5-20261110' }], 3),
      ],
    });
    expect(await findOwnUpdate(releaseRequest(), port)).toEqual({
      updateId: 'upd-ours',
      status: 'InProgress',
      launchTemplateVersion: null,
    });
    expect(ops()).toEqual(['listUpdates', 'describeUpdate', 'describeUpdate', 'describeUpdate']);
  });

  it('matches a launch-template rollout by the version carrying its marker, and only that version', async () => {
    const request = templateRequest();
    const { port, calls } = scriptedPort({
      existingVersion: '7',
      updates: [
        update('upd-6', 'Successful', [{ type: 'LaunchTemplateVersion', value: '6' }], 1),
        update('upd-7', 'Successful', [{ type: 'LaunchTemplateVersion', value: '7' }], 2),
      ],
    });
    expect(await findOwnUpdate(request, port)).toEqual({
      updateId: 'upd-7',
      status: 'Successful',
      launchTemplateVersion: '7',
    });
    expect(calls[0]).toEqual({
      op: 'findLaunchTemplateVersion',
      input: expect.objectContaining({ descriptionPrefix: `nodekeeper:${rolloutKey(request).slice(0, 16)}` }),
    });
  });

  it('finds nothing for a launch-template rollout that never created its version', async () => {
    const { port, ops } = scriptedPort({
      existingVersion: null,
      updates: [update('upd-1', 'InProgress', [{ type: 'LaunchTemplateVersion', value: '5' }])],
    });
    expect(await findOwnUpdate(templateRequest(), port)).toBeNull();
    expect(ops()).toEqual(['findLaunchTemplateVersion']);
  });

  it('reads every page and chooses by createdAt, not by the order EKS lists', async () => {
    // 150 old updates first in the listing (beyond the first page of 100), ours last.
    const old = Array.from({ length: 150 }, (_, i) =>
      update(`upd-old-${i}`, 'Successful', [{ type: 'ReleaseVersion', value: '1.33.4-20261001' }], 1),
    );
    const { port, calls } = scriptedPort({
      updates: [
        ...old,
        update('upd-ours', 'InProgress', [{ type: 'ReleaseVersion', value: '1.33.5-20261110' }], 9),
      ],
    });
    expect(await findOwnUpdate(releaseRequest(), port)).toMatchObject({ updateId: 'upd-ours' });
    expect(calls.find((c) => c.op === 'listUpdates')?.input).toBeGreaterThanOrEqual(151);
  });

  it('takes nothing that a newer update of another target superseded', async () => {
    const { port } = scriptedPort({
      nodegroup: nodegroupState({ status: 'UPDATING' }),
      updates: [
        update('upd-theirs', 'InProgress', [{ type: 'ReleaseVersion', value: '1.33.5-OTHER' }], 5),
        update('upd-ours', 'Successful', [{ type: 'ReleaseVersion', value: '1.33.5-20261110' }], 1),
      ],
    });
    expect(await findOwnUpdate(releaseRequest(), port)).toBeNull();
  });

  it('finds nothing when no recent update names the target', async () => {
    const { port } = scriptedPort({
      updates: [update('upd-1', 'InProgress', [{ type: 'ReleaseVersion', value: '1.33.4-20261020' }])],
    });
    expect(await findOwnUpdate(releaseRequest(), port)).toBeNull();
  });
});

describe('startRollout when UpdateNodegroupVersion never answers', () => {
  it('follows the update EKS started anyway', async () => {
    const { port, ops } = scriptedPort({
      updateThrows: new Error('socket timeout'),
      updates: [update('upd-took', 'InProgress', [{ type: 'ReleaseVersion', value: '1.33.5-20261110' }])],
    });
    expect(await startRollout(releaseRequest(), port)).toEqual({
      kind: 'started',
      updateId: 'upd-took',
      launchTemplateVersion: null,
    });
    expect(ops()).toEqual(['describeNodegroup', 'updateNodegroupVersion', 'listUpdates', 'describeUpdate']);
  });

  it("never takes an earlier attempt's update for its own: only updates since the call count", async () => {
    const retry = releaseRequest({ attempt: 2, force: true });
    const { port } = scriptedPort({
      updateThrows: new Error('socket timeout'),
      // Attempt 1's update, to the same release, failed an hour before this attempt's call.
      updates: [update('upd-attempt-1', 'Failed', [{ type: 'ReleaseVersion', value: '1.33.5-20261110' }], 0)],
    });
    const now = new Date(Date.UTC(2026, 10, 24, 1, 0));
    await expect(startRollout(retry, port, { now })).rejects.toThrow('socket timeout');
  });

  it('rethrows the error when EKS started nothing', async () => {
    const { port } = scriptedPort({ updateThrows: new Error('socket timeout'), updates: [] });
    await expect(startRollout(releaseRequest(), port)).rejects.toThrow('socket timeout');
  });
});

describe('startRollout for a later attempt', () => {
  it("reuses the first attempt's launch template version and sends a fresh update token", async () => {
    const retry = templateRequest({ attempt: 2, force: true });
    const { port, calls } = scriptedPort({ existingVersion: '5' });
    expect(await startRollout(retry, port)).toMatchObject({ kind: 'started', launchTemplateVersion: '5' });
    expect(calls[0]?.input).toMatchObject({
      descriptionPrefix: `nodekeeper:${rolloutKey(templateRequest()).slice(0, 16)}`,
    });
    expect(calls.map((c) => c.op)).toEqual(['findLaunchTemplateVersion', 'updateNodegroupVersion']);
    expect(calls[1]?.input).toMatchObject({
      clientRequestToken: updateRequestToken(rolloutKey(retry)),
      force: true,
    });
    expect(rolloutKey(retry)).not.toBe(rolloutKey(templateRequest()));
  });
});

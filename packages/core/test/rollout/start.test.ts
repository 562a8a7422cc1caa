import { describe, expect, it } from 'vitest';
import {
  findOwnUpdate,
  launchTemplateClientToken,
  rolloutKey,
  startRollout,
  type UpdateFacts,
  updateRequestToken,
} from '../../index.ts';
import { releaseRequest, scriptedPort, templateRequest } from './builders.ts';

describe('startRollout', () => {
  describe('when the strategy is release-version', () => {
    it('calls UpdateNodegroupVersion with the release and a deterministic token', async () => {
      const { port, calls } = scriptedPort({});
      const result = await startRollout(releaseRequest(), port);
      expect(result).toEqual({ kind: 'started', updateId: 'upd-1', launchTemplateVersion: null });
      expect(calls).toEqual([
        {
          op: 'updateNodegroupVersion',
          input: {
            kind: 'release-version',
            releaseVersion: '1.33.5-20261110',
            clientRequestToken: updateRequestToken(rolloutKey(releaseRequest())),
            force: false,
          },
        },
      ]);
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
    it('adopts the InProgress update', async () => {
      const { port, ops } = scriptedPort({
        update: { kind: 'in-use', message: 'Nodegroup general is currently UPDATING' },
        updates: [
          { id: 'upd-new', status: 'InProgress', type: 'VersionUpdate', params: [], errors: [] },
          { id: 'upd-old', status: 'Successful', type: 'VersionUpdate', params: [], errors: [] },
        ],
      });
      const result = await startRollout(releaseRequest(), port);
      expect(result).toEqual({ kind: 'adopted', updateId: 'upd-new', launchTemplateVersion: null });
      expect(ops()).toEqual(['updateNodegroupVersion', 'listUpdates', 'describeUpdate']);
    });

    it('is rejected with ResourceInUseException when no update is InProgress', async () => {
      const { port } = scriptedPort({
        update: { kind: 'in-use', message: 'busy' },
        updates: [{ id: 'upd-old', status: 'Successful', type: 'VersionUpdate', params: [], errors: [] }],
      });
      const result = await startRollout(releaseRequest(), port);
      expect(result).toMatchObject({ kind: 'rejected', errorCode: 'ResourceInUseException' });
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

function update(id: string, status: UpdateFacts['status'], params: UpdateFacts['params']): UpdateFacts {
  return { id, status, type: 'VersionUpdate', params, errors: [] };
}

describe('findOwnUpdate', () => {
  it('finds the newest in-progress or successful update naming the target release', async () => {
    const { port, ops } = scriptedPort({
      updates: [
        update('upd-other', 'InProgress', [{ type: 'ReleaseVersion', value: '1.33.4-20261020' }]),
        update('upd-failed', 'Failed', [{ type: 'ReleaseVersion', value: '1.33.5-20261110' }]),
        update('upd-ours', 'InProgress', [{ type: 'ReleaseVersion', value: '1.33.5-20261110' }]),
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
        update('upd-6', 'Successful', [{ type: 'LaunchTemplateVersion', value: '6' }]),
        update('upd-7', 'Successful', [{ type: 'LaunchTemplateVersion', value: '7' }]),
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
    expect(ops()).toEqual(['updateNodegroupVersion', 'listUpdates', 'describeUpdate']);
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

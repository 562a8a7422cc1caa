import { describe, expect, it } from 'vitest';
import { launchTemplateClientToken, rolloutKey, startRollout, updateRequestToken } from '../../index.ts';
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
          { id: 'upd-new', status: 'InProgress', type: 'VersionUpdate', errors: [] },
          { id: 'upd-old', status: 'Successful', type: 'VersionUpdate', errors: [] },
        ],
      });
      const result = await startRollout(releaseRequest(), port);
      expect(result).toEqual({ kind: 'adopted', updateId: 'upd-new', launchTemplateVersion: null });
      expect(ops()).toEqual(['updateNodegroupVersion', 'listUpdates', 'describeUpdate']);
    });

    it('is rejected with ResourceInUseException when no update is InProgress', async () => {
      const { port } = scriptedPort({
        update: { kind: 'in-use', message: 'busy' },
        updates: [{ id: 'upd-old', status: 'Successful', type: 'VersionUpdate', errors: [] }],
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

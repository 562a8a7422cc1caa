import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { assignWave, policyFromConfig } from '../src/policy.ts';
import { aWave } from './builders.ts';

describe('policyFromConfig', () => {
  describe('when given a full config and a pause', () => {
    it('carries every setting and the pause fact', () => {
      const config = parseConfig({
        regions: ['us-east-1'],
        clusters: ['prod-*'],
        minAmiAgeDays: 3,
        followClusterVersion: false,
        denyAmis: ['ami-0bad'],
        waves: [
          { name: 'prod', clusters: ['prod-*'], minAmiAgeDays: 7, soakDays: 2, followClusterVersion: true },
          { name: 'rest', clusters: ['*'] },
        ],
        schedule: { cron: 'cron(0 3 ? * TUE-THU *)', timezone: 'Europe/Berlin' },
        maxConcurrentTotal: 4,
      });
      const paused = { reason: 'freeze', by: 'U1', at: '2026-11-19T00:00:00.000Z' };
      expect(policyFromConfig(config, { paused })).toEqual({
        clusters: ['prod-*'],
        minAmiAgeDays: 3,
        followClusterVersion: false,
        denyAmis: ['ami-0bad'],
        waves: [
          {
            name: 'prod',
            clusters: ['prod-*'],
            accounts: null,
            regions: null,
            minAmiAgeDays: 7,
            followClusterVersion: true,
            soakDays: 2,
            requiresApproval: false,
            forceOnPodEvictionFailure: false,
            unprovenRelease: 'roll',
          },
          {
            name: 'rest',
            clusters: ['*'],
            accounts: null,
            regions: null,
            minAmiAgeDays: null,
            followClusterVersion: null,
            soakDays: 0,
            requiresApproval: false,
            forceOnPodEvictionFailure: false,
            unprovenRelease: 'roll',
          },
        ],
        window: { cron: 'cron(0 3 ? * TUE-THU *)', timezone: 'Europe/Berlin', windowMinutes: 240 },
        maxConcurrentPerCluster: 1,
        maxConcurrentTotal: 4,
        maxFailuresPerRelease: 1,
        paused,
        history: [],
        approvals: [],
        recalls: [],
        ignoreWindow: false,
      });
    });
  });

  describe('when given only defaults', () => {
    it('has no window, no total budget and no pause', () => {
      const policy = policyFromConfig(parseConfig({ regions: ['us-east-1'] }));
      expect(policy).toMatchObject({ clusters: ['*'], window: null, maxConcurrentTotal: null, paused: null });
    });
  });
});

describe('assignWave', () => {
  const waves = [
    aWave({ name: 'dev', clusters: ['dev-*'] }),
    aWave({ name: 'prod', clusters: ['prod-*', 'dev-*'] }),
  ];

  it('takes the first matching wave', () => {
    expect(assignWave('dev-a', {}, waves)).toMatchObject({ kind: 'wave', wave: { name: 'dev' } });
  });

  it('prefers the wave tag', () => {
    expect(assignWave('dev-a', { 'nodekeeper.io/wave': 'prod' }, waves)).toMatchObject({
      kind: 'wave',
      wave: { name: 'prod' },
    });
  });

  it('reports an unknown tagged wave, and none when nothing matches', () => {
    expect(assignWave('dev-a', { 'nodekeeper.io/wave': 'qa' }, waves)).toEqual({
      kind: 'unknown',
      name: 'qa',
    });
    expect(assignWave('stage-a', {}, waves)).toEqual({ kind: 'none' });
  });
});

import { describe, expect, it } from 'vitest';
import { guardRollout } from '../../src/rollout/guard.ts';
import { nodegroupState, releaseRequest, templateRequest } from './builders.ts';

const notPaused = { paused: false, reason: null };

describe('guardRollout', () => {
  describe('when the node group is as planned', () => {
    it('proceeds', () => {
      expect(guardRollout(releaseRequest(), nodegroupState(), notPaused)).toEqual({ kind: 'proceed' });
    });
  });

  describe('when rollouts are paused', () => {
    it('does not start, with paused and the reason', () => {
      const d = guardRollout(releaseRequest(), nodegroupState(), { paused: true, reason: 'incident 42' });
      expect(d).toEqual({
        kind: 'not-started',
        reason: 'paused',
        message: 'rollouts are paused: incident 42',
      });
    });
  });

  const cases = [
    {
      when: 'the node group is now UPDATING',
      state: nodegroupState({ status: 'UPDATING' }),
      reason: 'update-in-progress',
    },
    {
      when: 'the node group is DEGRADED',
      state: nodegroupState({ status: 'DEGRADED' }),
      reason: 'not-active',
    },
    { when: 'the node group is gone', state: { kind: 'not-found' } as const, reason: 'not-found' },
    {
      when: 'someone moved it to another release',
      state: nodegroupState({ releaseVersion: '1.33.4-20261020' }),
      reason: 'version-changed',
    },
    {
      when: 'it already runs the target',
      state: nodegroupState({ releaseVersion: '1.33.5-20261110' }),
      reason: 'already-on-target',
    },
  ];
  for (const c of cases) {
    describe(`when ${c.when}`, () => {
      it(`does not start, with ${c.reason}`, () => {
        const d = guardRollout(releaseRequest(), c.state, notPaused);
        expect(d).toMatchObject({ kind: 'not-started', reason: c.reason });
      });
    });
  }

  describe('when the launch template version changed since planning', () => {
    it('does not start, with template-changed', () => {
      const state = nodegroupState({
        releaseVersion: 'ami-0old',
        launchTemplate: { id: 'lt-01', name: 'custom', version: '6' },
      });
      const d = guardRollout(templateRequest(), state, notPaused);
      expect(d).toMatchObject({ kind: 'not-started', reason: 'template-changed' });
    });
  });

  describe('when the launch template node group is as planned', () => {
    it('proceeds', () => {
      const state = nodegroupState({
        releaseVersion: 'ami-0old',
        launchTemplate: { id: 'lt-01', name: 'custom', version: '4' },
      });
      expect(guardRollout(templateRequest(), state, notPaused)).toEqual({ kind: 'proceed' });
    });
  });
});

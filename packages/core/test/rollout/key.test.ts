import { describe, expect, it } from 'vitest';
import {
  executionName,
  launchTemplateClientToken,
  rolloutKey,
  updateRequestToken,
  versionDescription,
  versionDescriptionPrefix,
} from '../../src/rollout/key.ts';
import { releaseRequest, templateRequest } from './builders.ts';

describe('rolloutKey', () => {
  describe('when the same rollout is keyed twice', () => {
    it('returns the same 64-hex-digit key', () => {
      expect(rolloutKey(releaseRequest())).toBe(rolloutKey(releaseRequest({ wave: 'other' })));
      expect(rolloutKey(releaseRequest())).toMatch(/^[0-9a-f]{64}$/);
    });
  });

  describe('when any identifying field differs', () => {
    it('returns a different key', () => {
      const base = rolloutKey(releaseRequest());
      const variants = [
        releaseRequest({ accountId: '444455556666' }),
        releaseRequest({ region: 'eu-west-1' }),
        releaseRequest({ cluster: 'prod-b' }),
        releaseRequest({ nodegroup: 'other' }),
        releaseRequest({ target: { releaseVersion: '1.33.6-20261201', imageId: 'ami-0new' } }),
        releaseRequest({ attempt: 2 }),
      ];
      for (const v of variants) expect(rolloutKey(v)).not.toBe(base);
    });
  });

  describe('when the strategy is launch-template', () => {
    it('keys on the target AMI rather than the release', () => {
      const a = templateRequest();
      const b = templateRequest({ target: { releaseVersion: 'other', imageId: 'ami-0new' } });
      expect(rolloutKey(a)).toBe(rolloutKey(b));
    });
  });
});

describe('executionName', () => {
  /** Lambda's DurableExecutionName (botocore lambda model): 1–64 characters of [a-zA-Z0-9-_]. */
  const DURABLE_EXECUTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

  describe('when names are long and contain odd characters', () => {
    it('stays within 64 characters of [a-zA-Z0-9_-]', () => {
      const request = releaseRequest({
        cluster: 'a'.repeat(100),
        nodegroup: 'ng.with.dots_and_underscores-and-more-text',
      });
      for (const stage of ['prod', 'dev.alice@example', 's'.repeat(200), '']) {
        expect(executionName(request, stage)).toMatch(DURABLE_EXECUTION_NAME);
      }
    });
  });

  describe('when two rollouts differ only by target', () => {
    it('names them differently', () => {
      const other = releaseRequest({ target: { releaseVersion: '1.33.6-20261201', imageId: null } });
      expect(executionName(releaseRequest(), 'prod')).not.toBe(executionName(other, 'prod'));
    });
  });

  describe('when two stages in one account and region roll the same node group', () => {
    it('names them differently and says which stage, while keys and tokens stay shared', () => {
      const request = releaseRequest();
      expect(executionName(request, 'prod')).not.toBe(executionName(request, 'staging'));
      expect(executionName(request, 'prod')).toContain('prod');
      // Stages whose names only differ past the readable prefix still differ (the hash covers the stage).
      const long = 'x'.repeat(40);
      expect(executionName(request, `${long}1`)).not.toBe(executionName(request, `${long}2`));
      // Ledger keys (shared with the CLI) do not depend on the stage.
      expect(rolloutKey(request)).toBe(rolloutKey({ ...request }));
    });
  });
});

describe('tokens and descriptions', () => {
  it('keeps the EC2 ClientToken within 128 characters and the EKS token deterministic', () => {
    const key = rolloutKey(templateRequest());
    expect(launchTemplateClientToken(key).length).toBeLessThanOrEqual(128);
    expect(updateRequestToken(key)).toBe(updateRequestToken(rolloutKey(templateRequest())));
  });

  it('marks the version description as nodekeeper and keeps it within 255 characters', () => {
    const request = templateRequest({ cluster: 'c'.repeat(100), nodegroup: 'n'.repeat(100) });
    const key = rolloutKey(request);
    const text = versionDescription(key, request);
    expect(text.startsWith(versionDescriptionPrefix(key))).toBe(true);
    expect(text).toContain('ami-0new');
    expect(text.length).toBeLessThanOrEqual(255);
  });
});

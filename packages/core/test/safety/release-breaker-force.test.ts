import { describe, expect, it } from 'vitest';
import type { RolloutRecord } from '../../src/rollout/types.ts';
import { haltedReleases } from '../../src/safety/breaker.ts';
import { rolloutFactsFromRecords } from '../../src/safety/facts.ts';
import { shouldRetryWithForce } from '../../src/safety/force.ts';
import {
  compareIdentities,
  normalizeReleaseInput,
  releaseIdentity,
  releaseLineOf,
} from '../../src/safety/release.ts';
import {
  aCatalog,
  aCustomNodegroup,
  aFact,
  aFleet,
  aNodegroup,
  anApproval,
  anOldImage,
  OLD_AMI,
} from '../builders.ts';

describe('releaseIdentity', () => {
  it.each([
    ['al2023', '1.33.5-20261110', 'ami-1', '20261110'],
    ['al2', '1.32.9-20261110', 'ami-1', '20261110'],
    ['bottlerocket', '1.50.0-abcdef12', 'ami-1', '1.50.0'],
    ['windows-2022', '1.33-2026.11.12', 'ami-1', '2026.11.12'],
    ['golden:/golden/ami', null, 'ami-0golden', 'ami-0golden'],
    ['al2023', null, 'ami-0custom', 'ami-0custom'],
  ])('%s %s → %s', (family, releaseVersion, imageId, identity) => {
    expect(releaseIdentity(family, { releaseVersion, imageId })).toBe(identity);
  });
});

describe('normalizeReleaseInput', () => {
  it.each([
    ['1.33.5-20261110', null, '20261110'],
    ['20261110', null, '20261110'],
    ['v1.50.0-abcdef12', null, '1.50.0'],
    ['1.50.0', null, '1.50.0'],
    ['1.33-2026.11.12', null, '2026.11.12'],
    ['ami-0abc123', null, 'ami-0abc123'],
    ['1.50.0-12345678', 'bottlerocket', '1.50.0'],
    ['next tuesday', null, null],
  ])('%s (family %s) → %s', (input, family, identity) => {
    expect(normalizeReleaseInput(input, family)).toBe(identity);
  });
});

describe('compareIdentities', () => {
  it('orders within a line and refuses to order AMI IDs', () => {
    expect(compareIdentities('al2023', '20261110', '20261201')).toBe(-1);
    expect(compareIdentities('bottlerocket', '1.50.1', '1.50.0')).toBe(1);
    expect(compareIdentities('golden:/p', 'ami-1', 'ami-2')).toBeNull();
    expect(compareIdentities('golden:/p', 'ami-1', 'ami-1')).toBe(0);
  });
});

describe('releaseLineOf', () => {
  it('uses the AMI family, the EKS name of a custom image, or the golden parameter', () => {
    const catalog = aCatalog();
    expect(releaseLineOf(aNodegroup(), catalog)).toBe('al2023');
    expect(releaseLineOf(aCustomNodegroup(OLD_AMI), aCatalog({ images: [anOldImage()] }))).toBe('al2023');
    expect(
      releaseLineOf(
        aCustomNodegroup(OLD_AMI, { tags: { 'nodekeeper.io/ami-parameter': '/golden/ami' } }),
        catalog,
      ),
    ).toBe('golden:/golden/ami');
    expect(releaseLineOf(aCustomNodegroup('ami-0unknown'), catalog)).toBeNull();
  });
});

describe('haltedReleases', () => {
  const failed = (cluster: string, at: string) =>
    aFact({ cluster, outcome: 'failed', startedAt: at, finishedAt: at });

  it('halts a release at maxFailuresPerRelease failures, with a stable notice key', () => {
    const history = [
      failed('dev-a', '2026-11-18T03:00:00.000Z'),
      failed('dev-b', '2026-11-18T04:00:00.000Z'),
      aFact(),
    ];
    expect(haltedReleases({ history }, { maxFailuresPerRelease: 3 })).toEqual([]);
    expect(haltedReleases({ history }, { maxFailuresPerRelease: 2 })).toEqual([
      {
        family: 'al2023',
        release: '20261110',
        failures: 2,
        failedGroups: ['dev-a/general', 'dev-b/general'],
        failed: [
          { group: 'dev-a/general', version: '20261110', at: '2026-11-18T03:00:00.000Z' },
          { group: 'dev-b/general', version: '20261110', at: '2026-11-18T04:00:00.000Z' },
        ],
        firstFailureAt: '2026-11-18T03:00:00.000Z',
        noticeKey: 'halted/al2023/20261110/2026-11-18T03:00:00.000Z',
      },
    ]);
  });

  it('forgives failures before an all-waves approval, and halts again on a new failure', () => {
    const approvals = [anApproval({ at: '2026-11-19T00:00:00.000Z' })];
    const before = [failed('dev-a', '2026-11-18T03:00:00.000Z')];
    expect(haltedReleases({ history: before, approvals }, { maxFailuresPerRelease: 1 })).toEqual([]);
    const after = [...before, failed('prod-a', '2026-11-20T03:00:00.000Z')];
    expect(haltedReleases({ history: after, approvals }, { maxFailuresPerRelease: 1 })).toMatchObject([
      { failures: 1, noticeKey: 'halted/al2023/20261110/2026-11-20T03:00:00.000Z' },
    ]);
  });

  it('keeps the halt for an approval of one wave only', () => {
    const history = [failed('dev-a', '2026-11-18T03:00:00.000Z')];
    expect(
      haltedReleases({ history, approvals: [anApproval({ wave: 'prod' })] }, { maxFailuresPerRelease: 1 }),
    ).toHaveLength(1);
  });
});

describe('shouldRetryWithForce', () => {
  const eviction = [{ errorCode: 'PodEvictionFailure' }];
  it.each([
    [true, 'failed', eviction, 1, false, true],
    [false, 'failed', eviction, 1, false, false],
    [true, 'failed', [{ errorCode: 'NodeCreationFailure' }], 1, false, false],
    [true, 'failed', eviction, 2, false, true],
    [true, 'failed', eviction, 1, true, false],
    [true, 'succeeded', [], 1, false, false],
  ])('opt-in %s, %s %j attempt %i forced %s → %s', (optIn, result, errors, attempt, forced, expected) => {
    expect(
      shouldRetryWithForce(
        { forceOnPodEvictionFailure: optIn },
        { outcome: result, errors, attempt, forced },
      ),
    ).toBe(expected);
  });

  it('never forces outside a wave', () => {
    expect(shouldRetryWithForce(null, { outcome: 'failed', errors: eviction, attempt: 1 })).toBe(false);
  });
});

describe('rolloutFactsFromRecords', () => {
  const record = (overrides: Partial<RolloutRecord>): RolloutRecord => ({
    key: 'k',
    accountId: null,
    region: 'us-east-1',
    cluster: 'prod-a',
    nodegroup: 'general',
    strategy: 'release-version',
    wave: 'prod',
    from: { releaseVersion: '1.33.4-20261001', imageId: null },
    to: { releaseVersion: '1.33.5-20261110', imageId: 'ami-new' },
    attempt: 1,
    updateId: 'u',
    launchTemplateVersion: null,
    outcome: 'succeeded',
    reason: null,
    message: null,
    errors: [],
    createdAt: '2026-11-15T02:00:00.000Z',
    startedAt: '2026-11-15T02:00:10.000Z',
    finishedAt: '2026-11-15T02:40:00.000Z',
    slackThreadTs: null,
    ...overrides,
  });

  it('keeps rollouts of known node groups with their line and release identity', () => {
    const facts = rolloutFactsFromRecords(
      [record({}), record({ outcome: 'not-started' }), record({ nodegroup: 'gone' })],
      aFleet([aNodegroup()]),
      aCatalog(),
    );
    expect(facts).toEqual([
      {
        accountId: null,
        region: 'us-east-1',
        cluster: 'prod-a',
        nodegroup: 'general',
        family: 'al2023',
        release: '20261110',
        version: '1.33.5-20261110',
        outcome: 'succeeded',
        startedAt: '2026-11-15T02:00:10.000Z',
        finishedAt: '2026-11-15T02:40:00.000Z',
      },
    ]);
  });

  it('uses a line the caller knows for node groups that are gone', () => {
    const facts = rolloutFactsFromRecords(
      [record({ nodegroup: 'gone', outcome: 'failed' })],
      aFleet([]),
      aCatalog(),
      () => 'al2023',
    );
    expect(facts).toMatchObject([
      { nodegroup: 'gone', family: 'al2023', release: '20261110', outcome: 'failed' },
    ]);
  });
});

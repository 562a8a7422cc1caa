import { describe, expect, it } from 'vitest';
import { plan } from '../../src/planner.ts';
import { FORCE_NOTE } from '../../src/safety/force.ts';
import type { Fleet, NodegroupFacts } from '../../src/types/fleet.ts';
import type { Policy } from '../../src/types/policy.ts';
import {
  AL2023_X86_IMAGE_PARAM,
  AL2023_X86_RELEASE_PARAM,
  aCatalog,
  aFact,
  aFleet,
  aNodegroup,
  anApproval,
  anImage,
  anOldImage,
  aPolicy,
  aWave,
  NEW_AMI,
  NOW,
} from '../builders.ts';

// NOW is Friday 2026-11-20 00:00 UTC; the AL2023 target 1.33.5-20261110 was created 2026-11-10.
const BR = '/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest';
const BR_AMI = 'ami-00000000000000br1';
const catalog = aCatalog({
  parameters: {
    [AL2023_X86_IMAGE_PARAM]: NEW_AMI,
    [AL2023_X86_RELEASE_PARAM]: '1.33.5-20261110',
    [`${BR}/image_id`]: BR_AMI,
    [`${BR}/image_version`]: '1.50.0-abcdef12',
  },
  images: [
    anImage(),
    anOldImage(),
    anImage({
      imageId: BR_AMI,
      name: 'bottlerocket-aws-k8s-1.33-x86_64-v1.50.0-abcdef12',
      creationDate: '2026-11-12T00:00:00.000Z',
    }),
  ],
});

const DEV = aWave({ name: 'dev', clusters: ['dev-*'], soakDays: 2 });
const PROD = aWave({ name: 'prod', clusters: ['prod-*'] });
const WAVES = [DEV, PROD];

const devA = (o: Partial<NodegroupFacts> = {}) => aNodegroup({ cluster: 'dev-a', ...o });
const prodA = (o: Partial<NodegroupFacts> = {}) => aNodegroup(o);
const prodB = (o: Partial<NodegroupFacts> = {}) => aNodegroup({ cluster: 'prod-b', ...o });
const bottlerocket = (o: Partial<NodegroupFacts>) =>
  aNodegroup({ nodegroup: 'br', amiType: 'BOTTLEROCKET_x86_64', releaseVersion: '1.49.0-1a2b3c4d', ...o });

const devSucceeded = (finishedAt: string) =>
  aFact({ cluster: 'dev-a', startedAt: finishedAt, finishedAt, outcome: 'succeeded' });
const devFailed = (finishedAt = '2026-11-18T03:00:00.000Z') =>
  aFact({ cluster: 'dev-a', startedAt: finishedAt, finishedAt, outcome: 'failed' });

const BERLIN_WINDOW = { cron: 'cron(0/30 3-6 ? * TUE-THU *)', timezone: 'Europe/Berlin', windowMinutes: 30 };
// Tuesday 2026-11-24 03:10 in Berlin (02:10 UTC): inside the window.
const INSIDE = new Date('2026-11-24T02:10:00.000Z');

interface Case {
  name: string;
  fleet: Fleet;
  policy: Partial<Policy>;
  now?: Date;
  /** `cluster/nodegroup` → `roll`, `current` or `skip:<reason>`. */
  expect: Record<string, string>;
  /** `cluster/nodegroup` → substrings its message contains. */
  messages?: Record<string, string[]>;
}

function outcome(c: Case) {
  const result = plan(c.fleet, catalog, aPolicy({ waves: WAVES, ...c.policy }), c.now ?? NOW);
  const decisions: Record<string, string> = {};
  const messages: Record<string, string> = {};
  for (const item of result.items) {
    const label = `${item.cluster}/${item.nodegroup}`;
    decisions[label] = item.decision === 'skip' ? `skip:${item.reason}` : item.decision;
    messages[label] = item.message;
  }
  return { decisions, messages, items: result.items };
}

function check(cases: Case[]) {
  it.each(cases)('$name', (c) => {
    const { decisions, messages } = outcome(c);
    expect(decisions).toEqual(c.expect);
    for (const [label, parts] of Object.entries(c.messages ?? {})) {
      for (const part of parts) expect(messages[label]).toContain(part);
    }
    // Every hold is explained in one line.
    for (const message of Object.values(messages)) expect(message).not.toContain('\n');
  });
}

describe('plan safety rules', () => {
  describe('when waves gate a release', () => {
    check([
      {
        name: 'holds prod while dev has not rolled, and rolls dev',
        fleet: aFleet([devA(), prodA()]),
        policy: {},
        expect: { 'dev-a/general': 'roll', 'prod-a/general': 'skip:wave-gate' },
        messages: {
          'prod-a/general': ['waits for dev-a/general (wave dev) to roll to 1.33.5-20261110 first'],
        },
      },
      {
        name: 'holds prod while dev soaks and says how long is left',
        fleet: aFleet([devA({ releaseVersion: '1.33.5-20261110' }), prodA()]),
        policy: { history: [devSucceeded('2026-11-19T02:00:00.000Z')] },
        expect: { 'dev-a/general': 'current', 'prod-a/general': 'skip:wave-gate' },
        messages: {
          'prod-a/general': ['waits for dev-a/general (wave dev) to soak 1.33.5-20261110: 26 h left'],
        },
      },
      {
        name: 'rolls prod once dev has soaked for soakDays',
        fleet: aFleet([devA({ releaseVersion: '1.33.5-20261110' }), prodA(), prodB()]),
        policy: { history: [devSucceeded('2026-11-18T00:00:00.000Z')] },
        expect: { 'dev-a/general': 'current', 'prod-a/general': 'roll', 'prod-b/general': 'roll' },
      },
      {
        name: 'counts a newer release in dev as having run the older one',
        fleet: aFleet([devA({ releaseVersion: '1.33.6-20261201' }), prodA()]),
        policy: {
          history: [
            devSucceeded('2026-11-17T00:00:00.000Z'),
            aFact({ cluster: 'dev-a', release: '20261201', finishedAt: '2026-11-17T00:00:00.000Z' }),
          ],
        },
        expect: { 'dev-a/general': 'current', 'prod-a/general': 'roll' },
      },
      {
        name: 'counts the soak from the image creation date when the ledger has no record',
        fleet: aFleet([devA({ releaseVersion: '1.33.5-20261110' }), prodA()]),
        policy: { waves: [aWave({ ...DEV, soakDays: 20 }), PROD] },
        expect: { 'dev-a/general': 'current', 'prod-a/general': 'skip:wave-gate' },
        messages: {
          'prod-a/general': ['10 d left (no ledger record; counted from the image creation date)'],
        },
      },
      {
        name: 'waits for a dev rollout still running (ledger) and does not start dev twice',
        fleet: aFleet([devA(), prodA()]),
        policy: {
          history: [
            aFact({
              cluster: 'dev-a',
              outcome: 'started',
              startedAt: '2026-11-19T23:00:00.000Z',
              finishedAt: null,
            }),
          ],
        },
        expect: { 'dev-a/general': 'skip:update-in-progress', 'prod-a/general': 'skip:wave-gate' },
        messages: { 'prod-a/general': ['to finish rolling to 1.33.5-20261110'] },
      },
      {
        name: 'names a broken earlier-wave group and how to unblock it',
        fleet: aFleet([devA({ status: 'DEGRADED' }), prodA()]),
        policy: {},
        expect: { 'dev-a/general': 'skip:not-active', 'prod-a/general': 'skip:wave-gate' },
        messages: { 'prod-a/general': ['it is DEGRADED; fix it or tag it nodekeeper.io/skip=true'] },
      },
      {
        name: 'ignores opted-out earlier-wave groups',
        fleet: aFleet([devA({ tags: { 'nodekeeper.io/skip': 'true' } }), prodA()]),
        policy: {},
        expect: { 'dev-a/general': 'skip:opted-out', 'prod-a/general': 'roll' },
      },
      {
        name: 'gates only within one release line',
        fleet: aFleet([devA({ ...bottlerocket({}), cluster: 'dev-a' }), prodA()]),
        policy: {},
        expect: { 'dev-a/br': 'roll', 'prod-a/general': 'roll' },
      },
      {
        name: 'lets the wave tag move a group into the earlier wave',
        fleet: aFleet([prodA({ nodegroup: 'canary', tags: { 'nodekeeper.io/wave': 'dev' } }), prodB()]),
        policy: {},
        expect: { 'prod-a/canary': 'roll', 'prod-b/general': 'skip:wave-gate' },
        messages: { 'prod-b/general': ['waits for prod-a/canary (wave dev)'] },
      },
      {
        name: 'holds later waves when an earlier-wave cluster could not be inspected',
        fleet: aFleet(
          [prodA()],
          [
            {
              accountId: null,
              region: 'us-east-1',
              cluster: 'dev-a',
              nodegroup: null,
              message: 'AccessDenied',
            },
          ],
        ),
        policy: {},
        expect: { 'dev-a/*': 'skip:error', 'prod-a/general': 'skip:wave-gate' },
        messages: {
          'prod-a/general': ['cannot check wave dev: dev-a could not be inspected (AccessDenied)'],
        },
      },
      {
        name: 'reports the longest soak and counts the other holds',
        fleet: aFleet([
          devA({ releaseVersion: '1.33.5-20261110' }),
          devA({ nodegroup: 'gpu', releaseVersion: '1.33.5-20261110' }),
          prodA(),
        ]),
        policy: {
          history: [
            devSucceeded('2026-11-19T02:00:00.000Z'),
            aFact({ cluster: 'dev-a', nodegroup: 'gpu', finishedAt: '2026-11-19T20:00:00.000Z' }),
          ],
        },
        expect: { 'dev-a/general': 'current', 'dev-a/gpu': 'current', 'prod-a/general': 'skip:wave-gate' },
        messages: {
          'prod-a/general': [
            'dev-a/gpu (wave dev) to soak 1.33.5-20261110: 44 h left (+1 more node group in earlier waves)',
          ],
        },
      },
    ]);
  });

  describe('when an earlier wave failed on the release', () => {
    check([
      {
        name: 'halts the release everywhere at the default maxFailuresPerRelease',
        fleet: aFleet([devA(), prodA()]),
        policy: { history: [devFailed()] },
        expect: { 'dev-a/general': 'skip:halted', 'prod-a/general': 'skip:halted' },
        messages: {
          'prod-a/general': [
            '1 failed rollout of release 20261110 (al2023) reached maxFailuresPerRelease 1: dev-a/general on 20261110 at 2026-11-18 03:00 UTC',
            '`nodekeeper approve 20261110 --family al2023 --wave prod`',
          ],
        },
      },
      {
        name: 'holds later waves with wave-gate below the breaker threshold, and holds the failed group for a retry',
        fleet: aFleet([devA(), prodA()]),
        policy: { history: [devFailed()], maxFailuresPerRelease: 2 },
        expect: { 'dev-a/general': 'skip:failed', 'prod-a/general': 'skip:wave-gate' },
        messages: {
          'prod-a/general': [
            'held: dev-a/general (wave dev) failed to roll to 1.33.5-20261110 at 2026-11-18 03:00 UTC',
            '`nodekeeper retry dev-a/general`',
          ],
          'dev-a/general': [
            'dev-a/general failed to roll to 1.33.5-20261110 at 2026-11-18 03:00 UTC; nodekeeper does not retry it by itself: `nodekeeper retry dev-a/general`, or `nodekeeper approve 20261110 --family al2023 --wave dev`',
          ],
        },
      },
      {
        name: 'rolls the failed group again after an approval of the release for its wave',
        fleet: aFleet([devA(), prodA()]),
        policy: {
          history: [devFailed()],
          maxFailuresPerRelease: 2,
          approvals: [anApproval({ wave: 'dev' })],
        },
        expect: { 'dev-a/general': 'roll', 'prod-a/general': 'skip:wave-gate' },
      },
      {
        name: 'rolls only the retried group of a halted release; the others stay halted',
        fleet: aFleet([devA(), devA({ cluster: 'dev-b' }), prodA()]),
        policy: {
          history: [
            devFailed(),
            aFact({
              cluster: 'dev-b',
              outcome: 'failed',
              startedAt: '2026-11-18T04:00:00.000Z',
              finishedAt: '2026-11-18T04:00:00.000Z',
            }),
          ],
          maxFailuresPerRelease: 2,
          approvals: [
            anApproval({
              wave: null,
              nodegroup: { accountId: null, region: 'us-east-1', cluster: 'dev-a', nodegroup: 'general' },
            }),
          ],
        },
        expect: { 'dev-a/general': 'roll', 'dev-b/general': 'skip:halted', 'prod-a/general': 'skip:halted' },
      },
      {
        name: 'keeps a group halted by others when its only retry is older than its failure (an approval forgave it)',
        fleet: aFleet([devA(), devA({ cluster: 'dev-b' })]),
        policy: {
          history: [
            devFailed('2026-11-18T03:00:00.000Z'),
            aFact({
              cluster: 'dev-b',
              outcome: 'failed',
              startedAt: '2026-11-18T04:00:00.000Z',
              finishedAt: '2026-11-18T04:00:00.000Z',
            }),
          ],
          approvals: [
            anApproval({
              wave: null,
              at: '2026-11-17T00:00:00.000Z',
              nodegroup: { accountId: null, region: 'us-east-1', cluster: 'dev-a', nodegroup: 'general' },
            }),
            anApproval({ wave: 'dev', at: '2026-11-18T03:30:00.000Z' }),
          ],
        },
        expect: { 'dev-a/general': 'skip:halted', 'dev-b/general': 'skip:halted' },
      },
      {
        name: 'ignores a retry given before the failure',
        fleet: aFleet([devA(), prodA()]),
        policy: {
          history: [devFailed('2026-11-19T13:00:00.000Z')],
          maxFailuresPerRelease: 2,
          approvals: [
            anApproval({
              wave: null,
              nodegroup: { accountId: null, region: 'us-east-1', cluster: 'dev-a', nodegroup: 'general' },
            }),
          ],
        },
        expect: { 'dev-a/general': 'skip:failed', 'prod-a/general': 'skip:wave-gate' },
      },
      {
        name: 'does not hold a group whose failure was nodekeeper not reaching AWS before any update ran',
        fleet: aFleet([devA()]),
        policy: {
          history: [{ ...devFailed(), retryable: true }],
          maxFailuresPerRelease: 2,
        },
        expect: { 'dev-a/general': 'roll' },
      },
      {
        name: 'lets prod proceed after an approval for prod given after the failure (breaker × approval)',
        fleet: aFleet([devA(), prodA()]),
        policy: { history: [devFailed()], approvals: [anApproval({ wave: 'prod' })] },
        expect: { 'dev-a/general': 'skip:halted', 'prod-a/general': 'roll' },
      },
      {
        name: 'ignores an approval given before the failure',
        fleet: aFleet([devA(), prodA()]),
        policy: {
          history: [devFailed('2026-11-19T13:00:00.000Z')],
          approvals: [anApproval({ wave: 'prod' })],
        },
        expect: { 'dev-a/general': 'skip:halted', 'prod-a/general': 'skip:halted' },
      },
      {
        name: 'resumes every wave with an all-waves approval',
        fleet: aFleet([devA(), prodA()]),
        policy: { history: [devFailed()], approvals: [anApproval()] },
        expect: { 'dev-a/general': 'roll', 'prod-a/general': 'roll' },
      },
      {
        name: 'ignores approvals of another release line',
        fleet: aFleet([devA(), prodA()]),
        policy: { history: [devFailed()], approvals: [anApproval({ family: 'bottlerocket' })] },
        expect: { 'dev-a/general': 'skip:halted', 'prod-a/general': 'skip:halted' },
      },
      {
        name: 'lifts the hold once the failed group succeeds on the release',
        fleet: aFleet([devA({ releaseVersion: '1.33.5-20261110' }), prodA()]),
        policy: {
          maxFailuresPerRelease: 2,
          history: [devFailed('2026-11-16T03:00:00.000Z'), devSucceeded('2026-11-17T03:00:00.000Z')],
        },
        expect: { 'dev-a/general': 'current', 'prod-a/general': 'roll' },
      },
      {
        name: 'halts with the window closed too (breaker × window)',
        fleet: aFleet([prodA()]),
        policy: { history: [aFact({ outcome: 'failed', cluster: 'prod-b' })], window: BERLIN_WINDOW },
        expect: { 'prod-a/general': 'skip:halted' },
      },
    ]);
  });

  describe('when an earlier-wave node group cannot take the release', () => {
    // dev runs Kubernetes 1.32, whose newest image is an older build (20261101) than prod's (20261110).
    const P132 = '/aws/service/eks/optimized-ami/1.32/amazon-linux-2023/x86_64/standard/recommended';
    const AMI_132 = 'ami-0000000000000132a';
    const withOlder132 = (build: string) =>
      aCatalog({
        parameters: {
          [AL2023_X86_IMAGE_PARAM]: NEW_AMI,
          [AL2023_X86_RELEASE_PARAM]: '1.33.5-20261110',
          [`${P132}/image_id`]: AMI_132,
          [`${P132}/release_version`]: `1.32.9-${build}`,
        },
        images: [
          anImage(),
          anOldImage(),
          anImage({
            imageId: AMI_132,
            name: `amazon-eks-node-al2023-x86_64-standard-1.32-v${build}`,
            creationDate: `${build.slice(0, 4)}-${build.slice(4, 6)}-${build.slice(6)}T00:00:00.000Z`,
          }),
        ],
      });
    const dev132 = (o: Partial<NodegroupFacts> = {}) =>
      devA({ version: '1.32', releaseVersion: '1.32.9-20261001', ...o });
    const run = (fleet: Fleet, cat: ReturnType<typeof aCatalog>, policy: Partial<Policy> = {}) => {
      const result = plan(fleet, cat, aPolicy({ waves: WAVES, ...policy }), NOW);
      return Object.fromEntries(
        result.items.map((i) => [
          `${i.cluster}/${i.nodegroup}`,
          { decision: i.decision, reason: i.reason, message: i.message },
        ]),
      );
    };

    it('does not wait for it, and rolls by default with a note naming why no earlier wave proved the release', () => {
      const items = run(aFleet([dev132(), prodA()]), withOlder132('20261101'));
      expect(items['dev-a/general']).toMatchObject({
        decision: 'roll',
        message: '1.32.9-20261001 → 1.32.9-20261101',
      });
      expect(items['prod-a/general']).toMatchObject({ decision: 'roll' });
      expect(items['prod-a/general']?.message).toBe(
        "1.33.4-20261001 → 1.33.5-20261110; no node group in earlier waves can take 20261110 (al2023) (dev-a/general's newest is 1.32.9-20261101): rolls without earlier-wave evidence (unprovenRelease: roll)",
      );
    });

    it('holds with unprovenRelease: hold until the wave approves the release', () => {
      const hold = { waves: [DEV, { ...PROD, unprovenRelease: 'hold' as const }] };
      const held = run(aFleet([dev132(), prodA()]), withOlder132('20261101'), hold);
      expect(held['prod-a/general']).toMatchObject({ decision: 'skip', reason: 'wave-gate' });
      expect(held['prod-a/general']?.message).toBe(
        "no node group in earlier waves can take 20261110 (al2023) (dev-a/general's newest is 1.32.9-20261101); wave prod holds unproven releases (unprovenRelease: hold): `nodekeeper approve 20261110 --family al2023 --wave prod`",
      );
      const approved = run(aFleet([dev132(), prodA()]), withOlder132('20261101'), {
        ...hold,
        approvals: [anApproval({ wave: 'prod', at: '2026-11-19T00:00:00.000Z' })],
      });
      expect(approved['prod-a/general']).toMatchObject({
        decision: 'roll',
        message: '1.33.4-20261001 → 1.33.5-20261110',
      });
    });

    it('waits for an earlier group whose own Kubernetes version has the build, naming it by its own version', () => {
      const items = run(aFleet([dev132(), prodA()]), withOlder132('20261110'));
      expect(items['prod-a/general']).toMatchObject({
        decision: 'skip',
        reason: 'wave-gate',
        message: 'waits for dev-a/general (wave dev) to roll to 1.32.9-20261110 first',
      });
    });

    it('waits only for the earlier groups that can take it', () => {
      const able = devA({ nodegroup: 'x133' });
      const items = run(aFleet([dev132(), able, prodA()]), withOlder132('20261101'));
      expect(items['prod-a/general']?.message).toBe(
        'waits for dev-a/x133 (wave dev) to roll to 1.33.5-20261110 first',
      );
    });

    it('names no earlier group when no earlier-wave node group is on the line at all', () => {
      const items = run(aFleet([devA(), bottlerocket({ cluster: 'prod-b' })]), catalog);
      expect(items['prod-b/br']?.message).toBe(
        '1.49.0-1a2b3c4d → 1.50.0-abcdef12; no node group in earlier waves is on bottlerocket: rolls without earlier-wave evidence (unprovenRelease: roll)',
      );
    });
  });

  describe('when a wave requires approval', () => {
    const waves = [DEV, aWave({ ...PROD, requiresApproval: true })];
    const soaked = [devSucceeded('2026-11-17T00:00:00.000Z')];
    check([
      {
        name: 'never takes a release without an approval',
        fleet: aFleet([devA({ releaseVersion: '1.33.5-20261110' }), prodA()]),
        policy: { waves, history: soaked },
        expect: { 'dev-a/general': 'current', 'prod-a/general': 'skip:wave-gate' },
        messages: {
          'prod-a/general': [
            'wave prod requires an approval: `nodekeeper approve 20261110 --family al2023 --wave prod`',
          ],
        },
      },
      {
        name: 'takes it with an approval for the wave',
        fleet: aFleet([devA({ releaseVersion: '1.33.5-20261110' }), prodA()]),
        policy: { waves, history: soaked, approvals: [anApproval({ wave: 'prod' })] },
        expect: { 'dev-a/general': 'current', 'prod-a/general': 'roll' },
      },
      {
        name: 'still waits for the soak with an approval, and says both',
        fleet: aFleet([devA({ releaseVersion: '1.33.5-20261110' }), prodA()]),
        policy: { waves, history: [devSucceeded('2026-11-19T02:00:00.000Z')] },
        expect: { 'dev-a/general': 'current', 'prod-a/general': 'skip:wave-gate' },
        messages: { 'prod-a/general': ['26 h left; then wave prod requires an approval'] },
      },
      {
        name: 'does not accept an approval for another wave',
        fleet: aFleet([devA({ releaseVersion: '1.33.5-20261110' }), prodA()]),
        policy: { waves, history: soaked, approvals: [anApproval({ wave: 'dev' })] },
        expect: { 'dev-a/general': 'current', 'prod-a/general': 'skip:wave-gate' },
      },
    ]);
  });

  describe('when rollouts are paused', () => {
    const paused = { reason: 'incident 42', by: 'alice', at: '2026-11-19T22:00:00.000Z' };
    check([
      {
        name: 'pauses even with an approval (pause × approval)',
        fleet: aFleet([devA(), prodA()]),
        policy: {
          paused,
          approvals: [anApproval()],
          waves: [DEV, aWave({ ...PROD, requiresApproval: true })],
        },
        expect: { 'dev-a/general': 'skip:paused', 'prod-a/general': 'skip:paused' },
        messages: { 'prod-a/general': ['rollouts are paused by alice'] },
      },
      {
        name: 'pauses before the breaker and the window',
        fleet: aFleet([prodA()]),
        policy: { paused, history: [aFact({ outcome: 'failed', cluster: 'prod-b' })], window: BERLIN_WINDOW },
        expect: { 'prod-a/general': 'skip:paused' },
      },
    ]);
  });

  describe('when the maintenance window is closed', () => {
    check([
      {
        name: 'plans would-be rolls as outside-window and names the next window',
        fleet: aFleet([prodA(), prodA({ nodegroup: 'other', releaseVersion: '1.33.5-20261110' })]),
        policy: { waves: [], window: BERLIN_WINDOW },
        expect: { 'prod-a/general': 'skip:outside-window', 'prod-a/other': 'current' },
        messages: {
          'prod-a/general': [
            'outside the maintenance window; the next opens Tue 2026-11-24 03:00 Europe/Berlin (02:00 UTC)',
          ],
        },
      },
      {
        name: 'rolls inside the window',
        fleet: aFleet([prodA()]),
        policy: { waves: [], window: BERLIN_WINDOW },
        now: INSIDE,
        expect: { 'prod-a/general': 'roll' },
      },
      {
        name: 'rolls outside the window with ignoreWindow',
        fleet: aFleet([prodA()]),
        policy: { waves: [], window: BERLIN_WINDOW, ignoreWindow: true },
        expect: { 'prod-a/general': 'roll' },
      },
      {
        name: 'reports wave-gate before outside-window',
        fleet: aFleet([devA(), prodA()]),
        policy: { window: BERLIN_WINDOW },
        expect: { 'dev-a/general': 'skip:outside-window', 'prod-a/general': 'skip:wave-gate' },
      },
      {
        name: 'spends no budget outside the window (window × budget)',
        fleet: aFleet([prodA(), prodA({ nodegroup: 'b' })]),
        policy: { waves: [], window: BERLIN_WINDOW },
        expect: { 'prod-a/b': 'skip:outside-window', 'prod-a/general': 'skip:outside-window' },
      },
      {
        name: 'applies the budget inside the window (window × budget)',
        fleet: aFleet([prodA(), prodA({ nodegroup: 'b' })]),
        policy: { waves: [], window: BERLIN_WINDOW },
        now: INSIDE,
        expect: { 'prod-a/b': 'roll', 'prod-a/general': 'skip:budget' },
      },
    ]);
  });

  describe('when budgets limit concurrency', () => {
    check([
      {
        name: 'starts one node group per cluster by default, in plan order',
        fleet: aFleet([prodA({ nodegroup: 'b' }), prodA({ nodegroup: 'a' }), prodB()]),
        policy: { waves: [] },
        expect: { 'prod-a/a': 'roll', 'prod-a/b': 'skip:budget', 'prod-b/general': 'roll' },
        messages: {
          'prod-a/b': [
            'prod-a/a goes first in prod-a; maxConcurrentPerCluster is 1; a later scan in the window starts it',
          ],
        },
      },
      {
        name: 'counts updates EKS already runs',
        fleet: aFleet([prodA({ nodegroup: 'busy', status: 'UPDATING' }), prodA()]),
        policy: { waves: [] },
        expect: { 'prod-a/busy': 'skip:update-in-progress', 'prod-a/general': 'skip:budget' },
        messages: { 'prod-a/general': ['1 update in progress or starting in prod-a (prod-a/busy)'] },
      },
      {
        name: 'counts rollouts the ledger shows started but EKS does not show yet',
        fleet: aFleet([prodA({ nodegroup: 'next' }), prodA()]),
        policy: {
          waves: [],
          history: [aFact({ outcome: 'started', startedAt: '2026-11-19T23:50:00.000Z', finishedAt: null })],
        },
        expect: { 'prod-a/general': 'skip:update-in-progress', 'prod-a/next': 'skip:budget' },
      },
      {
        name: 'ignores a started record older than a day',
        fleet: aFleet([prodA({ nodegroup: 'next' }), prodA()]),
        policy: {
          waves: [],
          history: [aFact({ outcome: 'started', startedAt: '2026-11-18T00:00:00.000Z', finishedAt: null })],
        },
        expect: { 'prod-a/general': 'roll', 'prod-a/next': 'skip:budget' },
      },
      {
        name: 'allows more per cluster when configured',
        fleet: aFleet([prodA({ nodegroup: 'b' }), prodA({ nodegroup: 'a' })]),
        policy: { waves: [], maxConcurrentPerCluster: 2 },
        expect: { 'prod-a/a': 'roll', 'prod-a/b': 'roll' },
      },
      {
        name: 'caps the fleet with maxConcurrentTotal, earlier waves first',
        fleet: aFleet([prodA(), bottlerocket({ cluster: 'z-dev' })]),
        policy: { waves: [aWave({ name: 'dev', clusters: ['z-dev'] }), PROD], maxConcurrentTotal: 1 },
        expect: { 'prod-a/general': 'skip:budget', 'z-dev/br': 'roll' },
        messages: {
          'prod-a/general': ['1 update in progress or starting fleet-wide; maxConcurrentTotal is 1'],
        },
      },
      {
        name: 'spends no budget on gated groups (budget within a wave gate)',
        fleet: aFleet([devA(), prodA(), prodA({ ...bottlerocket({}) })]),
        policy: {},
        expect: { 'dev-a/general': 'roll', 'prod-a/br': 'roll', 'prod-a/general': 'skip:wave-gate' },
      },
      {
        name: 'applies the budget to groups that pass the gate (budget within a wave gate)',
        fleet: aFleet([devA({ releaseVersion: '1.33.5-20261110' }), prodA(), prodA({ nodegroup: 'second' })]),
        policy: { history: [devSucceeded('2026-11-17T00:00:00.000Z')] },
        expect: { 'dev-a/general': 'current', 'prod-a/general': 'roll', 'prod-a/second': 'skip:budget' },
      },
    ]);
  });

  describe('when a wave may force', () => {
    it('says so plainly on roll items', () => {
      const { items } = outcome({
        name: 'force',
        fleet: aFleet([prodA()]),
        policy: { waves: [aWave({ ...PROD, forceOnPodEvictionFailure: true })] },
        expect: {},
      });
      expect(items[0]?.decision).toBe('roll');
      expect(items[0]?.message).toBe(`1.33.4-20261001 → 1.33.5-20261110; ${FORCE_NOTE}`);
    });

    it('never mentions force for other waves', () => {
      const { items } = outcome({
        name: 'no force',
        fleet: aFleet([prodA()]),
        policy: { waves: [PROD] },
        expect: {},
      });
      expect(items[0]?.message).toBe('1.33.4-20261001 → 1.33.5-20261110');
    });
  });

  describe('purity', () => {
    it('plans the same twice and leaves its inputs alone', () => {
      const fleet = aFleet([devA(), prodA(), prodB()]);
      const policy = aPolicy({
        waves: WAVES,
        history: [devFailed()],
        approvals: [anApproval({ wave: 'prod' })],
      });
      const before = JSON.stringify({ fleet, policy });
      expect(plan(fleet, catalog, policy, NOW)).toEqual(plan(fleet, catalog, policy, NOW));
      expect(JSON.stringify({ fleet, policy })).toBe(before);
    });
  });
});

import { describe, expect, it } from 'vitest';
import {
  buildPatchCompletedMessage,
  buildPatchRefusedMessage,
  buildPatchRequestedMessage,
  LAUNCH_TEMPLATE_NOTE,
} from '../../src/messages/patch.ts';
import { buildPlanSummaryMessage } from '../../src/messages/plan-summary.ts';
import {
  buildRolloutFailedMessage,
  buildRolloutNotStartedMessage,
  buildRolloutStartedMessage,
  buildRolloutStillRunningMessage,
  buildRolloutSucceededMessage,
} from '../../src/messages/rollout.ts';
import {
  buildReleaseHaltedMessage,
  buildRunStatusMessage,
  summarizeRunStatus,
} from '../../src/messages/status.ts';
import type {
  PatchCompletedEvent,
  PatchRefusedEvent,
  PatchRequestedEvent,
  RolloutFailedEvent,
  RolloutStartedEvent,
  RunStatus,
  SlackMessage,
  UpdateError,
} from '../../src/messages/types.ts';
import type { PlanItem } from '../../src/types/plan.ts';
import {
  allText,
  expectValidSlackMessage,
  HOSTILE,
  NOW,
  outsideCode,
  plan,
  planItem,
  texts,
} from './support.ts';

const NG_URL =
  'https://us-east-1.console.aws.amazon.com/eks/home?region=us-east-1#/clusters/prod-a/nodegroups/general';
const CMD_URL =
  'https://us-east-1.console.aws.amazon.com/systems-manager/run-command/cmd-0123?region=us-east-1';

function started(over: Partial<RolloutStartedEvent> = {}): RolloutStartedEvent {
  return {
    accountId: '111122223333',
    region: 'us-east-1',
    cluster: 'prod-a',
    nodegroup: 'general',
    from: { releaseVersion: '1.33.4-20261001', imageId: null },
    to: { releaseVersion: '1.33.5-20261110', imageId: null },
    strategy: 'release-version',
    wave: 'prod',
    updateId: 'a94ebfc3-6bf8-307a-89e6-7dbaa36421f7',
    startedAt: NOW,
    ...over,
  };
}

function podEviction(i = 0): UpdateError {
  return {
    errorCode: 'PodEvictionFailure',
    errorMessage: 'Reached max retries while trying to evict pods from nodes in node group general',
    resourceIds: [`ip-192-168-2-${i}.eu-west-1.compute.internal`],
  };
}

function failed(over: Partial<RolloutFailedEvent> = {}): RolloutFailedEvent {
  return { ...started(), status: 'Failed', errors: [podEviction()], finishedAt: NOW, ...over };
}

function patchRequested(over: Partial<PatchRequestedEvent> = {}): PatchRequestedEvent {
  return {
    accountId: null,
    region: 'us-east-1',
    cluster: 'prod-a',
    nodegroup: 'general',
    commandId: 'cmd-0123',
    operation: 'Install',
    reboot: false,
    instanceCount: 3,
    maxConcurrency: '10%',
    maxErrors: '1',
    requestedBy: 'U2CERLKJA',
    ...over,
  };
}

function patchCompleted(over: Partial<PatchCompletedEvent> = {}): PatchCompletedEvent {
  return {
    accountId: null,
    region: 'us-east-1',
    cluster: 'prod-a',
    nodegroup: 'general',
    commandId: 'cmd-0123',
    operation: 'Install',
    reboot: false,
    status: 'Failed',
    counts: { targeted: 3, succeeded: 2, failed: 1 },
    failedInstances: [{ instanceId: 'i-0abc', status: 'Failed', statusDetails: 'Failed' }],
    pendingRebootInstances: ['i-0def'],
    ...over,
  };
}

function refused(over: Partial<PatchRefusedEvent> = {}): PatchRefusedEvent {
  return {
    accountId: null,
    region: 'us-east-1',
    cluster: 'prod-a',
    nodegroup: 'bottle',
    reason: 'unsupported-platform',
    platform: 'Bottlerocket',
    message: null,
    ...over,
  };
}

function runStatus(states: RunStatus['items'][number]['state'][]): RunStatus {
  return {
    kind: 'rollout',
    startedAt: NOW,
    items: states.map((state, i) => ({
      accountId: null,
      region: 'us-east-1',
      cluster: 'prod-a',
      nodegroup: `ng-${i}`,
      state,
    })),
  };
}

/** Every builder, fed a hostile string in every name and free-text slot. */
function hostileMessages(): [string, SlackMessage][] {
  const ref = { cluster: HOSTILE, nodegroup: HOSTILE, region: 'us-east-1' };
  return [
    [
      'plan summary',
      buildPlanSummaryMessage(
        plan([
          planItem({ ...ref, wave: HOSTILE }),
          planItem({ ...ref, decision: 'skip', reason: 'error', message: HOSTILE }),
        ]),
      ),
    ],
    ['rollout started', buildRolloutStartedMessage(started({ ...ref, wave: HOSTILE }))],
    ['rollout succeeded', buildRolloutSucceededMessage({ ...started(ref), finishedAt: NOW })],
    [
      'rollout failed',
      buildRolloutFailedMessage(
        failed({ ...ref, errors: [{ errorCode: HOSTILE, errorMessage: HOSTILE, resourceIds: [HOSTILE] }] }),
      ),
    ],
    [
      'rollout not started',
      buildRolloutNotStartedMessage({ ...started(ref), reason: 'paused', message: HOSTILE }),
    ],
    ['patch requested', buildPatchRequestedMessage(patchRequested({ ...ref, requestedBy: HOSTILE }))],
    [
      'patch completed',
      buildPatchCompletedMessage(
        patchCompleted({
          ...ref,
          failedInstances: [{ instanceId: HOSTILE, status: HOSTILE, statusDetails: HOSTILE }],
          pendingRebootInstances: [HOSTILE],
        }),
      ),
    ],
    ['patch refused', buildPatchRefusedMessage(refused({ ...ref, platform: HOSTILE, message: HOSTILE }))],
    [
      'run status',
      buildRunStatusMessage({
        ...runStatus(['failed']),
        items: [{ ...runStatus(['failed']).items[0], ...ref, accountId: null, state: 'failed' }],
      }),
    ],
  ];
}

describe('Slack message builders', () => {
  describe('when names and error texts contain mrkdwn control sequences', () => {
    it.each(hostileMessages())('escapes them in the %s message', (_kind, message) => {
      expectValidSlackMessage(message);
      for (const t of texts(message).mrkdwn) {
        expect(t).not.toContain('<!channel>');
        expect(t).not.toContain('<@U123>');
        expect(t).not.toContain('<http://x|y>');
        expect(outsideCode(t)).not.toContain('*bold*');
        expect(outsideCode(t)).not.toContain('_it_');
        expect(outsideCode(t)).not.toContain('~s~');
      }
      expect(allText(message)).toContain('&lt;!channel&gt;');
    });
  });

  describe('buildPlanSummaryMessage', () => {
    describe('when the plan is small', () => {
      const items: PlanItem[] = [
        planItem(),
        planItem({ nodegroup: 'spot' }),
        planItem({ nodegroup: 'steady', decision: 'current', reason: null, strategy: null, target: null }),
        planItem({
          nodegroup: 'gpu',
          decision: 'skip',
          reason: 'ami-too-new',
          message: 'AMI is 2 days old; minimum 7',
        }),
        planItem({
          cluster: 'dev-a',
          nodegroup: 'legacy',
          decision: 'skip',
          reason: 'opted-out',
          message: 'tag nodekeeper.io/skip=true',
        }),
      ];
      const message = buildPlanSummaryMessage(plan(items));

      it('counts items by decision in the header and fallback', () => {
        expect(message.blocks[0]).toEqual({
          type: 'header',
          text: { type: 'plain_text', text: 'nodekeeper plan: 2 to roll, 1 current, 2 skipped', emoji: true },
        });
        expect(message.text).toBe('nodekeeper plan: 2 to roll, 1 current, 2 skipped across 2 clusters');
      });

      it('counts skipped items by reason', () => {
        const all = allText(message);
        expect(all).toContain('*Skipped by reason*\n• `ami-too-new` 1\n• `opted-out` 1');
      });

      it('lists roll and skip items grouped by cluster with reasons and console links', () => {
        const all = allText(message);
        expect(all).toContain(
          `• \`general\` 1.33.4-20261001 → 1.33.5-20261110 · release-version · wave \`prod\` · <${NG_URL}|console>`,
        );
        expect(all).toContain('• `gpu` `ami-too-new`: AMI is 2 days old; minimum 7');
        expect(all).toContain('• `legacy` `opted-out`');
        expect(all.indexOf('`dev-a`')).toBeLessThan(all.indexOf('`prod-a`'));
        expect(all).not.toContain('`steady`');
        expectValidSlackMessage(message);
      });
    });

    describe('when the plan has 1,000 node groups', () => {
      const items = Array.from({ length: 1000 }, (_, i) =>
        planItem({
          cluster: `cluster-${String(i % 37).padStart(2, '0')}`,
          nodegroup: `nodegroup-with-a-long-name-${String(i).padStart(4, '0')}`,
          ...(i % 3 === 0
            ? {
                decision: 'skip' as const,
                reason: 'wave-gate' as const,
                message: 'waiting for dev to soak 2 days',
              }
            : i % 3 === 1
              ? {}
              : { decision: 'current' as const, target: null, strategy: null }),
        }),
      );
      const message = buildPlanSummaryMessage(plan(items));

      it('yields a valid message with "and N more" plus counts', () => {
        expectValidSlackMessage(message);
        const all = allText(message);
        expect(message.text).toBe(
          'nodekeeper plan: 333 to roll, 333 current, 334 skipped across 37 clusters',
        );
        const more = all.match(/…and (\d+) more node groups not listed \((\d+) to roll, (\d+) skipped\)/);
        expect(more).not.toBeNull();
        const listed = (all.match(/^• `nodegroup-with/gm) ?? []).length;
        expect(listed).toBeGreaterThan(0);
        expect(listed + Number(more?.[1])).toBe(667);
        expect(Number(more?.[2]) + Number(more?.[3])).toBe(Number(more?.[1]));
      });
    });

    describe('when every node group is current', () => {
      it('says there is nothing to do', () => {
        const message = buildPlanSummaryMessage(plan([planItem({ decision: 'current', target: null })]));
        expect(allText(message)).toContain('All 1 node group are current. Nothing to do.');
        expectValidSlackMessage(message);
      });
    });

    describe('when names are very long', () => {
      it('stays within every limit', () => {
        const long = 'x'.repeat(5000);
        const message = buildPlanSummaryMessage(
          plan(
            Array.from({ length: 80 }, (_, i) =>
              planItem({
                cluster: long,
                nodegroup: `${long}${i}`,
                decision: 'skip',
                reason: 'error',
                message: long,
              }),
            ),
          ),
        );
        expectValidSlackMessage(message);
      });
    });
  });

  describe('buildRolloutStartedMessage', () => {
    it('shows from, to, strategy, update ID and links the node group', () => {
      const message = buildRolloutStartedMessage(started());
      const all = allText(message);
      expect(message.text).toBe('Rollout started: prod-a/general 1.33.4-20261001 → 1.33.5-20261110');
      for (const part of [
        '`1.33.4-20261001`',
        '`1.33.5-20261110`',
        '`release-version`',
        '`a94ebfc3-6bf8-307a-89e6-7dbaa36421f7`',
        '`111122223333`',
      ]) {
        expect(all).toContain(part);
      }
      expect(all).toContain(`<${NG_URL}|Node group in the AWS console>`);
      expect(all).not.toContain('force');
      expectValidSlackMessage(message);
    });

    it('says so when it is the forced retry after PodEvictionFailure', () => {
      const message = buildRolloutStartedMessage({ ...started(), forced: true });
      expect(message.text).toBe(
        'Rollout started: prod-a/general 1.33.4-20261001 → 1.33.5-20261110 (retried with force after PodEvictionFailure)',
      );
      expect(allText(message)).toContain('*Retried with force after PodEvictionFailure*');
      expectValidSlackMessage(message);
    });
  });

  describe('when the node group uses a launch template', () => {
    const customAmi = {
      strategy: 'launch-template' as const,
      from: { releaseVersion: 'ami-0a2023x8600001001', imageId: 'ami-0a2023x8600001001' },
      to: { releaseVersion: '1.33.5-20261110', imageId: 'ami-0a2023x8600001110' },
    };

    it('names the old and new AMI IDs, with the release when known', () => {
      const message = buildRolloutStartedMessage(started(customAmi));
      expect(message.text).toBe(
        'Rollout started: prod-a/general ami-0a2023x8600001001 → ami-0a2023x8600001110 (1.33.5-20261110)',
      );
      expect(allText(message)).toContain('*To*\n`ami-0a2023x8600001110 (1.33.5-20261110)`');
      expect(buildRolloutSucceededMessage({ ...started(customAmi), finishedAt: NOW }).text).toBe(
        'Rollout succeeded: prod-a/general now runs ami-0a2023x8600001110 (1.33.5-20261110)',
      );
    });

    it('names the AMIs in the plan summary', () => {
      const message = buildPlanSummaryMessage(
        plan([planItem({ strategy: 'launch-template', current: customAmi.from, target: customAmi.to })]),
      );
      expect(allText(message)).toContain('ami-0a2023x8600001001 → ami-0a2023x8600001110 (1.33.5-20261110)');
    });
  });

  describe('buildReleaseHaltedMessage', () => {
    const halted = {
      release: '20261110',
      family: 'al2023',
      failures: 2,
      failed: [
        { group: 'dev-a/lagging', version: '1.31.14-20261110', wave: 'dev' },
        { group: 'prod-a/gpu', version: '1.33.5-20261110', wave: 'prod' },
      ],
      waves: ['dev', 'prod'],
    };

    it('names the release, each failed node group with its version and wave, and a resume command per wave', () => {
      const message = buildReleaseHaltedMessage(halted);
      expect(message.text).toBe(
        'Release 20261110 (al2023) halted after 2 failed rollouts: dev-a/lagging on 1.31.14-20261110 and 1 more',
      );
      const sections = texts(message).mrkdwn.slice(1);
      expect(sections).not.toContain(message.text);
      const all = allText(message);
      expect(all).toContain('• `dev-a/lagging` on `1.31.14-20261110` (wave dev)');
      expect(all).toContain('• `prod-a/gpu` on `1.33.5-20261110` (wave prod)');
      expect(all).toContain('Resume wave dev: `nodekeeper approve 20261110 --family al2023 --wave dev`');
      expect(all).toContain('Resume wave prod: `nodekeeper approve 20261110 --family al2023 --wave prod`');
      expect(all).toContain('Resume every wave: `nodekeeper approve 20261110 --family al2023`');
      expect(all).not.toContain('WAVE');
      expect(all).not.toContain('rollout(s)');
      expectValidSlackMessage(message);
    });

    it('counts one failure in the singular and names no --family for a line of its own', () => {
      const message = buildReleaseHaltedMessage({
        release: '1.50.0',
        family: 'bottlerocket',
        failures: 1,
        failed: [{ group: 'prod-b/bottlerocket', version: '1.50.0-abcdef12', wave: null }],
        waves: [],
      });
      expect(message.text).toBe(
        'Release 1.50.0 (bottlerocket) halted after 1 failed rollout: prod-b/bottlerocket on 1.50.0-abcdef12',
      );
      expect(allText(message)).toContain('Resume every wave: `nodekeeper approve 1.50.0`');
    });
  });

  describe('buildRolloutSucceededMessage', () => {
    it('shows the duration and target', () => {
      const message = buildRolloutSucceededMessage({ ...started(), finishedAt: '2026-11-20T03:42:00.000Z' });
      expect(message.text).toBe('Rollout succeeded: prod-a/general now runs 1.33.5-20261110');
      expect(allText(message)).toContain('(took 42 minutes)');
      expectValidSlackMessage(message);
    });
  });

  describe('buildRolloutFailedMessage', () => {
    describe('when EKS reports one error', () => {
      it('shows the error code, message and resource IDs', () => {
        const message = buildRolloutFailedMessage(failed());
        const all = allText(message);
        expect(message.text).toBe('Rollout failed: prod-a/general (Failed: PodEvictionFailure)');
        expect(all).toContain('*`PodEvictionFailure`*');
        expect(all).toContain(
          '```Reached max retries while trying to evict pods from nodes in node group general```',
        );
        expect(all).toContain('*Resources:* `ip-192-168-2-0.eu-west-1.compute.internal`');
        expect(all).toContain(`<${NG_URL}|`);
        expectValidSlackMessage(message);
      });
    });

    describe('when EKS reports 200 errors with many resources', () => {
      it('shows the first ten and counts the rest by code', () => {
        const errors = Array.from({ length: 200 }, (_, i) => ({
          ...podEviction(i),
          errorCode: i % 2 === 0 ? 'PodEvictionFailure' : 'NodeCreationFailure',
          resourceIds: Array.from({ length: 50 }, (_, j) => `i-${String(i * 100 + j).padStart(17, '0')}`),
        }));
        const message = buildRolloutFailedMessage(failed({ errors }));
        const all = allText(message);
        expectValidSlackMessage(message);
        expect((all.match(/\*Resources:\*/g) ?? []).length).toBe(10);
        expect(all).toContain('…and 30 more');
        expect(all).toContain('…and 190 more errors: `PodEvictionFailure` 95, `NodeCreationFailure` 95');
      });
    });

    describe('when EKS reports no errors', () => {
      it('says so', () => {
        const message = buildRolloutFailedMessage(failed({ errors: [], status: 'Cancelled' }));
        expect(allText(message)).toContain('EKS reported no error details.');
        expect(message.text).toBe('Rollout failed: prod-a/general (Cancelled)');
      });
    });

    describe('when the error message is huge', () => {
      it('cuts it without breaking the code block', () => {
        const message = buildRolloutFailedMessage(
          failed({ errors: [{ errorCode: 'X', errorMessage: '&'.repeat(10_000), resourceIds: [] }] }),
        );
        expectValidSlackMessage(message);
        const section = texts(message).mrkdwn.find((t) => t.includes('`X`')) ?? '';
        expect(section.split('```').length % 2).toBe(1);
      });
    });
  });

  describe('buildRolloutNotStartedMessage', () => {
    it('shows the guard reason code and message', () => {
      const message = buildRolloutNotStartedMessage({
        ...started(),
        reason: 'version-changed',
        message: 'release version changed since planning',
      });
      expect(message.text).toBe('Rollout not started: prod-a/general (version-changed)');
      expect(allText(message)).toContain(
        'The guard refused to start this rollout: `version-changed` release version changed since planning',
      );
      expectValidSlackMessage(message);
    });
  });

  describe('buildRolloutStillRunningMessage', () => {
    it('says EKS still runs the update and nodekeeper stopped waiting, not that it failed', () => {
      const message = buildRolloutStillRunningMessage({
        ...started(),
        stoppedAt: '2026-11-25T03:00:00.000Z',
        message:
          'prod-a/general: update a94ebfc3 is still running in EKS after 24 h (rollout.maxWaitHours); nodekeeper stopped following it and records no result. EKS continues.',
      });
      expect(message.text).toBe(
        'Rollout still running in EKS: prod-a/general (update a94ebfc3-6bf8-307a-89e6-7dbaa36421f7); nodekeeper stopped waiting',
      );
      const all = allText(message);
      expect(all).toContain('still running in EKS after 24 h (rollout.maxWaitHours)');
      expect(all).toContain('`InProgress`');
      expect(all).not.toMatch(/failed/i);
      expectValidSlackMessage(message);
    });
  });

  describe('buildPatchRequestedMessage', () => {
    it('shows operation, rate control and links the command', () => {
      const message = buildPatchRequestedMessage(patchRequested());
      const all = allText(message);
      expect(message.text).toBe('Patch requested: Install on 3 instances of prod-a/general');
      expect(all).toContain('`10%` at once, stop after `1` error');
      expect(all).not.toContain('`1` errors');
      expect(all).toContain(`<${CMD_URL}|Run Command in the AWS console>`);
      expect(all).toContain(`<${NG_URL}|Node group in the AWS console>`);
      expect(all).not.toContain('without draining');
      expectValidSlackMessage(message);
    });

    it('says errors in the plural for any other limit', () => {
      expect(allText(buildPatchRequestedMessage(patchRequested({ maxErrors: '2' })))).toContain(
        'stop after `2` errors',
      );
    });

    describe('when the whole cluster is targeted with reboot', () => {
      it('warns that nodes reboot without draining and omits the node group link', () => {
        const message = buildPatchRequestedMessage(patchRequested({ nodegroup: null, reboot: true }));
        const all = allText(message);
        expect(all).toContain('_all node groups_');
        expect(all).toContain('reboots nodes *without draining* Kubernetes pods');
        expect(all).not.toContain('/nodegroups/');
        expect(message.text).toBe('Patch requested: Install on 3 instances of prod-a (reboot if needed)');
      });
    });
  });

  describe('buildPatchCompletedMessage', () => {
    it('shows counts, failed instances with status details, pending reboots and the launch template note', () => {
      const message = buildPatchCompletedMessage(patchCompleted());
      const all = allText(message);
      expect(message.text).toBe(
        'Patch finished with failures: prod-a/general: 2/3 succeeded, 1 failed, 1 pending reboot',
      );
      expect(all).toContain('• `i-0abc` `Failed`\n');
      expect(all).not.toContain('`Failed`: Failed');
      expect(all).toContain('*Pending reboot (1)*');
      expect(all).toContain('• `i-0def`');
      expect(all).toContain(LAUNCH_TEMPLATE_NOTE);
      expect(all).toContain(`<${CMD_URL}|`);
      expectValidSlackMessage(message);
    });

    describe('when the status detail says more than the status', () => {
      it('shows the status once, then the detail', () => {
        const message = buildPatchCompletedMessage(
          patchCompleted({
            failedInstances: [
              { instanceId: 'i-0abc', status: 'TimedOut', statusDetails: 'DeliveryTimedOut' },
            ],
          }),
        );
        expect(allText(message)).toContain('• `i-0abc` `TimedOut`: DeliveryTimedOut');
      });
    });

    describe('when it was a scan that succeeded', () => {
      it('reports success without the launch template note', () => {
        const message = buildPatchCompletedMessage(
          patchCompleted({
            operation: 'Scan',
            status: 'Success',
            counts: { targeted: 3, succeeded: 3, failed: 0 },
            failedInstances: [],
            pendingRebootInstances: [],
          }),
        );
        expect(message.text).toBe(
          'Patch completed: prod-a/general: 3/3 succeeded, 0 failed, 0 pending reboot',
        );
        expect(allText(message)).not.toContain(LAUNCH_TEMPLATE_NOTE);
      });
    });

    describe('when 1,000 instances failed and 1,000 wait for a reboot', () => {
      it('lists some and counts the rest', () => {
        const ids = Array.from({ length: 1000 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
        const message = buildPatchCompletedMessage(
          patchCompleted({
            counts: { targeted: 2000, succeeded: 1000, failed: 1000 },
            failedInstances: ids.map((instanceId) => ({
              instanceId,
              status: 'TimedOut',
              statusDetails: 'DeliveryTimedOut '.repeat(20),
            })),
            pendingRebootInstances: ids,
          }),
        );
        expectValidSlackMessage(message);
        expect(allText(message).match(/…and 975 more/g)).toHaveLength(2);
      });
    });
  });

  describe('buildPatchRefusedMessage', () => {
    it.each([
      ['unsupported-platform', 'run `nodekeeper roll` for this node group instead'],
      ['opted-out', '`nodekeeper.io/skip=true`'],
      ['no-managed-instances', 'No SSM-managed instances were found'],
    ] as const)('explains %s', (reason, expected) => {
      const message = buildPatchRefusedMessage(refused({ reason }));
      expect(allText(message)).toContain(expected);
      expect(message.text).toBe(`Patch refused: prod-a/bottle (${reason})`);
      expectValidSlackMessage(message);
    });

    it('names Bottlerocket as the platform', () => {
      expect(allText(buildPatchRefusedMessage(refused()))).toContain('These nodes run `Bottlerocket`');
    });
  });

  describe('buildRunStatusMessage', () => {
    it('counts each node group by what happened to it', () => {
      const status = runStatus(['succeeded', 'succeeded', 'failed', 'in-progress', 'pending']);
      expect(summarizeRunStatus(status)).toBe(
        '5 node groups: 2 succeeded, 1 failed, 1 in progress, 1 pending',
      );
      const message = buildRunStatusMessage(status);
      expect(message.text).toBe('Rollout of 5 node groups: 2 succeeded, 1 failed, 1 in progress, 1 pending');
      expect(allText(message)).toContain(':x: `prod-a` / `ng-2` failed');
      expectValidSlackMessage(message);
    });

    it('says a rollout is still running in EKS', () => {
      const status = runStatus(['succeeded', 'still-running', 'in-progress']);
      expect(summarizeRunStatus(status)).toBe(
        '3 node groups: 1 succeeded, 1 still running in EKS, 1 in progress',
      );
      expect(allText(buildRunStatusMessage(status))).toContain(
        ':hourglass: `prod-a` / `ng-1` still running in EKS',
      );
    });

    describe('when the only node group was not started', () => {
      it('says it was not started, not that it is done', () => {
        const message = buildRunStatusMessage({ ...runStatus(['not-started']), kind: 'patch' });
        expect(message.text).toBe('Patch of 1 node group: 1 not started');
        expect(allText(message)).not.toMatch(/done/);
        expect(allText(message)).toContain(':no_entry_sign: `prod-a` / `ng-0` not started');
      });
    });

    describe('when a run has 1,000 node groups', () => {
      it('lists some and counts the rest', () => {
        const message = buildRunStatusMessage(
          runStatus(Array.from({ length: 1000 }, () => 'succeeded' as const)),
        );
        expectValidSlackMessage(message);
        expect(message.text).toBe('Rollout of 1000 node groups: 1000 succeeded');
        expect(allText(message)).toContain('…and 960 more node groups');
      });
    });
  });
});

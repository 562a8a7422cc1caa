import { describe, expect, it } from 'vitest';
import { mentionText, withFailureMentions } from '../../src/messages/mentions.ts';
import { buildPatchCompletedMessage } from '../../src/messages/patch.ts';
import { buildRolloutFailedMessage, buildRolloutSucceededMessage } from '../../src/messages/rollout.ts';
import { buildReleaseHaltedMessage } from '../../src/messages/status.ts';
import type { RolloutFailedEvent } from '../../src/messages/types.ts';
import { allText, NOW } from './support.ts';

const MENTIONS = ['U0123ABCD', '<!subteam^S0789IJKL>'];

function failed(): RolloutFailedEvent {
  return {
    accountId: null,
    region: 'us-east-1',
    cluster: 'prod-a',
    nodegroup: 'gpu',
    from: { releaseVersion: '1.33.4-20261001', imageId: null },
    to: { releaseVersion: '1.33.5-20261110', imageId: null },
    strategy: 'release-version',
    wave: 'prod',
    updateId: 'u-1',
    startedAt: NOW,
    finishedAt: NOW,
    status: 'Failed',
    errors: [{ errorCode: 'PodEvictionFailure', errorMessage: 'Reached max retries', resourceIds: [] }],
  };
}

const halted = {
  release: '20261110',
  family: 'al2023',
  failures: 1,
  failed: [{ group: 'dev-a/lagging', version: '1.31.14-20261110', wave: 'dev' }],
  waves: ['dev'],
};

describe('mentionText', () => {
  it('writes user IDs as <@U…> and keeps user groups as written', () => {
    expect(mentionText(['U0123ABCD', 'W0456EFGH', '<!subteam^S0789IJKL>'])).toBe(
      '<@U0123ABCD> <@W0456EFGH> <!subteam^S0789IJKL>',
    );
  });
});

describe('withFailureMentions', () => {
  describe('when a rollout failed', () => {
    it('mentions everyone first in the fallback and in a section under the header', () => {
      const message = withFailureMentions(buildRolloutFailedMessage(failed()), MENTIONS);
      expect(message.text).toMatch(/^<@U0123ABCD> <!subteam\^S0789IJKL> Rollout failed: prod-a\/gpu/);
      expect(message.blocks[0]?.type).toBe('header');
      expect(message.blocks[1]).toEqual({
        type: 'section',
        text: { type: 'mrkdwn', text: '<@U0123ABCD> <!subteam^S0789IJKL>' },
      });
      expect(message.failure).toBe(true);
    });
  });

  describe('when a release is halted or a patch finished with failures', () => {
    it('mentions them too', () => {
      expect(withFailureMentions(buildReleaseHaltedMessage(halted), MENTIONS).text).toMatch(/^<@U0123ABCD> /);
      const patch = buildPatchCompletedMessage({
        accountId: null,
        region: 'us-east-1',
        cluster: 'prod-a',
        nodegroup: 'general',
        commandId: 'c-1',
        operation: 'Install',
        reboot: false,
        status: 'Failed',
        counts: { targeted: 1, succeeded: 0, failed: 1 },
        failedInstances: [{ instanceId: 'i-0abc', status: 'Failed', statusDetails: 'Failed' }],
        pendingRebootInstances: [],
      });
      expect(allText(withFailureMentions(patch, MENTIONS))).toContain('<@U0123ABCD>');
    });
  });

  describe('when the message is not a failure', () => {
    it('leaves it unchanged', () => {
      const ok = buildRolloutSucceededMessage({
        ...failed(),
        updateId: 'u-1',
        startedAt: NOW,
        finishedAt: NOW,
      });
      expect(withFailureMentions(ok, MENTIONS)).toEqual(ok);
    });
  });

  describe('when nobody is configured (the default)', () => {
    it('leaves the failure unchanged, with no mention', () => {
      const message = buildRolloutFailedMessage(failed());
      expect(withFailureMentions(message, [])).toEqual(message);
      expect(allText(message)).not.toMatch(/<@|<!subteam/);
    });
  });
});

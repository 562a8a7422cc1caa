import { recallActions } from '../messages/actions.ts';
import {
  buildRolloutFailedMessage,
  buildRolloutNotStartedMessage,
  buildRolloutStartedMessage,
  buildRolloutStillRunningMessage,
  buildRolloutSucceededMessage,
} from '../messages/rollout.ts';
import type { SlackMessage } from '../messages/types.ts';
import { releaseIdentity } from '../safety/release.ts';
import { targetIdentity } from './key.ts';
import type { RolloutNotice } from './types.ts';

/** The Slack message for a rollout notice (Block Kit as data). Pure. */
export function rolloutSlackMessage(notice: RolloutNotice): SlackMessage {
  const r = notice.request;
  const ref = {
    accountId: r.accountId,
    region: r.region,
    cluster: r.cluster,
    nodegroup: r.nodegroup,
    from: r.current,
    to: r.target,
    strategy: r.strategy,
    wave: r.wave,
    ...(r.kind === 'rollback' ? { kind: r.kind } : {}),
    ...(r.targetVersion !== undefined ? { targetVersion: r.targetVersion } : {}),
  };
  const at = notice.finishedAt ?? notice.startedAt ?? '';
  switch (notice.event) {
    case 'started':
      return buildRolloutStartedMessage({
        ...ref,
        updateId: notice.updateId ?? '',
        startedAt: notice.startedAt ?? at,
        ...(r.force === true ? { forced: true } : {}),
      });
    case 'succeeded':
      return buildRolloutSucceededMessage({
        ...ref,
        updateId: notice.updateId ?? '',
        startedAt: notice.startedAt ?? at,
        finishedAt: at,
      });
    case 'failed':
      return withRecallButton(
        buildRolloutFailedMessage({
          ...ref,
          updateId: notice.updateId,
          status: notice.status ?? 'Failed',
          errors: notice.errors,
          startedAt: notice.startedAt,
          finishedAt: at,
        }),
        notice,
      );
    case 'still-running':
      return buildRolloutStillRunningMessage({
        ...ref,
        updateId: notice.updateId ?? '',
        startedAt: notice.startedAt,
        stoppedAt: at,
        message: notice.message,
      });
    case 'not-started':
      return buildRolloutNotStartedMessage({
        ...ref,
        reason: notice.reason ?? 'unknown',
        message: notice.message,
      });
  }
}

/**
 * A failed rollout's notice ends with "Retry" (this node group, a new attempt, as `nodekeeper
 * retry`) and "Recall this image" (the target: its release on its line, or its AMI ID), when the
 * target and, for a release, its line are known; a rollback's notice has neither. Pure.
 */
function withRecallButton(message: SlackMessage, notice: RolloutNotice): SlackMessage {
  const r = notice.request;
  // A rollback's target is the image it ran before: neither button means anything for it.
  if (r.kind === 'rollback') return message;
  const release = targetIdentity(r);
  const isImage = r.strategy === 'launch-template';
  if (release === '' || (!isImage && r.family === undefined)) return message;
  // Retry needs the release as the ledger names it (identity on its line): known when the line is.
  const identity = r.family === undefined ? null : releaseIdentity(r.family, r.target);
  const retry =
    r.family === undefined || identity === null
      ? null
      : {
          release: identity,
          family: r.family,
          accountId: r.accountId,
          region: r.region,
          cluster: r.cluster,
          nodegroup: r.nodegroup,
        };
  const actions = recallActions(
    {
      release,
      family: isImage ? null : (r.family ?? null),
      cluster: r.cluster,
      nodegroup: r.nodegroup,
    },
    retry,
  );
  return message.blocks.length >= 50 ? message : { ...message, blocks: [...message.blocks, actions] };
}

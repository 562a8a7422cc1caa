/** The bot-mode parent message of a run, edited with chat.update as the run progresses. Pure. */

import {
  context,
  free,
  header,
  linesToSections,
  MAX_NAME,
  name,
  nodegroupLink,
  plainName,
  plural,
  section,
} from './format.ts';
import { fitToSlackLimits } from './limits.ts';
import { code, escapeMrkdwn, truncatePlain } from './mrkdwn.ts';
import type { Block, RunItemState, RunStatus, SlackMessage } from './types.ts';

/** At most this many node groups are listed in the status message; the rest are counted. */
export const MAX_STATUS_LISTED = 40;

const icon: Record<RunItemState, string> = {
  pending: ':white_circle:',
  'in-progress': ':hourglass_flowing_sand:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  'still-running': ':hourglass:',
  'not-started': ':no_entry_sign:',
};

/** How each state reads in a sentence ("1 not started", "2 still running in EKS"). */
const stateLabel: Record<RunItemState, string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  'still-running': 'still running in EKS',
  'not-started': 'not started',
  'in-progress': 'in progress',
  pending: 'pending',
};

/**
 * "5 node groups: 3 succeeded, 1 failed, 1 in progress": what happened to each node group, counted
 * by state (only the states that occur), never a "done" that includes ones that did not run. Pure.
 */
export function summarizeRunStatus(status: RunStatus): string {
  const n = (s: RunItemState): number => status.items.filter((i) => i.state === s).length;
  const order: RunItemState[] = [
    'succeeded',
    'failed',
    'still-running',
    'not-started',
    'in-progress',
    'pending',
  ];
  const parts = order.filter((s) => n(s) > 0).map((s) => `${n(s)} ${stateLabel[s]}`);
  const total = plural(status.items.length, 'node group');
  return parts.length === 0 ? total : `${total}: ${parts.join(', ')}`;
}

/** The parent "status" message for a rollout run or patch request. Pure. */
export function buildRunStatusMessage(status: RunStatus): SlackMessage {
  const summary = summarizeRunStatus(status);
  const what = status.kind === 'rollout' ? 'Rollout' : 'Patch';
  const blocks: Block[] = [header(`${what} of ${summary}`)];
  const shown = status.items.slice(0, MAX_STATUS_LISTED);
  const lines = shown.map(
    (i) =>
      `${icon[i.state]} ${name(i.cluster)} / ${name(i.nodegroup)} ${stateLabel[i.state]} · ${nodegroupLink(i, 'console')}`,
  );
  blocks.push(...linesToSections(lines));
  const more = status.items.length - shown.length;
  if (more > 0) blocks.push(section(`…and ${more} more node groups`));
  blocks.push(context(`Started ${free(status.startedAt, 40)}`));
  return fitToSlackLimits({ text: `${what} of ${summary}`, blocks });
}

/**
 * The one Slack notice of a release the breaker halted: a short fallback, and blocks that name the
 * failed node groups, the waves they failed in and how to approve one wave or all. Pure.
 */
export function buildReleaseHaltedMessage(halted: {
  release: string;
  family: string;
  failures: number;
  failedGroups: string[];
  /** Waves the counted failures happened in, as far as the plan knows them. */
  failedWaves: string[];
}): SlackMessage {
  const release = truncatePlain(halted.release, MAX_NAME);
  const family = truncatePlain(halted.family, MAX_NAME);
  const inWaves =
    halted.failedWaves.length === 0
      ? ''
      : ` in wave ${halted.failedWaves.map((w) => truncatePlain(w, MAX_NAME)).join(', ')}`;
  const rollouts = plural(halted.failures, 'failed rollout');
  const groups = halted.failedGroups.slice(0, 10).map(name);
  const moreGroups = halted.failedGroups.length - groups.length;
  const blocks: Block[] = [
    header(`:octagonal_sign: Release ${plainName(release)} halted`),
    section(
      `${escapeMrkdwn(rollouts)}${escapeMrkdwn(inWaves)} of ${name(release)} (${name(family)}) reached ` +
        '`maxFailuresPerRelease`: nodekeeper starts this release in no wave until an operator approves it.' +
        (groups.length > 0
          ? `\n*Failed:* ${groups.join(', ')}${moreGroups > 0 ? ` …and ${moreGroups} more` : ''}`
          : ''),
    ),
    section(
      `Approve one wave: ${code(`nodekeeper approve ${release} --wave WAVE`)}\n` +
        `Approve every wave: ${code(`nodekeeper approve ${release}`)}`,
    ),
  ];
  const text = escapeMrkdwn(
    `Release ${release} (${family}) halted in every wave after ${rollouts}${inWaves}`,
  );
  return fitToSlackLimits({ text, blocks, failure: true });
}

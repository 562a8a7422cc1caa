/** The bot-mode parent message of a run, edited with chat.update as the run progresses. Pure. */

import { approveCommand } from '../safety/approvals.ts';
import { releaseName } from '../safety/release.ts';
import { haltActions, runControlBlocks } from './actions.ts';
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
  const what = status.kind === 'rollout' ? 'Rollout' : status.kind === 'rollback' ? 'Rollback' : 'Patch';
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
  // Pause/Resume while node groups are still to go, and who last paused or resumed from here.
  blocks.push(...runControlBlocks(status));
  return fitToSlackLimits({ text: `${what} of ${summary}`, blocks });
}

/** One failed rollout named in a halt notice: where, on which version of the release, in which wave. */
export interface HaltedFailure {
  /** `cluster/nodegroup`. */
  group: string;
  /** The release as that node group named it (`1.31.14-20261110`). */
  version: string;
  /** The node group's wave, when the plan knows it. */
  wave: string | null;
}

/** At most this many failed node groups are listed in a halt notice; the rest are counted. */
const MAX_HALT_LISTED = 10;

/**
 * The one Slack notice of a release the breaker halted: the release (identity and line), each
 * failed node group with the version it failed on and its wave, and the commands that resume one
 * wave (`--wave`, one per configured wave) or every wave. Pure.
 */
export function buildReleaseHaltedMessage(halted: {
  release: string;
  family: string;
  failures: number;
  failed: HaltedFailure[];
  /** The configured waves, in order: each gets its resume command. */
  waves: string[];
}): SlackMessage {
  const release = truncatePlain(halted.release, MAX_NAME);
  const family = truncatePlain(halted.family, MAX_NAME);
  const named = releaseName(family, release);
  const rollouts = plural(halted.failures, 'failed rollout');
  const shown = halted.failed.slice(-MAX_HALT_LISTED);
  const lines = shown.map(
    (f) =>
      `• ${name(f.group)} on ${name(f.version)}${f.wave ? ` (wave ${escapeMrkdwn(truncatePlain(f.wave, MAX_NAME))})` : ''}`,
  );
  const earlier = halted.failed.length - shown.length;
  if (earlier > 0) lines.unshift(`…and ${earlier} earlier`);
  const waves = halted.waves.map((w) => truncatePlain(w, MAX_NAME));
  const resume = [
    ...waves.map((w) => `Resume wave ${escapeMrkdwn(w)}: ${code(approveCommand(release, w, family))}`),
    `Resume every wave: ${code(approveCommand(release, null, family))}`,
  ];
  const blocks: Block[] = [
    header(`:octagonal_sign: Release ${plainName(named)} halted`),
    section(
      `${escapeMrkdwn(rollouts)} of release ${name(named)} reached \`maxFailuresPerRelease\`: nodekeeper ` +
        'starts this release in no wave until an operator approves it.' +
        (lines.length > 0 ? `\n*Failed:*\n${lines.join('\n')}` : ''),
    ),
    section(resume.join('\n')),
    // The same decisions as buttons: approve a wave (those a failure happened in first), every wave, or keep it halted.
    haltActions({
      release: halted.release,
      family: halted.family,
      waves: [...halted.failed.map((f) => f.wave).filter((w): w is string => w !== null), ...halted.waves],
    }),
  ];
  const first = shown[0];
  const where = first
    ? `: ${first.group} on ${first.version}${halted.failed.length > 1 ? ` and ${halted.failed.length - 1} more` : ''}`
    : '';
  const text = escapeMrkdwn(`Release ${named} halted after ${rollouts}${where}`);
  return fitToSlackLimits({ text, blocks, failure: true });
}

/** The one Slack notice of a recall, posted by the first scan that plans with it. Pure. */
import { recallLabel, unrecallCommand } from '../safety/recall.ts';
import type { Recall } from '../types/policy.ts';
import { context, free, header, linesToSections, name, plainName, plural, section } from './format.ts';
import { fitToSlackLimits } from './limits.ts';
import { code, escapeMrkdwn } from './mrkdwn.ts';
import type { Block, SlackMessage } from './types.ts';

/** At most this many node groups running the recalled image are listed; the rest are counted. */
export const MAX_RECALL_LISTED = 20;

/** `1 node group runs it`, `3 node groups run it`. */
function runIt(n: number): string {
  return `${plural(n, 'node group')} ${n === 1 ? 'runs' : 'run'} it`;
}

/**
 * The notice of a recall: what is recalled, by whom, when and why; the node groups that already run
 * it, each with the plan's advice (roll forward, or wait or `nodekeeper rollback`); how many rollouts
 * it holds; and the command that lifts it. Pure.
 */
export function buildRecallNoticeMessage(notice: {
  recall: Recall;
  /** `cluster/nodegroup` and the plan's `running-recalled` warning. */
  running: Array<{ group: string; message: string }>;
  /** Plan items skipped with `recalled` by this recall. */
  held: number;
}): SlackMessage {
  const { recall } = notice;
  const label = recallLabel(recall);
  const shown = notice.running.slice(0, MAX_RECALL_LISTED);
  const lines = shown.map((r) => `• ${name(r.group)} ${free(r.message, 400)}`);
  const more = notice.running.length - shown.length;
  if (more > 0) lines.push(`…and ${plural(more, 'more node group')}: \`nodekeeper plan\` lists them all`);
  const blocks: Block[] = [
    header(`:no_entry: Release ${plainName(label)} recalled`),
    section(
      `${name(label)} was recalled by ${escapeMrkdwn(recall.by)} at ${escapeMrkdwn(recall.at)}: ${free(recall.reason, 600)}\n` +
        `Nothing rolls to it: ${escapeMrkdwn(plural(notice.held, 'planned rollout'))} held (\`recalled\`), and workflows planned before the recall are refused. Updates already running in EKS finish.`,
    ),
  ];
  if (lines.length > 0) {
    blocks.push(
      section(`*${escapeMrkdwn(runIt(notice.running.length))} already:*`),
      ...linesToSections(lines),
    );
  } else {
    blocks.push(section('No node group runs it.'));
  }
  blocks.push(context(`Lift with ${code(unrecallCommand(recall))} · \`nodekeeper recall --list\``));
  const text = escapeMrkdwn(
    `Release ${label} recalled by ${recall.by}: ${recall.reason}; ${runIt(notice.running.length)}`,
  );
  return fitToSlackLimits({ text, blocks });
}

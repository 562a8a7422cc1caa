/** The plan summary message. Pure. */
import { DEPRECATION_WARNING_DAYS } from '../end-of-life.ts';
import { type Plan, type PlanItem, PlanWarningCode, SkipReason } from '../types/plan.ts';
import { amiLabel, context, field, free, header, name, plural, section } from './format.ts';
import { fitToSlackLimits } from './limits.ts';
import { clusterConsoleUrl, nodegroupConsoleUrl } from './links.ts';
import { code, escapeMrkdwn, link } from './mrkdwn.ts';
import type { Block, SlackMessage } from './types.ts';

/** At most this many node groups are listed one per line; the rest are counted. */
export const PLAN_MAX_LISTED = 60;
const SECTION_BUDGET = 2800;
const CLUSTER_BLOCK_BUDGET = 40;

function groupKey(item: PlanItem): string {
  return JSON.stringify([item.accountId, item.region, item.cluster]);
}

function itemLine(item: PlanItem): string {
  const console = link(nodegroupConsoleUrl(item), 'console');
  if (item.decision === 'roll') {
    const parts = [
      `• ${name(item.nodegroup)} ${escapeMrkdwn(amiLabel(item.current, item.strategy))} → ${escapeMrkdwn(amiLabel(item.target, item.strategy))}`,
    ];
    if (item.targetVersion) parts.push(`to kubernetes ${escapeMrkdwn(item.targetVersion)}`);
    if (item.strategy) parts.push(escapeMrkdwn(item.strategy));
    if (item.wave) parts.push(`wave ${name(item.wave)}`);
    parts.push(console);
    return parts.join(' · ');
  }
  return `• ${name(item.nodegroup)} ${code(item.reason ?? 'skip')}: ${free(item.message, 300)} · ${console}`;
}

/** At most this many node groups running a recalled image are listed; the rest are counted. */
const RECALLED_MAX_LISTED = 8;

/** Node groups that run a recalled release or image (`running-recalled` warnings), or null when none. */
function recalledSection(plan: Plan): Block | null {
  const lines = plan.items.flatMap((item) =>
    (item.warnings ?? [])
      .filter((w) => w.code === PlanWarningCode.runningRecalled)
      .map((w) => `• ${name(`${item.cluster}/${item.nodegroup}`)} ${free(w.message, 240)}`),
  );
  if (lines.length === 0) return null;
  const shown = lines.slice(0, RECALLED_MAX_LISTED);
  const more = lines.length - shown.length;
  return section(
    `*Running a recalled image* (${lines.length})\n${shown.join('\n')}${more > 0 ? `\n…and ${plural(more, 'more node group')}. Run \`nodekeeper plan\` for the full list.` : ''}`,
  );
}

/** At most this many Kubernetes version lines are listed; the rest are counted. */
const VERSION_MAX_LISTED = 8;

/**
 * Node groups behind their cluster's Kubernetes minor (`version-behind` and
 * `version-skew-unsupported` warnings, and `version-behind` holds), or null when none. Pure.
 */
function versionSection(plan: Plan): Block | null {
  const lines = plan.items.flatMap((item) => {
    const who = name(`${item.cluster}/${item.nodegroup}`);
    const held = item.reason === SkipReason.versionBehind ? [`• ${who} ${free(item.message, 240)}`] : [];
    const warned = (item.warnings ?? [])
      .filter(
        (w) => w.code === PlanWarningCode.versionBehind || w.code === PlanWarningCode.versionSkewUnsupported,
      )
      .map((w) => `• ${who} ${code(w.code)} ${free(w.message, 240)}`);
    return [...held, ...warned];
  });
  if (lines.length === 0) return null;
  const shown = lines.slice(0, VERSION_MAX_LISTED);
  const more = lines.length - shown.length;
  return section(
    `*Kubernetes versions behind the cluster* (${lines.length})\n${shown.join('\n')}${more > 0 ? `\n…and ${plural(more, 'more line')}. Run \`nodekeeper plan\` for the full list.` : ''}`,
  );
}

/** End-of-life warning codes, most urgent first, with how the summary names them. */
const END_OF_LIFE: ReadonlyArray<{ code: PlanWarningCode; label: string }> = [
  { code: PlanWarningCode.imageDeprecated, label: 'running a deprecated image' },
  {
    code: PlanWarningCode.imageDeprecating,
    label: `image deprecated within ${DEPRECATION_WARNING_DAYS} days`,
  },
  { code: PlanWarningCode.amiFamilyEndOfLife, label: 'AMI family without new images' },
];
const END_OF_LIFE_NAMES = 5;

/** "*End of life*" with one line per end-of-life warning code that occurs, naming the node groups; null when none. Pure. */
function endOfLifeSection(plan: Plan): string | null {
  const lines = END_OF_LIFE.flatMap(({ code: c, label }) => {
    const items = plan.items.filter((i) => i.warnings?.some((w) => w.code === c));
    if (items.length === 0) return [];
    const names = items.slice(0, END_OF_LIFE_NAMES).map((i) => name(`${i.cluster}/${i.nodegroup}`));
    const more = items.length > END_OF_LIFE_NAMES ? ` and ${items.length - END_OF_LIFE_NAMES} more` : '';
    const advice =
      c === PlanWarningCode.amiFamilyEndOfLife
        ? ` (${escapeMrkdwn(items[0]?.endOfLife?.familyEndOfLife?.advice ?? 'move to a supported family')})`
        : '';
    return [
      `• ${code(c)} ${plural(items.length, 'node group')}, ${escapeMrkdwn(label)}${advice}: ${names.join(', ')}${more}`,
    ];
  });
  return lines.length > 0 ? `*End of life*\n${lines.join('\n')}` : null;
}

/** Counts of items by decision and of skipped items by reason. Pure. */
export function countPlan(plan: Plan): {
  roll: number;
  current: number;
  skip: number;
  byReason: Record<string, number>;
  clusters: number;
} {
  const byReason: Record<string, number> = {};
  let roll = 0;
  let current = 0;
  let skip = 0;
  const clusters = new Set<string>();
  for (const item of plan.items) {
    clusters.add(groupKey(item));
    if (item.decision === 'roll') roll++;
    else if (item.decision === 'current') current++;
    else {
      skip++;
      const r = item.reason ?? 'unknown';
      byReason[r] = (byReason[r] ?? 0) + 1;
    }
  }
  return { roll, current, skip, byReason, clusters: clusters.size };
}

/**
 * The plan summary: counts by decision and skip reason, then the roll and skip lists grouped by
 * cluster. Large plans list the first node groups and add "and N more" with counts. Pure.
 */
export function buildPlanSummaryMessage(plan: Plan): SlackMessage {
  const counts = countPlan(plan);
  const headline = `${counts.roll} to roll, ${counts.current} current, ${counts.skip} skipped`;
  const blocks: Block[] = [header(`nodekeeper plan: ${headline}`)];
  blocks.push({
    type: 'section',
    fields: [
      field('Roll', String(counts.roll)),
      field('Current', String(counts.current)),
      field('Skip', String(counts.skip)),
      field('Clusters', String(counts.clusters)),
    ],
  });
  const reasons = Object.entries(counts.byReason).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (reasons.length > 0) {
    blocks.push(section(`*Skipped by reason*\n${reasons.map(([r, n]) => `• ${code(r)} ${n}`).join('\n')}`));
  }
  const recalled = recalledSection(plan);
  if (recalled !== null) blocks.push(recalled);
  const versions = versionSection(plan);
  if (versions !== null) blocks.push(versions);
  const endOfLife = endOfLifeSection(plan);
  if (endOfLife !== null) blocks.push(section(endOfLife));
  blocks.push(context(`Generated for ${escapeMrkdwn(plan.generatedAt)}`));

  const groups = new Map<string, PlanItem[]>();
  for (const item of plan.items) {
    if (item.decision === 'current') continue;
    const key = groupKey(item);
    const list = groups.get(key) ?? [];
    list.push(item);
    groups.set(key, list);
  }
  const sortedGroups = [...groups.values()].sort((a, b) => {
    const x = a[0];
    const y = b[0];
    if (!x || !y) return 0;
    return (
      x.cluster.localeCompare(y.cluster) ||
      x.region.localeCompare(y.region) ||
      (x.accountId ?? '').localeCompare(y.accountId ?? '')
    );
  });

  let listed = 0;
  let omittedRoll = 0;
  let omittedSkip = 0;
  const clusterBlocks: Block[] = [];
  for (const items of sortedGroups) {
    const first = items[0];
    if (!first) continue;
    const ordered = [
      ...items.filter((i) => i.decision === 'roll').sort((a, b) => a.nodegroup.localeCompare(b.nodegroup)),
      ...items.filter((i) => i.decision === 'skip').sort((a, b) => a.nodegroup.localeCompare(b.nodegroup)),
    ];
    const where = [name(first.cluster), name(first.region)];
    if (first.accountId) where.push(`account ${name(first.accountId)}`);
    const title = `*Cluster* ${where.join(' · ')} · ${link(clusterConsoleUrl(first), 'console')}`;
    let text = title;
    let lines = 0;
    for (const item of ordered) {
      const omit = (): void => {
        if (item.decision === 'roll') omittedRoll++;
        else omittedSkip++;
      };
      if (listed >= PLAN_MAX_LISTED || clusterBlocks.length >= CLUSTER_BLOCK_BUDGET) {
        omit();
        continue;
      }
      const line = itemLine(item);
      if (lines > 0 && text.length + 1 + line.length > SECTION_BUDGET) {
        clusterBlocks.push(section(text));
        text = `${title} (continued)`;
        lines = 0;
        if (clusterBlocks.length >= CLUSTER_BLOCK_BUDGET) {
          omit();
          continue;
        }
      }
      text += `\n${line}`;
      lines++;
      listed++;
    }
    if (lines > 0) clusterBlocks.push(section(text));
  }
  if (clusterBlocks.length > 0) blocks.push({ type: 'divider' }, ...clusterBlocks);
  const omitted = omittedRoll + omittedSkip;
  if (omitted > 0) {
    blocks.push(
      section(
        `…and ${plural(omitted, 'more node group')} not listed (${omittedRoll} to roll, ${omittedSkip} skipped). ` +
          'Run `nodekeeper plan` for the full list.',
      ),
    );
  }
  if (counts.roll === 0 && counts.skip === 0) {
    blocks.push(section(`All ${plural(counts.current, 'node group')} are current. Nothing to do.`));
  }
  const text = `nodekeeper plan: ${headline} across ${plural(counts.clusters, 'cluster')}`;
  return fitToSlackLimits({ text, blocks });
}

import type { Plan, PlanItem } from '@nodekeeper/core/plan';
import { renderTable } from './output.ts';

function locationLabel(item: PlanItem): string {
  return [item.accountId, item.region, item.cluster].filter(Boolean).join(' / ');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

/** Node groups named before "and N more" on one warning line. */
const WARNING_NAMES_SHOWN = 5;

/**
 * One line per distinct warning of a cluster's items: node groups with the same code and message
 * (an AMI family at its end of life, say) share a line. Pure.
 */
function warningLines(items: readonly PlanItem[]): string[] {
  const byWarning = new Map<string, { code: string; message: string; nodegroups: string[] }>();
  for (const item of items) {
    for (const w of item.warnings ?? []) {
      const key = `${w.code}\u0000${w.message}`;
      const seen = byWarning.get(key);
      if (seen) seen.nodegroups.push(item.nodegroup);
      else byWarning.set(key, { code: w.code, message: w.message, nodegroups: [item.nodegroup] });
    }
  }
  return [...byWarning.values()].map(({ code, message, nodegroups }) => {
    const shown = nodegroups.slice(0, WARNING_NAMES_SHOWN).join(', ');
    const more =
      nodegroups.length > WARNING_NAMES_SHOWN ? ` and ${nodegroups.length - WARNING_NAMES_SHOWN} more` : '';
    return `  warning: ${shown}${more}: ${message} (${code})`;
  });
}

/**
 * The plan as people read it: one block per account/region/cluster, one row per node group with
 * its decision and either `from → to` or the reason it is skipped, then a one-line summary.
 */
export function renderPlanTable(plan: Plan): string {
  if (plan.items.length === 0) {
    return `Plan at ${plan.generatedAt}: no node groups in the selected clusters.\n`;
  }
  const groups = new Map<string, PlanItem[]>();
  for (const item of plan.items) {
    const key = locationLabel(item);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const out: string[] = [`Plan at ${plan.generatedAt}`, ''];
  for (const [label, items] of groups) {
    out.push(label);
    const rows = items.map((item) => [
      item.nodegroup,
      item.decision === 'skip' ? `skip (${item.reason ?? 'unknown'})` : item.decision,
      item.strategy ?? '-',
      item.wave ?? '-',
      item.message,
    ]);
    const table = renderTable(['NODEGROUP', 'DECISION', 'STRATEGY', 'WAVE', 'DETAIL'], rows);
    out.push(indent(table));
    out.push(...warningLines(items));
    out.push('');
  }
  const count = (d: string) => plan.items.filter((i) => i.decision === d).length;
  out.push(
    `${plan.items.length} node groups: ${count('roll')} to roll, ${count('current')} current, ${count('skip')} skipped.`,
  );
  const recalled = plan.items.filter((i) => i.warnings?.some((w) => w.code === 'running-recalled')).length;
  if (recalled > 0) {
    out.push(
      `${recalled} node group${recalled === 1 ? ' runs' : 's run'} a recalled image (running-recalled above); \`nodekeeper recall --list\` shows the recalls.`,
    );
  }
  const behind = plan.items.filter(
    (i) => i.reason === 'version-behind' || i.warnings?.some((w) => w.code === 'version-behind'),
  ).length;
  const following = plan.items.filter((i) => i.targetVersion !== undefined).length;
  if (behind > 0 || following > 0) {
    out.push(
      `Kubernetes: ${following} node group${following === 1 ? '' : 's'} planned to follow the cluster's version, ${behind} behind it without followClusterVersion.`,
    );
  }
  return `${out.join('\n')}\n`;
}

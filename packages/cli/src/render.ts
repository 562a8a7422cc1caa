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
    for (const item of items) {
      for (const w of item.warnings ?? []) out.push(`  warning: ${item.nodegroup}: ${w.message} (${w.code})`);
    }
    out.push('');
  }
  const count = (d: string) => plan.items.filter((i) => i.decision === d).length;
  out.push(
    `${plan.items.length} node groups: ${count('roll')} to roll, ${count('current')} current, ${count('skip')} skipped.`,
  );
  return `${out.join('\n')}\n`;
}

/** The fleet freshness report as plain text: one aligned table per cluster. Pure. */
import { DEPRECATION_WARNING_DAYS } from '../end-of-life.ts';
import { recallLabel, unrecallCommand } from '../safety/recall.ts';
import { renderTable } from '../text.ts';
import { endOfLifeText, updateConfigText } from './end-of-life-text.ts';
import type { Report, ReportNodegroup } from './types.ts';

function ami(ref: { releaseVersion: string | null; imageId: string | null }, strategy: string | null) {
  return (
    (strategy === 'launch-template'
      ? (ref.imageId ?? ref.releaseVersion)
      : (ref.releaseVersion ?? ref.imageId)) ?? '-'
  );
}

function row(ng: ReportNodegroup): string[] {
  const last = ng.lastRollout
    ? `${ng.lastRollout.kind === 'rollback' ? 'rollback ' : ''}${ng.lastRollout.targetVersion ? `kubernetes ${ng.lastRollout.targetVersion} ` : ''}${ng.lastRollout.outcome} ${ng.lastRollout.createdAt.slice(0, 10)}${ng.lastRollout.errorCodes.length > 0 ? ` (${ng.lastRollout.errorCodes.join(',')})` : ''}`
    : '-';
  const next = ng.nextRoll.at ? `${ng.nextRoll.at.slice(0, 16).replace('T', ' ')}Z` : ng.nextRoll.kind;
  return [
    ng.nodegroup,
    ng.wave ?? '-',
    ami(ng.current, ng.strategy),
    ng.current.ageDays === null ? '?' : String(ng.current.ageDays),
    ng.latest ? ami(ng.latest, ng.strategy) : '-',
    ng.daysBehind === null ? '?' : String(ng.daysBehind),
    endOfLifeText(ng.endOfLife),
    updateConfigText(ng.updateConfig),
    ng.decision === 'skip' && ng.reason ? `skip (${ng.reason})` : ng.decision,
    last,
    next,
    ng.decision === 'current' ? '' : ng.nextRoll.why,
  ];
}

/** Renders the report as text for a terminal: a summary line, then one table per cluster. Pure. */
export function renderReportTable(report: Report): string {
  const s = report.summary;
  const ledger =
    report.ledger.kind === 'ok'
      ? `ledger ${report.ledger.table}: ${report.ledger.records} records`
      : report.ledger.kind === 'missing'
        ? `no ledger (table ${report.ledger.table} does not exist)`
        : `ledger unreadable: ${report.ledger.message}`;
  const out = [
    `nodekeeper report ${report.generatedAt}`,
    `${s.nodegroups} node groups in ${s.clusters} clusters: ${s.behind} behind, ${s.current} current, ${s.unknown} unknown; oldest AMI ${s.maxAgeDays ?? '?'} days`,
    `next window: ${report.nextWindow ? `${report.nextWindow.start} → ${report.nextWindow.end}` : report.schedule ? 'unknown' : 'no schedule'}; ${ledger}`,
    `end of life: ${s.endOfLife.familyEndOfLife} on a family without new AMIs, ${s.endOfLife.imageDeprecated} on a deprecated image, ${s.endOfLife.imageDeprecating} deprecating within ${DEPRECATION_WARNING_DAYS} days`,
    '',
  ];
  if (report.recalls.active.length > 0 || report.recalls.running.length > 0) {
    out.push('Recalls:');
    for (const r of report.recalls.active) {
      out.push(
        `  ${recallLabel(r)} recalled by ${r.by} at ${r.at}: ${r.reason} (\`${unrecallCommand(r)}\` lifts it)`,
      );
    }
    for (const n of report.recalls.running) out.push(`  ${n.cluster}/${n.nodegroup}: ${n.message}`);
    out.push('');
  }
  const headers = [
    'NODE GROUP',
    'WAVE',
    'CURRENT',
    'AGE',
    'LATEST',
    'BEHIND',
    'END OF LIFE',
    'UPDATE',
    'PLAN',
    'LAST ROLLOUT',
    'NEXT',
    'WHY',
  ];
  for (const c of report.clusters) {
    out.push(`${c.region} / ${c.cluster}`, renderTable(headers, c.nodegroups.map(row)), '');
  }
  if (report.endOfLife.length > 0) {
    out.push('End of life:');
    for (const n of report.endOfLife) out.push(`  ${n.cluster}/${n.nodegroup}: ${n.message} (${n.code})`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

/**
 * The fleet freshness report as ONE self-contained HTML file: inline CSS and SVG, no scripts, no
 * fonts, no images, nothing fetched. Summary first, then the per-cluster heat map of AMI age, the
 * timeline of recent rollouts and patches, the holds explained, end of life (AMI families without
 * new images, images near their DeprecationTime), and per-cluster detail (collapsed
 * when the fleet is large). Pure and deterministic: the same report gives the same bytes.
 */
import { DEPRECATION_WARNING_DAYS } from '../end-of-life.ts';
import { recallLabel, unrecallCommand } from '../safety/recall.ts';
import { PlanWarningCode } from '../types/plan.ts';
import { deprecationText, maxUnavailableText } from './end-of-life-text.ts';
import type {
  EndOfLifeNotice,
  HoldGroup,
  Report,
  ReportCluster,
  ReportNodegroup,
  ReportWindow,
  TimelineEvent,
} from './types.ts';

/** Age buckets of the heat map (upper bound in days, inclusive), newest first. */
export const AGE_BUCKETS = [
  { max: 14, label: '≤ 14 d', color: '#1a9850' },
  { max: 30, label: '15–30 d', color: '#91cf60' },
  { max: 60, label: '31–60 d', color: '#f6d04d' },
  { max: 90, label: '61–90 d', color: '#fc8d59' },
  { max: Number.POSITIVE_INFINITY, label: '> 90 d', color: '#d73027' },
] as const;
const UNKNOWN_COLOR = '#c9ced6';

/** Clusters listed open (expanded) when the report has at most this many. */
export const EXPAND_CLUSTERS_UP_TO = 12;
/** Hold items listed before "and N more". */
const HOLD_ITEMS_SHOWN = 8;
/** Timeline entries listed as text (the SVG shows all of them). */
const TIMELINE_LISTED = 12;

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and attribute values. Pure. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}
const esc = escapeHtml;

function bucketOf(age: number | null): number {
  if (age === null) return -1;
  return AGE_BUCKETS.findIndex((b) => age <= b.max);
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

function formatDay(iso: string): string {
  return iso.slice(0, 10);
}

function formatTime(iso: string, timeZone: string | null): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  if (timeZone === null || timeZone === 'UTC') return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('weekday')} ${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${timeZone}`;
}

function ami(ng: { releaseVersion: string | null; imageId: string | null }, strategy: string | null) {
  const preferImage = strategy === 'launch-template' || ng.releaseVersion?.startsWith('ami-');
  return (preferImage ? (ng.imageId ?? ng.releaseVersion) : (ng.releaseVersion ?? ng.imageId)) ?? '—';
}

function ageText(days: number | null): string {
  return days === null ? 'age unknown' : `${plural(days, 'day')} old`;
}

const CSS = `
:root{--ink:#1d2330;--muted:#5b6577;--line:#e3e7ee;--bg:#f5f7fa;--card:#fff;--accent:#2f5bd3;
--ok:#1a9850;--bad:#d73027;--warn:#e08a00;--run:#2f7fd3;--idle:#8a93a3}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1280px;margin:0 auto;padding:24px 24px 64px}
header.top{display:flex;flex-wrap:wrap;align-items:flex-end;justify-content:space-between;gap:12px;margin-bottom:18px}
h1{font-size:24px;margin:0;letter-spacing:-.01em}
h1 .brand{color:var(--accent)}
h2{font-size:17px;margin:0 0 4px}
.sub{color:var(--muted);font-size:13px}
.meta{display:flex;flex-wrap:wrap;gap:6px 18px;color:var(--muted);font-size:13px}
.meta b{color:var(--ink);font-weight:600}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin:0 0 18px}
section>header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline;gap:8px;margin-bottom:12px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:12px 14px;background:#fbfcfe}
.card .n{font-size:26px;font-weight:700;line-height:1.1;font-variant-numeric:tabular-nums}
.card .l{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .d{color:var(--muted);font-size:12px;margin-top:2px}
.card.bad .n{color:var(--bad)}.card.good .n{color:var(--ok)}.card.warn .n{color:var(--warn)}
.dist{display:flex;height:14px;border-radius:7px;overflow:hidden;margin:16px 0 6px;background:${UNKNOWN_COLOR}}
.dist span{display:block;height:100%}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;color:var(--muted);align-items:center}
.legend i{display:inline-block;width:12px;height:12px;border-radius:3px;vertical-align:-2px;margin-right:5px}
.heat{display:grid;grid-template-columns:repeat(auto-fill,minmax(285px,1fr));gap:10px}
.tile{border:1px solid var(--line);border-radius:8px;padding:8px 10px 10px;min-width:0}
.tile.has-failed{border-color:#f1b3ad;background:#fff8f7}
.tile h3{font-size:13px;margin:0 0 6px;display:flex;justify-content:space-between;gap:8px;white-space:nowrap}
.tile h3 .name{overflow:hidden;text-overflow:ellipsis}
.tile h3 .stat{color:var(--muted);font-weight:500;font-size:12px}
.cells{display:flex;flex-wrap:wrap;gap:3px}
.cell{position:relative;display:inline-flex;align-items:center;justify-content:center;width:24px;height:24px;border-radius:4px;font-size:10px;letter-spacing:-.03em;font-weight:600;color:#fff;font-variant-numeric:tabular-nums;text-shadow:0 0 2px rgba(0,0,0,.35)}
.cell.b2{color:#3d3300;text-shadow:none}.cell.b1{color:#163d00;text-shadow:none}.cell.bu{color:#4a5260;text-shadow:none}
.cell.bu{background:repeating-linear-gradient(45deg,${UNKNOWN_COLOR},${UNKNOWN_COLOR} 3px,#dde1e7 3px,#dde1e7 6px)}
.cell.behind::after{content:"";position:absolute;top:0;right:0;width:0;height:0;border-style:solid;border-width:0 8px 8px 0;border-color:transparent #1d2330 transparent transparent;border-top-right-radius:4px}
.cell.failed{outline:2.5px solid var(--bad);outline-offset:1px}
.timeline svg{display:block;width:100%;height:auto}
.events{list-style:none;margin:12px 0 0;padding:0}
.events li{display:grid;grid-template-columns:150px 20px 1fr;gap:8px;padding:6px 0;border-top:1px solid var(--line);align-items:baseline}
.events time{color:var(--muted);font-size:12px;font-variant-numeric:tabular-nums}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%}
.o-succeeded{background:var(--ok)}.o-failed{background:var(--bad)}.o-started{background:var(--run)}.o-still-running{background:#e08a1e}.o-not-started{background:var(--idle)}
.events .t{font-weight:600}.events .x{color:var(--muted);font-size:12px;overflow-wrap:anywhere}
.holds{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:12px}
.hold{border:1px solid var(--line);border-left:4px solid var(--warn);border-radius:8px;padding:10px 14px}
.hold.r-error,.hold.r-halted,.hold.r-not-active{border-left-color:var(--bad)}
.hold.r-opted-out{border-left-color:var(--idle)}
.hold.r-outside-window,.hold.r-budget{border-left-color:var(--run)}
.hold.wide{grid-column:1/-1}.hold.wide>ul{columns:2 380px;column-gap:28px}.hold.wide li{break-inside:avoid}
.hold h3{font-size:14px;margin:0;display:flex;justify-content:space-between;gap:8px}
.hold .count{background:#eef1f6;border-radius:10px;padding:0 8px;font-size:12px;color:var(--muted);font-weight:600}
.hold p{margin:4px 0 8px;color:var(--muted);font-size:13px}
.hold ul{margin:0;padding-left:18px;font-size:12.5px}
.hold li{margin:2px 0;overflow-wrap:anywhere}
.hold code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
details.cluster{border:1px solid var(--line);border-radius:8px;margin:6px 0;background:#fff}
details.cluster>summary{cursor:pointer;padding:7px 12px;display:grid;grid-template-columns:minmax(160px,1.2fr) 1.6fr repeat(3,minmax(80px,.5fr));gap:10px;align-items:center;list-style:none}
details.cluster>summary::-webkit-details-marker{display:none}
details.cluster>summary::before{content:"▸";position:absolute;margin-left:-10px;color:var(--muted)}
details.cluster[open]>summary::before{content:"▾"}
details.cluster>summary .name{font-weight:600;padding-left:6px}
.bar{display:flex;height:8px;border-radius:4px;overflow:hidden;background:${UNKNOWN_COLOR}}
.bar span{display:block;height:100%}
.num{font-variant-numeric:tabular-nums;color:var(--muted);font-size:12.5px}
.num b{color:var(--ink)}
.tablewrap{overflow-x:auto;border-top:1px solid var(--line)}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600;background:#fafbfd;position:sticky;top:0}
td .s{color:var(--muted);display:block;font-size:11.5px}
.pill{display:inline-block;border-radius:10px;padding:0 8px;font-size:11.5px;font-weight:600;white-space:nowrap}
.p-roll{background:#e4ecff;color:#1f47b8}.p-current{background:#e3f5e9;color:#146c3a}.p-skip{background:#fdf0dc;color:#8a5200}
.p-succeeded{background:#e3f5e9;color:#146c3a}.p-failed{background:#fde6e4;color:#a3241a}.p-started{background:#e4ecff;color:#1f47b8}.p-still-running{background:#fdf0dc;color:#8a4f06}.p-not-started{background:#eef1f6;color:#4a5260}
.agechip{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:-1px}
.note{color:var(--muted);font-size:12.5px;margin:8px 0 0}
.warnbox{background:#fff8e6;border:1px solid #f3d98b;border-radius:8px;padding:8px 12px;margin:0 0 18px;font-size:13px}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:24px}
@media (max-width:720px){details.cluster>summary{grid-template-columns:1fr 1fr}.events li{grid-template-columns:1fr}}
@media print{details.cluster{break-inside:avoid}section{break-inside:avoid-page}}
`;

function ageBar(nodegroups: readonly ReportNodegroup[], cls: string): string {
  const total = nodegroups.length;
  if (total === 0) return `<div class="${cls}"></div>`;
  const counts = AGE_BUCKETS.map(() => 0);
  for (const ng of nodegroups) {
    const b = bucketOf(ng.current.ageDays);
    if (b >= 0) counts[b] = (counts[b] ?? 0) + 1;
  }
  const spans = AGE_BUCKETS.map((b, i) => {
    const n = counts[i] ?? 0;
    return n === 0
      ? ''
      : `<span style="width:${((n / total) * 100).toFixed(2)}%;background:${b.color}" title="${esc(`${b.label}: ${n}`)}"></span>`;
  }).join('');
  return `<div class="${cls}" role="img" aria-label="AMI age distribution">${spans}</div>`;
}

function legend(): string {
  const items = AGE_BUCKETS.map((b) => `<span><i style="background:${b.color}"></i>${esc(b.label)}</span>`);
  items.push(`<span><i style="background:${UNKNOWN_COLOR}"></i>age unknown</span>`);
  items.push(
    '<span><i style="background:linear-gradient(225deg,#1d2330 0 35%,#e9ecf1 35%)"></i>behind the latest AMI</span>',
  );
  items.push('<span><i style="outline:2.5px solid #d73027;background:#fff"></i>last rollout failed</span>');
  return `<div class="legend">${items.join('')}</div>`;
}

function summarySection(report: Report): string {
  const s = report.summary;
  const pct = s.nodegroups > 0 ? Math.round((s.behind / s.nodegroups) * 100) : 0;
  const holds = report.holds.reduce((n, h) => n + h.items.length, 0);
  const all = report.clusters.flatMap((c) => c.nodegroups);
  const card = (cls: string, n: string, label: string, detail: string) =>
    `<div class="card ${cls}"><div class="n">${esc(n)}</div><div class="l">${esc(label)}</div><div class="d">${esc(detail)}</div></div>`;
  return `<section id="summary" aria-labelledby="summary-h">
<header><h2 id="summary-h">Summary</h2><span class="sub">${esc(`${plural(s.nodegroups, 'node group')} in ${plural(s.clusters, 'cluster')}`)}</span></header>
<div class="cards">
${card(s.behind > 0 ? 'warn' : 'good', String(s.behind), 'Behind latest AMI', `${pct}% of the fleet; ${s.current} current, ${s.unknown} unknown`)}
${card((s.maxAgeDays ?? 0) > 90 ? 'bad' : (s.maxAgeDays ?? 0) > 30 ? 'warn' : 'good', s.maxAgeDays === null ? '—' : `${s.maxAgeDays} d`, 'Oldest AMI', s.medianAgeDays === null ? 'no ages known' : `median ${s.medianAgeDays} d`)}
${card('', String(s.roll), 'Would roll', report.nextWindow ? `next window ${formatTime(report.nextWindow.start, report.schedule?.timezone ?? null)}` : report.schedule ? 'next window unknown' : 'no schedule configured')}
${card(holds > 0 ? 'warn' : '', String(holds), 'Held', `${plural(report.holds.length, 'reason')}`)}
${card(s.rollouts.failed > 0 ? 'bad' : 'good', `${s.rollouts.succeeded}/${s.rollouts.succeeded + s.rollouts.failed}`, `Rollouts ok (${report.timelineDays} d)`, `${s.rollouts.failed} failed, ${s.rollouts.started} running${s.rollouts.stillRunning > 0 ? `, ${s.rollouts.stillRunning} still running in EKS` : ''}`)}
${card(s.patches.failed > 0 ? 'warn' : s.patches.succeeded > 0 ? 'good' : '', String(s.patches.succeeded), `Instances patched (${report.timelineDays} d)`, `${s.patches.failed} failed`)}
${endOfLifeCard(report, card)}
</div>
${ageBar(all, 'dist')}
${legend()}
</section>`;
}

function endOfLifeCard(
  report: Report,
  card: (cls: string, n: string, label: string, detail: string) => string,
): string {
  const e = report.summary.endOfLife;
  const groups = new Set(
    report.endOfLife.map((n) => `${n.accountId ?? ''}/${n.region}/${n.cluster}/${n.nodegroup}`),
  ).size;
  const cls = e.imageDeprecated > 0 ? 'bad' : groups > 0 ? 'warn' : 'good';
  return card(
    cls,
    String(groups),
    'End of life',
    `${e.imageDeprecated} deprecated, ${e.imageDeprecating} within ${DEPRECATION_WARNING_DAYS} d, ${e.familyEndOfLife} on a family without new AMIs`,
  );
}

const END_OF_LIFE_GROUPS: ReadonlyArray<{
  code: PlanWarningCode;
  title: string;
  explanation: string;
  cls: string;
}> = [
  {
    code: PlanWarningCode.imageDeprecated,
    title: 'Running a deprecated image',
    explanation:
      'EC2 deprecated the image these node groups run: it no longer appears in AMI listings. Running nodes and launches by ID go on; roll to a current image.',
    cls: 'r-error',
  },
  {
    code: PlanWarningCode.imageDeprecating,
    title: `Image deprecated within ${DEPRECATION_WARNING_DAYS} days`,
    explanation: 'The image these node groups run reaches its EC2 DeprecationTime soon. Roll before it does.',
    cls: '',
  },
  {
    code: PlanWarningCode.amiFamilyEndOfLife,
    title: 'AMI family without new images',
    explanation:
      'EKS publishes no new AMIs of this family (security fixes included): rolling cannot keep these node groups current. Move them to a supported family.',
    cls: 'r-halted',
  },
];

function endOfLifeSection(report: Report): string {
  const cards = END_OF_LIFE_GROUPS.flatMap((g) => {
    const items = report.endOfLife.filter((n) => n.code === g.code);
    if (items.length === 0) return [];
    const li = (n: EndOfLifeNotice) =>
      `<li><code>${esc(`${n.cluster}/${n.nodegroup}`)}</code>: ${esc(n.message)}</li>`;
    const shown = items.slice(0, HOLD_ITEMS_SHOWN);
    const rest = items.slice(HOLD_ITEMS_SHOWN);
    const more =
      rest.length > 0
        ? `<details><summary class="note">and ${rest.length} more</summary><ul>${rest.map(li).join('')}</ul></details>`
        : '';
    return [
      `<div class="hold${items.length > 3 ? ' wide' : ''} ${g.cls}" data-eol="${esc(g.code)}"><h3><span>${esc(g.title)}</span><span class="count">${items.length}</span></h3><p>${esc(g.explanation)} <code>${esc(g.code)}</code></p><ul>${shown.map(li).join('')}</ul>${more}</div>`,
    ];
  });
  const body =
    cards.length === 0
      ? `<p class="note">No node group runs an AMI family without new images, or an image within ${DEPRECATION_WARNING_DAYS} days of its EC2 DeprecationTime.</p>`
      : `<div class="holds">${cards.join('\n')}</div>`;
  return `<section id="end-of-life" aria-labelledby="end-of-life-h">
<header><h2 id="end-of-life-h">End of life</h2><span class="sub">AMI families EKS no longer publishes, and images near or past their DeprecationTime</span></header>
${body}
</section>`;
}

function endOfLifeCellHtml(ng: ReportNodegroup): string {
  const e = ng.endOfLife;
  if (e === null) return '<span class="s">unknown</span>';
  const family = e.familyEndOfLife
    ? `<b style="color:#a3241a">${esc(`${e.familyEndOfLife.family}: no new AMIs since ${e.familyEndOfLife.endOfSupport}`)}</b><span class="s">${esc(e.familyEndOfLife.advice)}</span>`
    : '';
  const dep = deprecationText(e);
  const image = e.image
    ? `<span class="s">${esc(dep === null ? 'no DeprecationTime' : `${dep} (${formatDay(e.image.deprecationTime ?? '')})`)}</span>`
    : '<span class="s">image not described</span>';
  return `${family}${image}`;
}

function updateCellHtml(ng: ReportNodegroup): string {
  const u = ng.updateConfig;
  if (u === null) return '<span class="s">unknown</span>';
  const max = maxUnavailableText(u);
  return `${esc(u.updateStrategy ?? '—')}<span class="s">${esc(max ? `${max} unavailable` : '')}</span>`;
}

function cellTitle(ng: ReportNodegroup): string {
  const lines = [
    `${ng.cluster}/${ng.nodegroup}${ng.wave ? ` (wave ${ng.wave})` : ''}`,
    `current: ${ami(ng.current, ng.strategy)}, ${ageText(ng.current.ageDays)}`,
    ng.latest ? `latest: ${ami(ng.latest, ng.strategy)}` : 'latest: unknown',
    ng.daysBehind === null ? '' : `${plural(ng.daysBehind, 'day')} behind`,
    `${ng.decision}${ng.reason ? ` (${ng.reason})` : ''}: ${ng.message}`,
    ng.lastRollout
      ? `last ${ng.lastRollout.kind ?? 'rollout'}: ${ng.lastRollout.outcome} ${formatDay(ng.lastRollout.createdAt)}`
      : '',
  ];
  return lines.filter((l) => l !== '').join('\n');
}

function cell(ng: ReportNodegroup): string {
  const b = bucketOf(ng.current.ageDays);
  const classes = ['cell', b < 0 ? 'bu' : `b${b}`];
  if (ng.behind === true) classes.push('behind');
  if (ng.lastRollout?.outcome === 'failed') classes.push('failed');
  const style = b < 0 ? '' : ` style="background:${AGE_BUCKETS[b]?.color}"`;
  const label =
    ng.current.ageDays === null ? '?' : ng.current.ageDays > 999 ? '999+' : String(ng.current.ageDays);
  return `<span class="${classes.join(' ')}"${style} title="${esc(cellTitle(ng))}" data-nodegroup="${esc(`${ng.cluster}/${ng.nodegroup}`)}">${label}</span>`;
}

function severity(c: ReportCluster): number[] {
  return [c.failed, c.behind, c.maxAgeDays ?? -1];
}

function compareSeverity(a: ReportCluster, b: ReportCluster): number {
  const x = severity(a);
  const y = severity(b);
  for (let i = 0; i < x.length; i += 1) if (x[i] !== y[i]) return (y[i] ?? 0) - (x[i] ?? 0);
  return a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0;
}

function heatmapSection(report: Report): string {
  const tiles = [...report.clusters].sort(compareSeverity).map((c) => {
    const stat = `${c.behind}/${c.nodegroups.length} behind${c.maxAgeDays === null ? '' : ` · max ${c.maxAgeDays} d`}`;
    return `<div class="tile${c.failed > 0 ? ' has-failed' : ''}" data-cluster="${esc(c.cluster)}"><h3><span class="name" title="${esc(`${c.cluster} (${c.region}${c.accountId ? `, ${c.accountId}` : ''})`)}">${esc(c.cluster)}</span><span class="stat">${esc(stat)}</span></h3><div class="cells">${c.nodegroups.map(cell).join('')}</div></div>`;
  });
  return `<section id="heatmap" aria-labelledby="heatmap-h">
<header><h2 id="heatmap-h">AMI age by cluster</h2><span class="sub">One square per node group, labelled with its AMI age in days; worst clusters first. Hover for details.</span></header>
<div class="heat">${tiles.join('\n')}</div>
<div style="margin-top:12px">${legend()}</div>
</section>`;
}

const OUTCOME_COLORS: Record<TimelineEvent['outcome'], string> = {
  succeeded: '#1a9850',
  failed: '#d73027',
  started: '#2f7fd3',
  'still-running': '#e08a1e',
  'not-started': '#8a93a3',
};

function timelineSvg(report: Report): string {
  const width = 1200;
  const left = 90;
  const right = 20;
  const lanes: Array<{ kind: TimelineEvent['kind']; label: string }> = [
    { kind: 'rollout', label: 'Rollouts' },
    { kind: 'patch', label: 'Patches' },
  ];
  const laneH = 54;
  const top = 10;
  const axisY = top + lanes.length * laneH;
  const height = axisY + 28;
  const end = Date.parse(report.generatedAt);
  const start = end - report.timelineDays * 86_400_000;
  const x = (iso: string) => left + ((Date.parse(iso) - start) / (end - start)) * (width - left - right);
  const parts: string[] = [];
  lanes.forEach((lane, i) => {
    const y = top + i * laneH;
    parts.push(
      `<rect x="${left}" y="${y + 6}" width="${width - left - right}" height="${laneH - 12}" rx="6" fill="${i % 2 === 0 ? '#f5f7fb' : '#fafbfd'}"/>`,
      `<text x="${left - 10}" y="${y + laneH / 2 + 4}" text-anchor="end" font-size="13" fill="#5b6577">${lane.label}</text>`,
    );
  });
  const days = report.timelineDays;
  const step = days > 60 ? 14 : days > 14 ? 7 : 1;
  for (let d = 0; d <= days; d += step) {
    const t = new Date(end - (days - d) * 86_400_000).toISOString();
    const px = x(t).toFixed(1);
    parts.push(
      `<line x1="${px}" x2="${px}" y1="${top}" y2="${axisY}" stroke="#e3e7ee"/>`,
      `<text x="${px}" y="${axisY + 18}" text-anchor="middle" font-size="12" fill="#5b6577">${t.slice(5, 10)}</text>`,
    );
  }
  // Oldest first, so the newest marks are drawn on top.
  const events = [...report.timeline].reverse();
  const perLaneSlot = new Map<string, number>();
  for (const e of events) {
    const laneIndex = lanes.findIndex((l) => l.kind === e.kind);
    const cx = x(e.at);
    // Jitter overlapping marks vertically (3 rows per lane) so dense days stay legible.
    const slotKey = `${e.kind}:${Math.round(cx / 6)}`;
    const slot = perLaneSlot.get(slotKey) ?? 0;
    perLaneSlot.set(slotKey, slot + 1);
    const cy = top + laneIndex * laneH + laneH / 2 + ((slot % 3) - 1) * 11;
    const r = e.outcome === 'failed' ? 6 : 5;
    parts.push(
      `<circle cx="${cx.toFixed(1)}" cy="${cy}" r="${r}" fill="${OUTCOME_COLORS[e.outcome]}" stroke="#fff" stroke-width="1.5" class="ev ev-${e.kind}"><title>${esc(`${formatTime(e.at, null)}: ${e.title}\n${e.detail}`)}</title></circle>`,
    );
  }
  parts.push(
    `<line x1="${x(report.generatedAt).toFixed(1)}" x2="${x(report.generatedAt).toFixed(1)}" y1="${top}" y2="${axisY}" stroke="#2f5bd3" stroke-dasharray="3 3"/>`,
  );
  return `<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="Timeline of rollouts and patches in the last ${days} days" xmlns="http://www.w3.org/2000/svg" font-family="system-ui,sans-serif">${parts.join('')}</svg>`;
}

function eventItem(e: TimelineEvent): string {
  return `<li><time datetime="${esc(e.at)}">${esc(formatTime(e.at, null))}</time><span class="dot o-${e.outcome}" title="${esc(e.outcome)}"></span><div><span class="t">${esc(e.title)}</span> <span class="x">${esc(e.detail)}</span></div></li>`;
}

function timelineSection(report: Report): string {
  const listed = report.timeline.slice(0, TIMELINE_LISTED);
  const rest = report.timeline.slice(TIMELINE_LISTED);
  const empty =
    report.timeline.length === 0
      ? `<p class="note">No rollouts or patches in the last ${report.timelineDays} days${report.ledger.kind === 'ok' ? '' : ' (no ledger to read)'}.</p>`
      : '';
  const more =
    rest.length > 0
      ? `<details><summary class="note">${rest.length} earlier events</summary><ul class="events">${rest.map(eventItem).join('')}</ul></details>`
      : '';
  const legendItems = (Object.keys(OUTCOME_COLORS) as TimelineEvent['outcome'][])
    .map((o) => `<span><i style="background:${OUTCOME_COLORS[o]};border-radius:50%"></i>${o}</span>`)
    .join('');
  return `<section id="timeline" class="timeline" aria-labelledby="timeline-h">
<header><h2 id="timeline-h">Recent rollouts and patches</h2><span class="sub">Last ${report.timelineDays} days, newest on the right</span></header>
${timelineSvg(report)}
<div class="legend" style="margin-top:6px">${legendItems}</div>
${empty}<ul class="events">${listed.map(eventItem).join('')}</ul>${more}
</section>`;
}

/** Active recalls and the node groups already running what they recall; nothing when there are none. */
function recallsSection(report: Report): string {
  const { active, running } = report.recalls;
  if (active.length === 0 && running.length === 0) return '';
  const recalls = active
    .map(
      (r) =>
        `<li><b class="mono">${esc(recallLabel(r))}</b> recalled by ${esc(r.by)} at ${esc(formatTime(r.at, null))}: ${esc(r.reason)} <span class="s mono">${esc(unrecallCommand(r))}</span></li>`,
    )
    .join('');
  const groups = running
    .map(
      (n) =>
        `<li data-recalled="${esc(`${n.cluster}/${n.nodegroup}`)}"><b>${esc(`${n.cluster}/${n.nodegroup}`)}</b> <span class="s">${esc([n.accountId, n.region].filter(Boolean).join(' · '))}</span> ${esc(n.message)}</li>`,
    )
    .join('');
  return `<section id="recalls" aria-labelledby="recalls-h">
<header><h2 id="recalls-h">Recalled releases</h2><span class="sub">Nothing rolls to a recalled release or image until <span class="mono">nodekeeper unrecall</span></span></header>
<div class="holds"><div class="hold r-halted wide"><h3>Active recalls<span class="count">${active.length}</span></h3><ul>${recalls || '<li>none</li>'}</ul></div>
<div class="hold r-halted wide"><h3>Node groups running a recalled image<span class="count">${running.length}</span></h3><p>Roll forward where a newer release exists; otherwise wait for a fixed release, or roll custom-AMI groups back with <code>nodekeeper rollback</code>.</p><ul>${groups || '<li>none</li>'}</ul></div></div>
</section>
`;
}

function holdCard(h: HoldGroup, timeZone: string | null): string {
  const shown = h.items.slice(0, HOLD_ITEMS_SHOWN);
  const rest = h.items.slice(HOLD_ITEMS_SHOWN);
  const li = (i: HoldGroup['items'][number]) =>
    `<li><code>${esc(`${i.cluster}/${i.nodegroup}`)}</code>: ${esc(i.message)}${i.at ? ` <span class="sub">(next: ${esc(formatTime(i.at, timeZone))})</span>` : ''}</li>`;
  const more =
    rest.length > 0
      ? `<details><summary class="note">and ${rest.length} more</summary><ul>${rest.map(li).join('')}</ul></details>`
      : '';
  const clusters = new Set(h.items.map((i) => `${i.accountId ?? ''}/${i.region}/${i.cluster}`)).size;
  const wide = h.items.length > 3 ? ' wide' : '';
  const scope =
    h.items.length > 1 ? ` ${plural(h.items.length, 'node group')} in ${plural(clusters, 'cluster')}.` : '';
  return `<div class="hold${wide} r-${esc(h.reason)}" data-reason="${esc(h.reason)}"><h3><span>${esc(h.title)}</span><span class="count">${h.items.length}</span></h3><p>${esc(h.explanation)}${esc(scope)} <code>${esc(h.reason)}</code></p><ul>${shown.map(li).join('')}</ul>${more}</div>`;
}

function holdsSection(report: Report): string {
  const tz = report.schedule?.timezone ?? null;
  const body =
    report.holds.length === 0
      ? '<p class="note">Nothing is held: every node group is current or rolls in the next window.</p>'
      : `<div class="holds">${report.holds.map((h) => holdCard(h, tz)).join('\n')}</div>`;
  return `<section id="holds" aria-labelledby="holds-h">
<header><h2 id="holds-h">Why node groups wait</h2><span class="sub">The plan's holds, by reason</span></header>
${body}
</section>`;
}

const NEXT_LABELS: Record<ReportNodegroup['nextRoll']['kind'], string> = {
  'next-window': 'next window',
  waiting: 'waiting',
  blocked: 'blocked',
  current: 'up to date',
  never: 'not rolled',
};

function decisionPill(ng: ReportNodegroup): string {
  const text = ng.decision === 'skip' && ng.reason ? `skip · ${ng.reason}` : ng.decision;
  return `<span class="pill p-${ng.decision}">${esc(text)}</span>`;
}

function nodegroupRow(ng: ReportNodegroup, timeZone: string | null): string {
  const b = bucketOf(ng.current.ageDays);
  const chip = `<span class="agechip" style="background:${b < 0 ? UNKNOWN_COLOR : AGE_BUCKETS[b]?.color}"></span>`;
  const last = ng.lastRollout
    ? `<span class="pill p-${ng.lastRollout.outcome}">${esc(`${ng.lastRollout.kind === 'rollback' ? 'rollback ' : ''}${ng.lastRollout.targetVersion ? `kubernetes ${ng.lastRollout.targetVersion} ` : ''}${ng.lastRollout.outcome}`)}</span><span class="s">${esc(formatDay(ng.lastRollout.createdAt))}${ng.lastRollout.errorCodes.length > 0 ? ` · ${esc(ng.lastRollout.errorCodes.join(', '))}` : ''}</span>`
    : '<span class="s">none recorded</span>';
  const label = NEXT_LABELS[ng.nextRoll.kind];
  const next = ng.nextRoll.at ? `<b>${esc(formatTime(ng.nextRoll.at, timeZone))}</b>` : esc(label);
  const why = ng.nextRoll.why === ng.message ? (ng.nextRoll.at ? label : '') : ng.nextRoll.why;
  return `<tr data-nodegroup="${esc(ng.nodegroup)}"><td><b>${esc(ng.nodegroup)}</b><span class="s">${esc(ng.amiType ?? '')}</span></td><td>${esc(ng.wave ?? '—')}</td><td>${chip}<span class="mono">${esc(ami(ng.current, ng.strategy))}</span><span class="s">${esc(ageText(ng.current.ageDays))}${ng.current.dateSource ? ` (${esc(ng.current.dateSource)})` : ''}</span></td><td><span class="mono">${esc(ng.latest ? ami(ng.latest, ng.strategy) : '—')}</span><span class="s">${ng.daysBehind === null ? (ng.behind === false ? 'current' : 'unknown') : ng.daysBehind === 0 ? (ng.behind ? 'same day' : 'current') : `${esc(plural(ng.daysBehind, 'day'))} behind`}</span></td><td>${endOfLifeCellHtml(ng)}</td><td>${updateCellHtml(ng)}</td><td>${decisionPill(ng)}<span class="s">${esc(ng.message)}</span></td><td>${last}</td><td>${next}<span class="s">${esc(why)}</span></td></tr>`;
}

function clusterDetails(c: ReportCluster, open: boolean, timeZone: string | null): string {
  const rows = c.nodegroups.map((ng) => nodegroupRow(ng, timeZone)).join('');
  return `<details class="cluster" data-cluster="${esc(c.cluster)}"${open ? ' open' : ''}><summary><span class="name">${esc(c.cluster)}</span>${ageBar(c.nodegroups, 'bar')}<span class="num"><b>${c.nodegroups.length}</b> groups</span><span class="num"><b>${c.behind}</b> behind</span><span class="num">${c.failed > 0 ? `<b style="color:#d73027">${c.failed}</b> failed` : c.maxAgeDays === null ? 'age ?' : `max <b>${c.maxAgeDays}</b> d`}</span></summary>
<div class="tablewrap"><table><thead><tr><th>Node group</th><th>Wave</th><th>Current AMI</th><th>Latest</th><th>End of life</th><th>Update</th><th>Plan</th><th>Last rollout</th><th>Next roll</th></tr></thead><tbody>${rows}</tbody></table></div></details>`;
}

function clustersSection(report: Report): string {
  const open = report.clusters.length <= EXPAND_CLUSTERS_UP_TO;
  const tz = report.schedule?.timezone ?? null;
  const byRegion = new Map<string, ReportCluster[]>();
  for (const c of report.clusters) {
    const k = `${c.accountId ?? 'this account'} · ${c.region}`;
    byRegion.set(k, [...(byRegion.get(k) ?? []), c]);
  }
  const groups = [...byRegion].map(
    ([label, list]) =>
      `<h3 class="sub" style="margin:14px 0 4px">${esc(label)}</h3>${list.map((c) => clusterDetails(c, open, tz)).join('\n')}`,
  );
  return `<section id="clusters" aria-labelledby="clusters-h">
<header><h2 id="clusters-h">Node groups by cluster</h2><span class="sub">${open ? 'Every node group' : `${report.clusters.length} clusters, collapsed: open one to see its node groups`}</span></header>
${groups.join('\n')}
</section>`;
}

function windowText(w: ReportWindow | null, timeZone: string | null): string {
  return w
    ? `${formatTime(w.start, timeZone)} → ${formatTime(w.end, timeZone).replace(/^\w+ \d{4}-\d\d-\d\d /, '')}`
    : '—';
}

function ledgerNotice(report: Report): string {
  const l = report.ledger;
  if (l.kind === 'ok') return '';
  const what =
    l.kind === 'missing' ? `no ledger: table ${l.table} does not exist` : `ledger unreadable: ${l.message}`;
  return `<div class="warnbox" role="note"><b>${esc(what)}.</b> Rollout history and the timeline are empty; the rest of the report comes from AWS directly.</div>`;
}

/**
 * Renders `report` as one self-contained HTML document (UTF-8). It references nothing outside
 * itself: no stylesheet, script, font, image or link is fetched when it opens. Pure.
 */
export function renderReportHtml(report: Report): string {
  const tz = report.schedule?.timezone ?? null;
  const meta = [
    `<span>Generated <b>${esc(formatTime(report.generatedAt, null))}</b></span>`,
    report.schedule
      ? `<span>Schedule <b class="mono">${esc(report.schedule.cron)}</b> ${esc(report.schedule.timezone)}, ${report.schedule.windowMinutes} min</span>`
      : '<span>No schedule configured</span>',
    `<span>Next window <b>${esc(windowText(report.nextWindow, tz))}</b></span>`,
    `<span>Ledger <b>${esc(report.ledger.kind === 'ok' ? `${report.ledger.table} (${report.ledger.records} records)` : report.ledger.kind === 'missing' ? 'no ledger' : 'unreadable')}</b></span>`,
  ].join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="nodekeeper report">
<title>nodekeeper fleet report · ${esc(formatDay(report.generatedAt))}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header class="top"><div><h1><span class="brand">nodekeeper</span> fleet report</h1><div class="sub">How far behind the latest AMI the fleet is, what rolled, and why the rest waits</div></div><div class="meta">${meta}</div></header>
${ledgerNotice(report)}${summarySection(report)}
${recallsSection(report)}${heatmapSection(report)}
${timelineSection(report)}
${holdsSection(report)}
${endOfLifeSection(report)}
${clustersSection(report)}
<footer>nodekeeper · read-only report · ${esc(report.generatedAt)}</footer>
</main>
</body>
</html>
`;
}

export {
  buildReport,
  HOLD_EXPLANATIONS,
  type ReportInput,
  TIMELINE_MAX_EVENTS,
  type WindowAfter,
} from './build.ts';
export { AGE_BUCKETS, EXPAND_CLUSTERS_UP_TO, escapeHtml, renderReportHtml } from './html.ts';
export { reportPatchesOf } from './patches.ts';
export { renderReportTable } from './table.ts';
export {
  type HoldGroup,
  type LedgerStatus,
  type NextRoll,
  NextRollKind,
  type Report,
  type ReportCluster,
  type ReportNodegroup,
  type ReportPatch,
  type ReportRollout,
  type ReportSummary,
  type ReportWindow,
  type TimelineEvent,
} from './types.ts';

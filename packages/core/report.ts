/**
 * The fleet report: built from a plan and the ledger, rendered as a table or HTML.
 */
export { buildReport, type WindowAfter } from './src/report/build.ts';
export { renderReportHtml } from './src/report/html.ts';
export { reportPatchesOf } from './src/report/patches.ts';
export { renderReportTable } from './src/report/table.ts';
export type { LedgerStatus, Report, ReportPatch, ReportWindow } from './src/report/types.ts';

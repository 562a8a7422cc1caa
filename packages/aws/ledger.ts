// @nodekeeper/aws/ledger: the DynamoDB ledger table and everything stored in it.
export {
  type ApprovalResult,
  type ApprovalStore,
  type ApprovalStoreOptions,
  createApprovalStore,
} from './src/approvals.ts';
export {
  createLedger,
  createLedgerTable,
  DEFAULT_LEDGER_TABLE,
  type LedgerOptions,
  LedgerSchema,
  ROLLOUT_ITEM_TYPE,
  rolloutItem,
} from './src/ledger.ts';
export {
  createPatchLedger,
  type PatchLedger,
  PatchLedgerKeys,
  type PatchLedgerOptions,
} from './src/patch-ledger.ts';
export {
  createRecallStore,
  RECALL_EPISODES_KEPT,
  type RecallEpisode,
  type RecallLift,
  type RecallRecord,
  type RecallResult,
  type RecallStore,
  type RecallStoreOptions,
  type RecallTarget,
  type UnrecallResult,
} from './src/recalls.ts';
export { createRequestClaims } from './src/request-claims.ts';
export {
  createRunLedger,
  RunKeys,
  type RunLedgerOptions,
} from './src/runs.ts';
export { createScanMarks } from './src/scan-marks.ts';

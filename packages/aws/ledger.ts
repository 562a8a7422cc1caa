// @nodekeeper/aws/ledger: the DynamoDB ledger table and everything stored in it.
export * from './src/approvals.ts';
export * from './src/ledger.ts';
export * from './src/patch-ledger.ts';
export * from './src/recalls.ts';
export * from './src/request-claims.ts';
export * from './src/runs.ts';
export * from './src/scan-marks.ts';

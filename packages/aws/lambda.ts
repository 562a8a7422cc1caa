// @nodekeeper/aws/lambda: asynchronous invokes (continuations, Slack workers) and the workflow starter (Lambda).

export {
  createFleetScanStarter,
  DURABLE_EXECUTION_STORAGE_BYTES,
  decodeInspection,
  type EncodedInspection,
  encodeInspection,
  type FleetScanStarter,
  INSPECTION_RESULT_MAX_BYTES,
  InspectionTooLargeError,
  resultBudget,
} from './src/fanout.ts';
export {
  type AsyncInvoker,
  type ContinuationEvent,
  createAsyncInvoker,
  createContinuationPort,
  createLambdaClient,
  type InvokeOutcome,
} from './src/invoke.ts';
export {
  createLambdaWorkflowStarter,
  isQualifiedFunctionArn,
} from './src/workflow-starter.ts';

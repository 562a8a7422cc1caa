export { createClock } from './src/clock.ts';
export { DemoAmis, demoFleet } from './src/demo-fleet.ts';
export { FleetValidationError, SandboxError } from './src/errors.ts';
export { mulberry32 } from './src/faults.ts';
export type { FleetFile } from './src/fleet.ts';
export { fleetSchema, loadFleetFile, parseFleet } from './src/fleet.ts';
export {
  type FunctionUrl,
  type FunctionUrlEvent,
  type FunctionUrlResult,
  functionUrlEvent,
  startFunctionUrl,
} from './src/function-url.ts';
export type { SandboxCliIo } from './src/main.ts';
export { runSandboxCli } from './src/main.ts';
export type { RequestViolation, ViolationRule } from './src/protocol/validate.ts';
export { startSandbox } from './src/server.ts';
export { ledgerTableRequest } from './src/services/dynamodb.ts';
export {
  blockActionsPayload,
  signedInteractionRequest,
  signSlackRequest,
} from './src/services/slack-interactions.ts';
export type {
  CallRecord,
  FaultRule,
  Sandbox,
  SandboxClock,
  SandboxEvent,
  SandboxOptions,
  SlackClick,
  SlackClickResult,
  SlackMessageState,
  SlackPost,
} from './src/types/index.ts';
export {
  describeViolation,
  registerViolationSource,
  takeSandboxViolations,
  violationsError,
} from './src/violations.ts';

export { demoFleet } from './src/demo-fleet.ts';
export { FleetValidationError, SandboxError } from './src/errors.ts';
export type { FleetFile } from './src/fleet.ts';
export { fleetSchema, loadFleetFile, parseFleet } from './src/fleet.ts';
export type { SandboxCliIo } from './src/main.ts';
export { runSandboxCli } from './src/main.ts';
export { startSandbox } from './src/server.ts';
export type {
  CallRecord,
  FaultRule,
  Sandbox,
  SandboxClock,
  SandboxOptions,
  SlackPost,
} from './src/types/index.ts';

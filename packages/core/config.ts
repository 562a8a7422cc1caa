/**
 * The config schema and its one parser (file or environment), shared by the CLI, the functions and the stacks.
 */
export {
  type Config,
  configJsonSchema,
  type FleetTarget,
  fleetTargets,
  parseConfig,
  parseConfigText,
  SpokeAccess,
} from './src/config.ts';

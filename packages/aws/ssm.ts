// @nodekeeper/aws/ssm: the pause flag (Parameter Store) and a patch command's results (Run Command):
// SSM only, nothing else.
export {
  createPatchStatusPort,
  listPatchInvocations,
} from './src/patch-invocations.ts';
export {
  createPausePort,
  DEFAULT_PAUSE_PARAMETER,
  type PauseChange,
  parsePauseState,
  pauseParameterName,
  readPauseState,
  setPauseState,
} from './src/pause.ts';

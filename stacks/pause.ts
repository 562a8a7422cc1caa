// The pause flag: `/nodekeeper/{stage}/paused` = "true" stops new rollouts. Created with "false";
// the value belongs to operators afterwards (slash command, CLI), so deploys never reset it.
import type { StackContext } from './context.ts';

/** Creates the pause parameter; later deploys ignore its value. */
export function createPauseFlag(ctx: StackContext) {
  return new aws.ssm.Parameter(
    'PauseFlag',
    {
      name: ctx.names.pauseParameter,
      type: 'String',
      value: 'false',
      description: 'nodekeeper: "true" pauses rollouts',
    },
    { ignoreChanges: ['value'] },
  );
}

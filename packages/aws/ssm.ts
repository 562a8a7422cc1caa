// @nodekeeper/aws/ssm: the pause flag (Parameter Store) and a patch command's results (Run Command):
// SSM only, nothing else.
export * from './src/patch-invocations.ts';
export * from './src/pause.ts';

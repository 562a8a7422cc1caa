// @nodekeeper/aws/lambda: asynchronous invokes (continuations, Slack workers) and the workflow starter (Lambda).
export * from './src/invoke.ts';
export * from './src/workflow-starter.ts';

// @nodekeeper/aws/clients: client sets per (account, region), the composition root (home region,
// config), rate limits, call statistics and AWS errors. Constructs no SDK client by itself: each
// entry below provides the clients of the services its adapters call.
export * from './src/clients.ts';
export * from './src/compose.ts';
export * from './src/errors.ts';
export * from './src/limit.ts';
export * from './src/stats.ts';
export * from './src/targets.ts';

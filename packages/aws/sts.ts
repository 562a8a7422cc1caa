// @nodekeeper/aws/sts: who is calling (STS GetCallerIdentity).
export * from './src/identity.ts';

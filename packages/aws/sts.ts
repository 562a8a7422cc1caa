// @nodekeeper/aws/sts: who is calling (STS GetCallerIdentity).
export {
  callerIdentity,
  checkTargetAccess,
  homeAccountId,
  type TargetAccess,
} from './src/identity.ts';

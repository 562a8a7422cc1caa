// @nodekeeper/aws/patch: SSM Run Command patching over EKS node groups (EKS, EC2, SSM; Lambda for the
// patch function's invoker).
export * from './src/patch.ts';

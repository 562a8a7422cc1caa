// @nodekeeper/aws/patch: SSM Run Command patching over EKS node groups (EKS, EC2, SSM; Lambda for the
// patch function's invoker).
export {
  createPatchPort,
  describeManagedInstances,
  describeNodegroupForPatch,
  findClusterRegion,
  findNodegroupInstances,
  getPatchCommandStatus,
  invokePatchFunction,
  listNodekeeperPatchCommands,
  type PatchCommandStatus,
  type PatchInvokeResult,
  type PatchNodegroupDescription,
  sendPatchCommand,
} from './src/patch.ts';

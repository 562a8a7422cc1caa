// @nodekeeper/aws/rollout: the rollout port (EKS node group updates, EC2 launch template versions).
export {
  createRolloutPort,
  type RolloutClients,
} from './src/rollout.ts';

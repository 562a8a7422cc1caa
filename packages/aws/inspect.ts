// @nodekeeper/aws/inspect: fleet inspection and the planner's ports (EKS, EC2, SSM, STS).
export * from './src/ec2.ts';
export * from './src/eks.ts';
export * from './src/inspect.ts';
export * from './src/plan-ports.ts';
export * from './src/releases.ts';
export * from './src/ssm.ts';

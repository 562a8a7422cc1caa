import { defineFaultMatrix, OperationClasses } from './support/matrix.ts';

defineFaultMatrix(OperationClasses.ec2LaunchTemplates);

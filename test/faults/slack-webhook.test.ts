import { defineFaultMatrix, OperationClasses } from './support/matrix.ts';

defineFaultMatrix(OperationClasses.slackWebhook);

import { Logger } from '@aws-lambda-powertools/logger';

/** The functions' structured logger: one line per decision or action, never a secret. */
export const logger = new Logger({ serviceName: 'nodekeeper' });

/** Errors raised by @nodekeeper/slack. Delivery never throws; only bad configuration does. */
import { ValidationError } from '@nodekeeper/core';

/** Slack configuration that cannot work (bad webhook URL, missing channel, ...). Never contains a secret. */
export class SlackConfigError extends ValidationError {
  constructor(issues: string[], options?: { cause?: unknown }) {
    super('invalid Slack configuration', issues, options);
    this.name = 'SlackConfigError';
  }
}

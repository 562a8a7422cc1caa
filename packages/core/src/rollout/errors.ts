import { NodekeeperError } from '../errors.ts';

/** A rollout request that cannot be carried out as given (a bug upstream, not an AWS answer). */
export class RolloutError extends NodekeeperError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RolloutError';
  }
}

/** Base class for nodekeeper errors: every error sets `name` and may carry `cause`. */
export class NodekeeperError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NodekeeperError';
  }
}

/** Bad input from a user: config, CLI flags, payloads. Maps to exit code 2. */
export class ValidationError extends NodekeeperError {
  /** Each problem as `path: message`, e.g. `waves[1].soakDays: expected a number`. */
  readonly issues: string[];
  constructor(message: string, issues: string[] = [], options?: { cause?: unknown }) {
    super(issues.length > 0 ? `${message}\n  - ${issues.join('\n  - ')}` : message, options);
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

/** Base class for sandbox errors: every error sets `name` and may carry `cause`. */
export class SandboxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SandboxError';
  }
}

/**
 * A fleet file that does not match the schema or whose cross-references are broken. The message
 * names every bad field by path (`clusters[0].nodegroups[1].amiType: ...`); `issues` lists them.
 */
export class FleetValidationError extends SandboxError {
  readonly issues: string[];
  constructor(message: string, issues: string[] = [], options?: { cause?: unknown }) {
    super(issues.length > 0 ? `${message}\n  - ${issues.join('\n  - ')}` : message, options);
    this.name = 'FleetValidationError';
    this.issues = issues;
  }
}

/** Bad command-line usage: unknown flag, missing value. Exit code 2, nothing touched. */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

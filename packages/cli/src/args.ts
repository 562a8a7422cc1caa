import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';

type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string };

/**
 * Parses `args` strictly against `options`; unknown flags and missing values become a UsageError
 * with a plain message. `--help`/`-h` is always accepted.
 */
export function parseFlags<T extends Record<string, OptionSpec>>(
  args: string[],
  options: T,
  { positionals = 0 }: { positionals?: number } = {},
) {
  try {
    const parsed = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: positionals > 0,
    });
    if (parsed.positionals.length > positionals) {
      throw new UsageError(`unexpected argument '${parsed.positionals[positionals]}'`);
    }
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, ''), { cause: error });
  }
}

/** Parses an ISO 8601 timestamp flag such as `--now`, or throws a UsageError naming the flag. */
export function parseIsoFlag(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new UsageError(`--${name} must be an ISO 8601 time such as 2026-11-24T03:00:00Z (got '${value}')`);
  }
  return date;
}

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Config, parseConfig, ValidationError } from '@nodekeeper/core';

/** Default config file name, looked up in the working directory. */
export const DEFAULT_CONFIG_FILE = 'nodekeeper.config.json';

/**
 * Reads and validates the config file. Every problem (missing file, bad JSON, bad field) is a
 * ValidationError, which the CLI reports with exit code 2.
 */
export async function loadConfigFile(path: string | undefined, cwd: string): Promise<Config> {
  const file = resolve(cwd, path ?? DEFAULT_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const hint =
      path === undefined
        ? ` (pass --config FILE, or copy nodekeeper.config.example.json to ${DEFAULT_CONFIG_FILE})`
        : '';
    throw new ValidationError(`cannot read config file ${file}${hint}`, [], { cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`config file ${file} is not valid JSON: ${(error as Error).message}`, [], {
      cause: error,
    });
  }
  try {
    return parseConfig(raw);
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new ValidationError(`invalid config file ${file}`, error.issues, { cause: error });
    }
    throw error;
  }
}

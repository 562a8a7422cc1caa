import { readFileSync } from 'node:fs';

/** A published AWS CLI output from test/fixtures/realcases. */
export function realcase<T>(file: string): T {
  return JSON.parse(
    readFileSync(new URL(`../../../test/fixtures/realcases/${file}`, import.meta.url), 'utf8'),
  ) as T;
}

export { renderTable } from '@nodekeeper/core';

/** JSON as the CLI prints it: two-space indent, trailing newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * The core package's shared errors and text helpers. Each area has its own entry point:
 * `@nodekeeper/core/plan`, `/config`, `/rollout`, `/patch`, `/messages`, `/slash`, `/report`, `/safety`,
 * `/metrics` and `/runs` (see docs/architecture.md).
 */
export { NodekeeperError, ValidationError } from './src/errors.ts';
export { renderTable } from './src/text.ts';

import { defineConfig } from 'vitest/config';

/** `npm run test:faults`: the fault matrix against the sandbox (NODEKEEPER_FAULT_RUNS sizes it). */
export default defineConfig({
  test: {
    root: new URL('../../', import.meta.url).pathname,
    include: ['test/faults/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The runs mostly wait on the sandbox and timers; more workers than cores keeps them short.
    maxWorkers: 3,
    setupFiles: ['./test/setup.ts'],
  },
});

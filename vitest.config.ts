import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'functions/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/faults/**', 'test/fuzz/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // vitest's default is one worker per core less one: a single worker on a 2-core CI machine.
    // The suites mostly wait on sandboxes and timers, so two workers halve the wall time.
    maxWorkers: 2,
    setupFiles: ['./test/setup.ts'],
  },
});

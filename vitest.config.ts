import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'functions/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/faults/**', 'test/fuzz/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    setupFiles: ['./test/setup.ts'],
  },
});

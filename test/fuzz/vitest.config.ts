import { defineConfig } from 'vitest/config';

/** `npm run test:fuzz`: fast-check against every input edge (see test/fuzz/run.ts for --runs). */
export default defineConfig({
  test: {
    root: new URL('../../', import.meta.url).pathname,
    include: ['test/fuzz/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 3_600_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    setupFiles: ['./test/setup.ts'],
  },
});

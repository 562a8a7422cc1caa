// How SST bundles every nodekeeper function: shared by stacks/context.ts (what is deployed) and
// bench/coldstart.ts (what is measured), so the bench builds exactly what SST deploys.

/**
 * The `nodejs` settings of every nodekeeper function. SST 4 passes only the settings given to its
 * esbuild (pkg/runtime/node/build.go): without `minify: true` a deployed bundle is not minified,
 * whatever its docs say the default is. `splitting` puts what a handler loads with `import()` (the
 * slack-command worker's plan; spoke credentials) in chunks of their own, read only when used.
 */
export const NODEJS_BUNDLE = { minify: true, splitting: true } as const;

/** The runtime every nodekeeper function runs on; SST's esbuild targets ES2023 for it. */
export const NODEJS_RUNTIME = 'nodejs22.x';

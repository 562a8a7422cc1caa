/// <reference path="./.sst/platform/config.d.ts" />

export default $config({
  app(input) {
    return {
      name: 'nodekeeper',
      removal: input?.stage === 'prod' ? 'retain' : 'remove',
      protect: input?.stage === 'prod',
      home: 'aws',
    };
  },
  async run() {
    // sst.config.ts may not have top-level imports: the stacks load here.
    const { loadDeployConfig } = await import('./stacks/config.ts');
    const { createNodekeeper } = await import('./stacks/app.ts');
    const app = createNodekeeper(await loadDeployConfig(), $app.stage);
    return app.outputs;
  },
});

/**
 * The layers of src/ (docs/style.md "Layers"), checked by `npm run lint:deps` in .ci/run.
 * Type-only imports count: a layer that names another's types depends on it.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import circles, type-only ones included.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'domain/ (manifest, catalogue, plan, status) imports only domain/ and libraries: no I/O layer.',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: '^src/domain/' },
    },
    {
      name: 'adapters-are-narrow',
      severity: 'error',
      comment: 'Provider and orchestrator adapters import only the shared errors, the logger, domain types and their own folder.',
      from: { path: '^src/(providers|orchestrators)/' },
      to: { path: '^src/', pathNot: ['^src/(providers|orchestrators)/', '^src/errors/', '^src/domain/', '^src/logger\\.ts$'] },
    },
    {
      name: 'sim-only-for-demo',
      severity: 'error',
      comment: 'The simulated cloud is loaded only by the demo and `clusterops sim`, never by serve --repo or config check.',
      from: { path: '^src/', pathNot: ['^src/sim/', '^src/demo/', '^src/cli/sim\\.ts$'] },
      to: { path: '^src/sim/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.build.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};

/**
 * Import boundaries (issue 22): the layers of src/, checked by `npm run lint:boundaries`.
 *
 *   src/lib        imports nothing of ours
 *   src/db         imports only src/lib and the configuration (src/config.ts, src/paths.ts)
 *   src/features/* never import src/routes, nor another feature's handlers (*handlers.ts)
 *   src/http       never imports src/features
 *
 * No exceptions are listed here: a violation is fixed in the code (move the thing imported to the
 * layer it belongs in, or pass it in). Type-only imports count too.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'lib-imports-nothing-of-ours',
      comment: 'src/lib is the bottom layer: plain helpers that import nothing from src/.',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: '^src/lib/' },
    },
    {
      name: 'db-imports-only-lib-and-config',
      comment: 'src/db builds on src/lib and the configuration only.',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^src/', pathNot: ['^src/(db|lib)/', '^src/(config|config-errors|paths)[.]ts$'] },
    },
    {
      name: 'features-never-import-routes',
      comment: 'Route tables import features, never the other way round.',
      severity: 'error',
      from: { path: '^src/features/' },
      to: { path: '^src/routes/' },
    },
    {
      name: 'features-never-import-other-features-handlers',
      comment: "A feature may use another feature's services and queries, never its request handlers.",
      severity: 'error',
      from: { path: '^src/features/([^/]+)/' },
      to: { path: '^src/features/.*handlers[.]ts$', pathNot: '^src/features/$1/' },
    },
    {
      name: 'http-never-imports-features',
      comment: 'src/http is the web plumbing under the features: it knows no feature.',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/features/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    // TypeScript 7 has no JavaScript API for dependency-cruiser to parse with: swc parses instead.
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};

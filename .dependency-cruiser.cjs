/**
 * The layer order of src/ (BRIEF, issue 16), checked by `npm run lint`:
 *   http → pipeline → fhir / reports / facts → engine → rules → vocabulary   (cards beside engine)
 * Each rule names what a layer may NOT import: anything in src/ outside its allow-list.
 * cds-hooks (the wire contract) and config sit low; auth and metrics serve the http edge.
 */
const layer = (name, from, allowed) => ({
  name,
  severity: 'error',
  comment: `${from} may import only ${allowed.join(', ')}`,
  from: { path: `^src/${from}` },
  to: { path: '^src/', pathNot: `^src/(${[from.replace(/\/$/, ''), ...allowed].join('|')})(/|\\.ts$|\\.d\\.ts$)` },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    layer('vocabulary-is-the-floor', 'vocabulary/', []),
    layer('rules-below-engine', 'rules/', ['vocabulary', 'config']),
    layer('engine-below-facts', 'engine/', ['rules', 'vocabulary']),
    layer('cards-beside-engine', 'cards/', ['engine', 'rules', 'vocabulary', 'cds-hooks']),
    layer('facts-below-pipeline', 'facts/', ['engine', 'rules', 'vocabulary']),
    layer('reports-below-pipeline', 'reports/', ['engine', 'rules', 'vocabulary']),
    layer('fhir-below-pipeline', 'fhir/', ['metrics', 'cds-hooks', 'vocabulary', 'config']),
    layer('cds-hooks-contract', 'cds-hooks/', ['vocabulary']),
    layer('pipeline-below-http', 'pipeline/', ['fhir', 'reports', 'facts', 'engine', 'cards', 'rules', 'vocabulary', 'cds-hooks']),
    layer('auth-at-the-edge', 'auth/', ['config', 'fhir', 'cds-hooks', 'vocabulary']),
    layer('metrics-at-the-edge', 'metrics/', ['config', 'cds-hooks', 'vocabulary']),
    layer('store-at-the-edge', 'store/', ['config', 'cds-hooks', 'metrics', 'fhir', 'rules', 'vocabulary']),
    {
      name: 'http-below-app',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/(app|server|cli)\\.ts$' },
    },
    {
      name: 'pure-layers-without-fastify',
      severity: 'error',
      comment: 'reports, facts, engine, cards, rules, vocabulary and the pipeline never import Fastify',
      from: { path: '^src/(vocabulary|rules|engine|cards|facts|reports|pipeline)/' },
      to: { path: 'node_modules/(fastify|@fastify)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.d.ts'] },
  },
};

/**
 * The import rules of docs/architecture.md, checked by `npm run lint:imports` (part of `npm test`):
 * the layer order (a module imports only layers below its own), no import circles, @duckdb/* only
 * in the node-api driver (src/lib/store/driver/node-api.ts, loaded lazily like the ffi driver), and
 * nothing in src/lib importing src/commands.
 */

/** Bottom first. A layer may import the layers before it, never one after it. */
const LAYERS = [
  ['base', '^src/lib/(errors|findings|paths|abort|pace|progress)\\.ts$'],
  ['units', '^src/lib/units/'],
  ['yaml', '^src/lib/yaml/'],
  ['config', '^src/lib/config/'],
  ['log', '^src/lib/log\\.ts$'],
  ['dbc', '^src/lib/dbc/'],
  ['formula', '^src/lib/formula/'],
  ['can', '^src/lib/can/'],
  ['car', '^src/lib/car/'],
  ['decode', '^src/lib/decode/'],
  ['track', '^src/lib/track/'],
  ['validate', '^src/lib/validate/'],
  ['sim', '^src/lib/sim/'],
  ['store', '^src/lib/store/'],
  ['source', '^src/lib/source/'],
  ['coach', '^src/lib/coach/'],
  ['client', '^src/lib/client/'],
  ['live', '^src/lib/live/'],
  ['bridge', '^src/lib/bridge/'],
  ['ingest', '^src/lib/ingest/'],
  ['replay', '^src/lib/replay/'],
  ['simulate', '^src/lib/simulate/'],
  ['ops', '^src/lib/ops/'],
  ['cli', '^src/lib/cli/'],
  ['commands', '^src/commands/'],
]

const layerRules = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `layer-${name}`,
  comment: `${name} sits below ${LAYERS.slice(i + 1).map(([n]) => n).join(', ')}: it must not import them (docs/architecture.md, the layer order)`,
  severity: 'error',
  from: {path},
  to: {path: LAYERS.slice(i + 1).map(([, p]) => `(${p})`).join('|')},
}))

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'an import circle: split the shared part out, or move it down a layer',
      severity: 'error',
      from: {},
      to: {circular: true},
    },
    {
      name: 'duckdb-only-in-node-api-driver',
      comment:
        'the store owns DuckDB through its driver seam: only src/lib/store/driver/node-api.ts imports @duckdb/node-api or @duckdb/node-bindings (value or type), so where their binary cannot load (the phone) nothing else needs them',
      severity: 'error',
      from: {path: '^src/', pathNot: '^src/lib/store/driver/node-api\\.ts$'},
      to: {path: '^@duckdb/|node_modules/@duckdb/'},
    },
    {
      name: 'drivers-loaded-lazily',
      comment:
        'a DuckDB driver is reached only through the dynamic import() in src/lib/store/driver/index.ts, once chosen: a static import would load it on every platform (ffi/error-types.ts, which loads no koffi, names both drivers\' error types)',
      severity: 'error',
      from: {path: '^src/', pathNot: '^src/lib/store/driver/ffi/'},
      to: {path: '^src/lib/store/driver/(node-api\\.ts$|ffi/)', pathNot: '^src/lib/store/driver/ffi/error-types\\.ts$', dependencyTypesNot: ['dynamic-import', 'type-only']},
    },
    {
      name: 'lib-not-commands',
      comment: 'src/lib never imports src/commands',
      severity: 'error',
      from: {path: '^src/lib/'},
      to: {path: '^src/commands/'},
    },
    {
      name: 'unplaced-module',
      comment: 'every module of src/lib has a place in the layer order (add a new folder to LAYERS)',
      severity: 'error',
      from: {path: '^src/lib/', pathNot: LAYERS.map(([, p]) => `(${p})`).join('|')},
      to: {},
    },
  ],
  options: {
    doNotFollow: {path: 'node_modules'},
    tsPreCompilationDeps: true,
    tsConfig: {fileName: 'tsconfig.json'},
    enhancedResolveOptions: {extensions: ['.ts', '.tsx', '.js', '.json']},
    exclude: {path: '^dist/'},
  },
}

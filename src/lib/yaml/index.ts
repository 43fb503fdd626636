export {checkAgainstSchema} from './schema-check.js'
export {YamlSource} from './source.js'
export type {YamlNode} from './source.js'

import {describe, expect, it} from 'vitest'

import {FindingSink} from '../../src/lib/findings.js'
import {checkAgainstSchema, YamlSource} from '../../src/lib/yaml/index.js'

const load = (text: string): {source: YamlSource; sink: FindingSink} => {
  const sink = new FindingSink('t.yaml')
  return {sink, source: new YamlSource(text, 't.yaml', sink)}
}

describe('YamlSource: every node knows where it came from', () => {
  const text = [
    'a:',
    '  plain: x + foo',
    '  double: "x + \\"foo"',
    "  single: 'it''s foo'",
    '  literal: |',
    '    x +',
    '      foo',
    '  folded: >-',
    '    x +',
    '    y + foo',
    '',
  ].join('\n')

  it.each([
    ['plain', 2, 14],
    ['double', 3, 18],
    ['single', 4, 18],
    ['literal', 7, 7],
    ['folded', 10, 9],
  ])('maps an offset inside a %s scalar to its file line:column', (key, line, column) => {
    const {source} = load(text)
    const node = source.nodeAt(['a', key])!
    const value = String((node as unknown as {value: unknown}).value)
    expect(source.valuePos(node, value.indexOf('foo'))).toEqual({column, line})
  })

  it('reports syntax errors and duplicate keys as findings, not exceptions', () => {
    const {sink, source} = load('a: 1\na: 2\nb: [1, 2\n')
    expect(source.hasSyntaxErrors).toBe(true)
    expect(sink.findings.map((f) => `${f.line}:${f.column} ${f.rule}`)).toContain('2:1 duplicate-key')
    expect(sink.findings.some((f) => f.rule === 'yaml-syntax')).toBe(true)
  })

  it('puts schema findings on the offending node', () => {
    const {sink, source} = load('name: 5\nextra: true\nlist:\n  - ok\n  - 7\n')
    const schema = {
      additionalProperties: false,
      properties: {list: {items: {type: 'string'}, type: 'array'}, name: {type: 'string'}, size: {type: 'number'}},
      required: ['size'],
      type: 'object',
    }
    expect(checkAgainstSchema(source, schema, sink)).toBe(false)
    expect(sink.findings.map((f) => `${f.line}:${f.column} ${f.message}`).sort()).toEqual([
      '1:1 missing required key "size"',
      '1:7 "name" must be string',
      '2:1 unknown key "extra"',
      '5:5 "list.1" must be string',
    ])
  })
})

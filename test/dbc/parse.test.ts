import {readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {loadDbcFile} from '../../src/lib/dbc/index.js'
import {FindingSink} from '../../src/lib/findings.js'
import {HEADER, message, run, signal} from './helpers.js'

// HEADER is 9 lines: the snippet under test starts at line 10.

describe('parseDbc: statements', () => {
  it('reads VERSION, BU_, a message and signals of both byte orders', () => {
    const {db, findings} = run(
      HEADER +
        'BO_ 496 ExampleMessage: 8 ECU\n' +
        ' SG_ Temperature : 0|12@0- (0.01,250) [229.52|270.47] "degK"  GW,ECU\n' +
        ' SG_ Speed : 16|16@1+ (0.1,-5) [0|6548] "km/h" GW ECU\n' +
        ' SG_ Flag : 63|1@1+ (1,0) [0|1] "" Vector__XXX\n',
    )
    expect(findings).toEqual([])
    expect(db.version).toBe('')
    expect(db.nodes).toEqual(['ECU', 'GW'])
    const m = message(db, 'ExampleMessage')
    expect(m).toMatchObject({id: 496, extended: false, sizeBytes: 8, fd: false, sender: 'ECU', pos: {line: 10, column: 9}})
    expect(m.positions).toEqual({id: {line: 10, column: 5}, size: {line: 10, column: 25}})
    const t = signal(db, 'ExampleMessage', 'Temperature')
    expect(t).toMatchObject({startBit: 0, length: 12, byteOrder: 'big_endian', signed: true, valueType: 'integer', scale: 0.01, offset: 250, min: 229.52, max: 270.47, unit: 'degK', receivers: ['GW', 'ECU'], isMultiplexer: false})
    expect(t.pos).toEqual({line: 11, column: 6})
    expect(t.positions).toMatchObject({startBit: {line: 11, column: 20}, length: {line: 11, column: 22}, min: {line: 11, column: 40}, max: {line: 11, column: 47}, unit: {line: 11, column: 55}})
    expect(signal(db, 'ExampleMessage', 'Speed')).toMatchObject({startBit: 16, length: 16, byteOrder: 'little_endian', signed: false, scale: 0.1, offset: -5, receivers: ['GW', 'ECU']})
    expect(signal(db, 'ExampleMessage', 'Flag').receivers).toEqual([])
  })

  it('accepts the tolerant real-world forms', () => {
    const {db, findings} = run(
      'VERSION "Sample"\n' +
        'BU_: Vector__XXX\n' +
        'BO_ 208 ID_D0: 8 Vector__XXX\t \n' +
        '    SG_ GYRO_YAW: 16|9@1- (0.005, 0) [-1.2775|1.2775] "rad/s" Vector__XXX   \n' +
        '\tSG_ SPEED : 0|16@1+ (1.55168902E-002 , 0) [0|3E+2] "" \n' +
        ' SG_ Big : 32|8@1+ (1e0,-1.5e1) [-3.4E+038|3.4E+038] ""\n' +
        'BO_ 209 Empty: 0 Vector__XXX\n' +
        'BO_ 210 NoSender: 8\n',
    )
    expect(findings).toEqual([])
    expect(signal(db, 'ID_D0', 'GYRO_YAW')).toMatchObject({startBit: 16, length: 9, signed: true, scale: 0.005, min: -1.2775, max: 1.2775})
    expect(signal(db, 'ID_D0', 'SPEED')).toMatchObject({scale: 0.0155168902, max: 300, unit: '', receivers: []})
    expect(signal(db, 'ID_D0', 'Big')).toMatchObject({scale: 1, offset: -15, min: -3.4e38, max: 3.4e38})
    expect(message(db, 'Empty').signals).toEqual([])
    expect(message(db, 'NoSender').sender).toBe('Vector__XXX')
  })

  it('strips bit 31 from extended ids and keeps message-level attributes', () => {
    const {db, findings} = run(
      'BO_ 2147558192 Foo: 8 FOO\n' +
        'BO_ 780 Bar: 64 FOO\n' +
        'BO_ 1 Fd: 8 FOO\n' +
        'BA_DEF_ BO_  "VFrameFormat" ENUM  "StandardCAN","ExtendedCAN","reserved","J1939PG","x","x","x","x","x","x","x","x","x","x","StandardCAN_FD","ExtendedCAN_FD";\n' +
        'BA_DEF_ BO_  "GenMsgCycleTime" INT 0 1000;\n' +
        'BA_DEF_DEF_  "GenMsgCycleTime" 100;\n' +
        'BA_DEF_DEF_  "VFrameFormat" "ExtendedCAN_FD";\n' +
        'BA_ "VFrameFormat" BO_ 2147558192 1;\n' +
        'BA_ "GenMsgCycleTime" BO_ 2147558192 20;\n' +
        'BA_ "VFrameFormat" BO_ 1 14;\n' +
        'BA_ "GenMsgCycleTime" BO_ 1 0;\n',
    )
    expect(findings).toEqual([])
    expect(message(db, 'Foo')).toMatchObject({id: 0x12330, extended: true, fd: false, cycleTimeMs: 20})
    expect(message(db, 'Foo').attributes.get('VFrameFormat')).toBe('ExtendedCAN')
    // The default cycle time applies; the VFrameFormat default does not (bit 31 decides).
    expect(message(db, 'Bar')).toMatchObject({id: 780, extended: false, fd: true, cycleTimeMs: 100})
    expect(message(db, 'Fd')).toMatchObject({id: 1, extended: false, fd: true})
    expect(message(db, 'Fd').cycleTimeMs).toBeUndefined()
  })

  it('reads simple, extended and nested multiplexing', () => {
    const {db, findings} = run(
      'BO_ 2147483649 Mux: 8 Vector__XXX\n' +
        ' SG_ B1 m1 : 24|8@1- (1,0) [0|0] "" Vector__XXX\n' +
        ' SG_ B0 m0 : 16|8@1- (1,0) [0|0] "" Vector__XXX\n' +
        ' SG_ A2_MUX_B m2M : 8|8@1- (1,0) [0|0] "" Vector__XXX\n' +
        ' SG_ A1 m1 : 8|8@1- (1,0) [0|0] "" Vector__XXX\n' +
        ' SG_ A345 m3 : 8|8@1- (1,0) [0|0] "" Vector__XXX\n' +
        ' SG_ MUX_A M : 0|8@1- (1,0) [0|0] "" Vector__XXX\n' +
        'SG_MUL_VAL_ 2147483649 B1 A2_MUX_B 1-1;\n' +
        'SG_MUL_VAL_ 2147483649 B0 A2_MUX_B 0-0;\n' +
        'SG_MUL_VAL_ 2147483649 A2_MUX_B MUX_A 2-2;\n' +
        'SG_MUL_VAL_ 2147483649 A345 MUX_A 3-3, 4-5;\n',
      {lint: true},
    )
    expect(findings).toEqual([])
    expect(signal(db, 'Mux', 'MUX_A')).toMatchObject({isMultiplexer: true})
    expect(signal(db, 'Mux', 'MUX_A').multiplexerValues).toBeUndefined()
    expect(signal(db, 'Mux', 'A1')).toMatchObject({isMultiplexer: false, multiplexerSwitch: 'MUX_A', multiplexerValues: [1]})
    expect(signal(db, 'Mux', 'A2_MUX_B')).toMatchObject({isMultiplexer: true, multiplexerSwitch: 'MUX_A', multiplexerValues: [2]})
    expect(signal(db, 'Mux', 'B0')).toMatchObject({multiplexerSwitch: 'A2_MUX_B', multiplexerValues: [0]})
    expect(signal(db, 'Mux', 'A345')).toMatchObject({multiplexerSwitch: 'MUX_A', multiplexerValues: [3, 4, 5]})
    expect(signal(db, 'Mux', 'A345').positions?.multiplexerSwitch).toEqual({line: 11, column: 29})
  })

  it('reads value tables and labels: negative values, odd labels, a table named by VAL_', () => {
    const {db, findings} = run(
      'VAL_TABLE_ Bar 6 "reserved" 1 "#%=*\'" 0 "With space" -5 "A negative value" ;\n' +
        'VAL_TABLE_ Empty  ;\n' +
        'BO_ 0 Foo: 8 Vector__XXX\n' +
        ' SG_ Foo : 0|8@1- (1,0) [-128|127] "" Vector__XXX\n' +
        ' SG_ Big : 8|56@1+ (1,0) [0|0] "" Vector__XXX\n' +
        ' SG_ Named : 0|8@1- (1,0) [0|0] "" Vector__XXX\n' +
        'VAL_ 0 Foo 6 "reserved" 1 "#%=*\'" 0 "With space" -5 "A negative value" ;\n' +
        'VAL_ 0 Big 72057594037927935 "all ones" ;\n' +
        'VAL_ 0 Named Bar;\n' +
        'VAL_ EnvVar 0 "off" 1 "on";\n',
    )
    expect(findings).toEqual([])
    expect(db.valueTables.get('Bar')?.get(-5n)).toBe('A negative value')
    expect(db.valueTables.get('Empty')?.size).toBe(0)
    const foo = signal(db, 'Foo', 'Foo').choices
    expect([...(foo ?? [])]).toEqual([[6n, 'reserved'], [1n, "#%=*'"], [0n, 'With space'], [-5n, 'A negative value']])
    expect(signal(db, 'Foo', 'Big').choices?.get(72057594037927935n)).toBe('all ones')
    expect(signal(db, 'Foo', 'Named').choices?.get(0n)).toBe('With space')
  })

  it('reads SIG_VALTYPE_, comments and signal attributes', () => {
    const {db, findings} = run(
      'BO_ 1024 M: 8 N\n' +
        ' SG_ F64 : 0|64@1- (1,0) [0|0] "" Vector__XXX\n' +
        'BO_ 1025 N: 8 N\n' +
        ' SG_ F32 : 0|32@1- (1,0) [0|0] "" Vector__XXX\n' +
        ' SG_ I : 32|32@1- (1,0) [0|0] "" Vector__XXX\n' +
        'CM_ "The database.";\n' +
        'CM_ BU_ N "fam \\"1\\"";\n' +
        'CM_ BO_ 1024 "Line one\n' +
        'line two // not a comment";\n' +
        'CM_ SG_ 1025 F32 "A float.";  // a real comment\n' +
        'CM_ EV_ Env "ignored";\n' +
        'BA_DEF_ SG_  "GenSigStartValue" INT -2147483648 2147483647;\n' +
        'BA_DEF_DEF_  "GenSigStartValue" 0;\n' +
        'BA_DEF_  "BusType" STRING ;\n' +
        'BA_DEF_ BU_  "NodeThing" HEX 0 255;\n' +
        'BA_DEF_  "AFloat" FLOAT 0 100;\n' +
        'BA_DEF_REL_ BU_SG_REL_  "GenSigTimeoutTime" INT 0 65535;\n' +
        'BA_DEF_DEF_REL_ "GenSigTimeoutTime" 0;\n' +
        'BA_ "BusType" "CAN FD";\n' +
        'BA_ "AFloat" 33.5;\n' +
        'BA_ "NodeThing" BU_ N 3;\n' +
        'BA_ "GenSigStartValue" SG_ 1025 I -30000;\n' +
        'BA_ "X" EV_ Env 1;\n' +
        'BA_REL_ "GenSigTimeoutTime" BU_SG_REL_ N SG_ 1025 I 200;\n' +
        'BA_REL_ "Y" BU_BO_REL_ N 1024 2;\n' +
        'SIG_VALTYPE_ 1024 F64 : 2;\n' +
        'SIG_VALTYPE_ 1025 F32 : 1;\n',
    )
    expect(findings).toEqual([])
    expect(db.comment).toBe('The database.')
    expect(db.attributes).toEqual(new Map<string, string | number>([['BusType', 'CAN FD'], ['AFloat', 33.5]]))
    expect(message(db, 'M').comment).toBe('Line one\nline two // not a comment')
    expect(signal(db, 'M', 'F64').valueType).toBe('float64')
    expect(signal(db, 'N', 'F32')).toMatchObject({valueType: 'float32', comment: 'A float.', initialRaw: 0})
    expect(signal(db, 'N', 'F32').positions?.valueType).toEqual({line: 27, column: 25})
    expect(signal(db, 'N', 'I')).toMatchObject({valueType: 'integer', initialRaw: -30000})
    expect(signal(db, 'N', 'I').attributes.get('GenSigStartValue')).toBe(-30000)
  })

  it('checks and drops the statements pitwall does not model', () => {
    const {db, findings} = run(
      'BO_ 100 M: 8 A\n' +
        ' SG_ S : 0|8@1+ (1,0) [0|0] "" B\n' +
        'BO_TX_BU_ 100 : A,B;\n' +
        'EV_ Env: 0 [0|100] "" 0 1 DUMMY_NODE_VECTOR0 Vector__XXX;\n' +
        'ENVVAR_DATA_ Env: 4;\n' +
        'SGTYPE_ T : 8@1+ (1,0) [0|0] "" 0 ;\n' +
        'SIG_GROUP_ 100 G 1 : S;\n' +
        'SIG_TYPE_REF_ 100 S : T;\n' +
        'CAT_DEF_ 1 Cat 0;\n' +
        'CAT_ BO_ 100 1;\n' +
        'FILTER 0 "x";\n' +
        'BA_DEF_SGTYPE_ "A" INT 0 1;\n' +
        'SIGTYPE_VALTYPE_ T : 1;\n',
    )
    expect(findings).toEqual([])
    expect(message(db, 'M').transmitters).toEqual(['A', 'B'])
  })

  it('accepts // comments anywhere outside strings', () => {
    const {db, findings} = run('// A comment.\nVERSION "2.0" // Another comment.\nBO_ 1 M: 8 N // trailing\n // indented\n SG_ S : 0|8@1+ (1,0) [0|0] "" N // x\n')
    expect(findings).toEqual([])
    expect(db.version).toBe('2.0')
    expect(message(db, 'M').signals).toHaveLength(1)
  })
})

describe('parseDbc: text', () => {
  it('handles CRLF, a BOM, and counts columns in characters', () => {
    const text = '\ufeffBO_ 1 M: 8 N\r\n SG_ S : 0|8@1+ (1,0) [0|0] "°C" N\r\nCM_ SG_ 1 S "é😀"; BA_ "x" BO_ 9 1;\r\n'
    const {db, findings} = run(text)
    expect(message(db, 'M').pos).toEqual({line: 1, column: 7})
    expect(signal(db, 'M', 'S').unit).toBe('°C')
    // The astral emoji counts as one column: the id 9 of the BA_ is at column 31, not 32.
    expect(findings).toEqual(['3:31 warning unknown-reference'])
  })

  it('decodes non-UTF-8 bytes as cp1252', () => {
    const bytes = Buffer.concat([Buffer.from('BO_ 1 M: 8 N\n SG_ S : 0|8@1+ (1,0) [0|0] "'), Buffer.from([0xb0, 0x2f, 0x73]), Buffer.from('" N\nCM_ BO_ 1 "'), Buffer.from([0x80, 0x9c, 0xe4]), Buffer.from('";\n')])
    const {db, findings} = run(bytes)
    expect(findings).toEqual([])
    expect(signal(db, 'M', 'S').unit).toBe('°/s')
    expect(message(db, 'M').comment).toBe('€œä')
  })
})

describe('parseDbc: errors, with positions', () => {
  it('names the expected and the found token', () => {
    const {messages} = run('BO_ 1 M: 8 N\n SG_ S : 0|8@2+ (1,0) [0|0] "" N\n')
    expect(messages).toEqual(['2:13 dbc-syntax: expected "@0" or "@1" after the signal length, found "@2"'])
  })

  it('reports a missing colon, a bad number and a bad sign, and goes on after each', () => {
    const {db, messages} = run(
      'BO_ 1 M: 8 N\n' +
        ' SG_ A 0|8@1+ (1,0) [0|0] "" N\n' +
        ' SG_ B : x|8@1+ (1,0) [0|0] "" N\n' +
        ' SG_ C : 0|8@1* (1,0) [0|0] "" N\n' +
        ' SG_ D : 0|8.5@1+ (1,0) [0|0] "" N\n' +
        ' SG_ E : 8|8@1+ (1,0) [0|0] "" N\n',
    )
    expect(messages).toEqual([
      '2:8 dbc-syntax: expected ":" after the signal name, found "0"',
      '3:10 dbc-syntax: expected the start bit (a non-negative integer) after ":", found "x"',
      '4:15 dbc-syntax: expected "+" (unsigned) or "-" (signed) after the byte order, found "*"',
      '5:12 dbc-syntax: expected the signal length (a non-negative integer) after "|", found "8.5"',
    ])
    expect(message(db, 'M').signals.map((s) => s.name)).toEqual(['E'])
  })

  it('reports a missing piece at the end of its line', () => {
    const {messages} = run('BO_ 1 M: 8 N\n SG_ A : 0|8@1+ (1,0) [0|0]\nVAL_ 1 A 0 "x"\nCM_ "y";\n')
    expect(messages).toEqual([
      '2:28 dbc-syntax: expected the unit string after the range, found end of line',
      '3:15 dbc-syntax: expected a value or ";" in the VAL_ list, found end of line',
    ])
  })

  it('stops an unterminated string at the next statement line', () => {
    const {db, messages} = run('BO_ 1 M: 8 N\nCM_ BO_ 1 "oops;\nCM_ "fine";\n')
    expect(messages).toEqual(['2:11 dbc-syntax: unterminated string: the closing quote is missing'])
    expect(db.comment).toBe('fine')
  })

  it('warns about an unknown keyword and skips its statement', () => {
    const {db, findings} = run('FOO_ 1 2 "x;y";\nBAR_ 3;\nBO_ 1 M: 8 N\n')
    expect(findings).toEqual(['1:1 warning dbc-syntax', '2:1 warning dbc-syntax'])
    expect(db.messages).toHaveLength(1)
  })

  it('rejects stray tokens, SG_ outside a message, and junk after a BO_', () => {
    const {db, messages} = run(' SG_ A : 0|8@1+ (1,0) [0|0] "" N\nBO_ 1 M: 8 N extra\n SG_ B : 0|8@1+ (1,0) [0|0] "" N\nBO_ 2 K: 8 N\n123 ;\n')
    expect(messages).toEqual([
      '1:2 dbc-syntax: SG_ must follow a BO_ line or another SG_ line',
      '2:14 dbc-syntax: expected end of line after the sending node, found "extra"',
      '5:1 dbc-syntax: expected a statement keyword such as BO_ or SG_ at the start of a statement, found "123"',
    ])
    // The SG_ under the broken BO_ does not land in another message.
    expect(db.messages.map((m) => [m.name, m.signals.length])).toEqual([['K', 0]])
  })

  it('rejects bad SIG_VALTYPE_ values and bad SG_MUL_VAL_ ranges', () => {
    const {messages} = run('BO_ 1 M: 8 N\n SG_ A M : 0|8@1+ (1,0) [0|0] "" N\n SG_ B m1 : 8|8@1+ (1,0) [0|0] "" N\nSIG_VALTYPE_ 1 A : 3;\nSG_MUL_VAL_ 1 B A 5-2;\n')
    expect(messages).toEqual([
      '4:20 dbc-syntax: expected the value type (an integer from 0 to 2) after the signal name, found "3"',
      '5:19 dbc-syntax: the value range 5-2 ends before it starts',
    ])
  })

  it('warns about references to messages and signals nobody declares', () => {
    const {messages} = run(
      'BO_ 1 M: 8 N\n SG_ A : 0|8@1+ (1,0) [0|0] "" N\n' +
        'VAL_ 2 A 0 "x";\nVAL_ 1 Z 0 "x";\nSIG_VALTYPE_ 1 Q : 1;\nCM_ BO_ 2147483650 "x";\nCM_ SG_ 1 Y "y";\nBA_ "GenMsgCycleTime" BO_ 3 10;\nBA_ "S" SG_ 1 W 1;\n' +
        'VAL_ 1 A NoTable;\nSG_MUL_VAL_ 1 A NoSwitch 1-1;\n',
    )
    expect(messages).toEqual([
      '10:10 unknown-reference: VAL_ names value table "NoTable", which no VAL_TABLE_ declares',
      '6:9 unknown-reference: CM_ names message id 2147483650 (extended 0x2), which no BO_ declares',
      '8:27 unknown-reference: BA_ names message id 3, which no BO_ declares',
      '3:6 unknown-reference: VAL_ names message id 2, which no BO_ declares',
      '4:8 unknown-reference: VAL_ names signal "Z", which message "M" does not have',
      '5:16 unknown-reference: SIG_VALTYPE_ names signal "Q", which message "M" does not have',
      '7:11 unknown-reference: CM_ names signal "Y", which message "M" does not have',
      '9:15 unknown-reference: BA_ names signal "W", which message "M" does not have',
      '11:17 unknown-reference: SG_MUL_VAL_ names switch "NoSwitch", which message "M" does not have',
    ])
  })

  it('does not report references to a message or signal whose line failed to parse', () => {
    const {findings} = run('BO_ 7 M: x N\nBO_ 1 K: 8 N\n SG_ A : 0|8@9+ (1,0) [0|0] "" N\nCM_ BO_ 7 "x";\nCM_ SG_ 1 A "y";\n')
    expect(findings).toEqual(['1:10 error dbc-syntax', '3:13 error dbc-syntax'])
  })

  it('never throws, whatever the bytes', () => {
    const samples = ['', '"', 'BO_', 'BO_ 1', 'SG_', 'BA_DEF_ BO_ "x" ENUM "a",', 'CM_ SG_', '\u0000\u0001\u00ff', 'VAL_ 1 A 1', 'NS_ :']
    for (const s of samples) expect(() => run(s, {lint: true})).not.toThrow()
  })
})

describe('loadDbcFile', () => {
  it('reports an unreadable file at 1:1 and returns undefined', async () => {
    const sink = new FindingSink('x.dbc')
    const db = await loadDbcFile(path.join(os.tmpdir(), 'pitwall-no-such-file.dbc'), sink, 'cars/x.dbc')
    expect(db).toBeUndefined()
    expect(sink.findings.map((f) => [f.line, f.column, f.severity, f.rule])).toEqual([[1, 1, 'error', 'file-unreadable']])
    expect(sink.findings[0]!.message).toContain('cars/x.dbc')
  })

  it('reads and parses a file, naming it by the display path', async () => {
    const file = path.resolve(__dirname, '../../../shared/fixtures/cantools/dbc/motohawk.dbc')
    const db = await loadDbcFile(file, new FindingSink('m'), 'motohawk.dbc')
    expect(db?.file).toBe('motohawk.dbc')
    expect(db?.messages).toHaveLength(1)
  })
})

describe('parseDbc: robustness', () => {
  const seed = readFileSync(path.resolve(__dirname, '../../../shared/fixtures/cantools/dbc/multiplex_2.dbc'), 'latin1')

  it('never throws on mutated real files', () => {
    const edit = fc.record({at: fc.nat(seed.length), cut: fc.nat(12), insert: fc.string({maxLength: 6, unit: fc.constantFrom('"', ';', ':', '|', '@', '-', ' ', '\n', 'M', 'm1', '1', 'SG_ ', 'BO_ ', '\\', '//', '😀')})})
    fc.assert(
      fc.property(fc.array(edit, {minLength: 1, maxLength: 6}), (edits) => {
        let text = seed
        for (const e of edits) text = text.slice(0, e.at) + e.insert + text.slice(e.at + e.cut)
        const {findings} = run(text, {lint: true})
        // Every finding points inside the text.
        const lines = text.split('\n').length
        for (const f of findings) expect(Number(f.split(':')[0])).toBeLessThanOrEqual(lines)
      }),
      {numRuns: 300},
    )
  })
})

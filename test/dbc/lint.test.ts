import {describe, expect, it} from 'vitest'

import {run} from './helpers.js'

const lint = (text: string): string[] => run(text, {lint: true}).messages

describe('lintDbc: frames', () => {
  it('frame-id-range: standard above 0x7FF, extended above 0x1FFFFFFF', () => {
    expect(lint('BO_ 2048 A: 8 N\nBO_ 2047 B: 8 N\nBO_ 2684354560 C: 8 N\nBO_ 2684354559 D: 8 N\n')).toEqual([
      '1:5 frame-id-range: standard id 0x800 of "A" is above 0x7FF',
      '3:5 frame-id-range: extended id 0x20000000 of "C" is above 0x1FFFFFFF',
    ])
  })

  it('frame-size: only CAN and CAN FD payload lengths', () => {
    expect(lint('BO_ 1 A: 9 N\nBO_ 2 B: 65 N\nBO_ 3 C: 12 N\nBO_ 4 D: 0 N\n')).toEqual([
      '1:10 frame-size: "A" declares 9 bytes; a CAN frame carries 0..8 bytes, CAN FD also 12, 16, 20, 24, 32, 48 or 64',
      '2:10 frame-size: "B" declares 65 bytes; a CAN frame carries 0..8 bytes, CAN FD also 12, 16, 20, 24, 32, 48 or 64',
    ])
  })

  it('duplicate-message: same name, or same id and id width', () => {
    expect(lint('BO_ 1 A: 8 N\nBO_ 2 A: 8 N\nBO_ 1 B: 8 N\nBO_ 2147483649 C: 8 N\n')).toEqual([
      '2:7 duplicate-message: message "A" is declared twice (first at line 1)',
      '3:5 duplicate-message: message "B" has the same standard id 0x1 as "A" (line 1)',
    ])
  })

  it('frame-format-mismatch: VFrameFormat against the bit-31 marker', () => {
    const {db, messages} = run(
      'BO_ 2147483649 A: 8 N\nBO_ 2 B: 8 N\n' +
        'BA_DEF_ BO_ "VFrameFormat" ENUM "StandardCAN","ExtendedCAN";\n' +
        'BA_ "VFrameFormat" BO_ 2147483649 0;\nBA_ "VFrameFormat" BO_ 2 1;\n',
      {lint: true},
    )
    expect(messages).toEqual([
      '4:35 frame-format-mismatch: VFrameFormat of "A" says StandardCAN, but its BO_ id has the extended bit (31) set; treated as extended',
      '5:26 frame-format-mismatch: VFrameFormat of "B" says ExtendedCAN, but its BO_ id lacks the extended bit (31); treated as extended',
    ])
    expect(db.messages.map((m) => m.extended)).toEqual([true, true])
  })

  it('leaves VECTOR__INDEPENDENT_SIG_MSG alone', () => {
    expect(lint('BO_ 3221225472 VECTOR__INDEPENDENT_SIG_MSG: 0 Vector__XXX\n SG_ Orphan : 0|8@1+ (1,0) [0|0] "" Vector__XXX\n')).toEqual([])
  })
})

describe('lintDbc: signals', () => {
  it('signal-out-of-frame: both byte orders, the Motorola sawtooth, and bad lengths', () => {
    expect(
      lint(
        'BO_ 1 M: 2 N\n' +
          ' SG_ Intel : 12|8@1+ (1,0) [0|0] "" N\n' +
          ' SG_ Moto : 0|12@0+ (1,0) [0|0] "" N\n' +
          ' SG_ MotoOk : 7|16@0+ (1,0) [0|0] "" N\n' +
          ' SG_ Zero : 0|0@1+ (1,0) [0|0] "" N\n' +
          ' SG_ Long : 0|65@1+ (1,0) [0|0] "" N\n',
      ).filter((m) => !m.includes('signal-overlap')),
    ).toEqual([
      '2:14 signal-out-of-frame: signal "Intel" (12|8@1) reaches bit 19, but the 2-byte message "M" ends at bit 15',
      '3:13 signal-out-of-frame: signal "Moto" (0|12@0) reaches bit 23, but the 2-byte message "M" ends at bit 15',
      '5:15 signal-out-of-frame: signal "Zero" has length 0; a signal is 1 to 64 bits long',
      '6:15 signal-out-of-frame: signal "Long" has length 65; a signal is 1 to 64 bits long',
    ])
  })

  it('duplicate-signal', () => {
    expect(lint('BO_ 1 M: 8 N\n SG_ A : 0|8@1+ (1,0) [0|0] "" N\n SG_ A : 8|8@1+ (1,0) [0|0] "" N\n')).toEqual([
      '3:6 duplicate-signal: signal "A" appears twice in message "M" (first at line 2)',
    ])
  })

  it('unreachable-range: flags bounds the field cannot reach, never [0|0], not float noise', () => {
    expect(
      lint(
        'BO_ 1 M: 8 N\n' +
          ' SG_ None : 0|4@1- (1,-5) [0|0] "" N\n' +
          ' SG_ Steer : 4|4@1- (1,-5) [-5|5] "" N\n' +
          ' SG_ Tenth : 8|16@1+ (0.1,0) [0|6553.5] "" N\n' +
          ' SG_ Rounded : 24|16@1+ (0.0155168902,0) [0|1016.91] "" N\n' +
          ' SG_ Neg : 47|12@0+ (-0.01,4100) [4059.05|4100] "" N\n' +
          ' SG_ Fuel : 56|8@1+ (2.155,6.315) [0|61] "" N\n',
      ),
    ).toEqual([
      '3:32 unreachable-range: declared maximum 5 of signal "Steer" is out of reach: the field (4-bit signed, scale 1, offset -5) gives -13 .. 2',
      '7:36 unreachable-range: declared minimum 0 of signal "Fuel" is out of reach: the field (8-bit unsigned, scale 2.155, offset 6.315) gives 6.315 .. 555.84',
    ])
  })

  it('unreachable-range: float signals only when absurd; 64-bit bounds with float rounding pass', () => {
    expect(
      lint(
        'BO_ 1 M: 16 N\n' +
          ' SG_ F : 0|32@1- (1,0) [-3.4E+038|3.4E+038] "" N\n' +
          ' SG_ G : 32|32@1- (1,0) [0|1E+039] "" N\n' +
          ' SG_ S64 : 64|64@1- (1,0) [-9.22337203685478E+018|9.22337203685478E+018] "" N\n' +
          'SIG_VALTYPE_ 1 F : 1;\nSIG_VALTYPE_ 1 G : 1;\n',
      ),
    ).toEqual(['3:28 unreachable-range: declared maximum 1e+39 of signal "G" is out of reach: the field (float32, scale 1, offset 0) gives -3.402823466e+38 .. 3.402823466e+38'])
  })

  it('unknown-unit, but an empty unit is fine', () => {
    expect(lint('BO_ 1 M: 8 N\n SG_ A : 0|8@1+ (1,0) [0|0] "furlongs" N\n SG_ B : 8|8@1+ (1,0) [0|0] "" N\n SG_ C : 16|8@1+ (1,0) [0|0] "degC" N\n')).toEqual([
      '2:29 unknown-unit: unknown unit "furlongs" on signal "A"',
    ])
  })

  it('float-length: float32 must be 32 bits, float64 64', () => {
    expect(lint('BO_ 1 M: 8 N\n SG_ A : 0|16@1- (1,0) [0|0] "" N\n SG_ B : 16|32@1- (1,0) [0|0] "" N\nSIG_VALTYPE_ 1 A : 1;\nSIG_VALTYPE_ 1 B : 2;\n')).toEqual([
      '4:20 float-length: signal "A" is declared float32 by SIG_VALTYPE_ but is 16 bits long, not 32',
      '5:20 float-length: signal "B" is declared float64 by SIG_VALTYPE_ but is 32 bits long, not 64',
    ])
  })

  it('multiplexer-missing: mN without M, or SG_MUL_VAL_ naming a plain signal', () => {
    expect(lint('BO_ 1 M: 8 N\n SG_ A m1 : 0|8@1+ (1,0) [0|0] "" N\nBO_ 2 K: 8 N\n SG_ P : 0|8@1+ (1,0) [0|0] "" N\n SG_ Q m1 : 8|8@1+ (1,0) [0|0] "" N\nSG_MUL_VAL_ 2 Q P 1-1;\n')).toEqual([
      '2:8 multiplexer-missing: signal "A" is multiplexed (m1), but message "M" has no multiplexer switch (M)',
      '6:17 multiplexer-missing: signal "Q" is selected by "P", which is not a multiplexer switch (M or mNM)',
    ])
  })
})

describe('lintDbc: signal-overlap per multiplexer branch (cantools strict)', () => {
  const mux = (signals: string, extra = ''): string[] => lint(`BO_ 1 M: 8 N\n SG_ S M : 0|8@1+ (1,0) [0|0] "" N\n${signals}${extra}`)

  it('always-present signals may not share a bit; reported at the later one, naming the earlier', () => {
    expect(lint('BO_ 1 M: 8 N\n SG_ A : 0|8@1+ (1,0) [0|0] "" N\n SG_ B : 7|8@0+ (1,0) [0|0] "" N\n SG_ C : 4|8@1+ (1,0) [0|0] "" N\n')).toEqual([
      '3:6 signal-overlap: signal "B" overlaps "A" (bits 0..7) in message "M"',
      '4:6 signal-overlap: signal "C" overlaps "A" (bits 4..7), "B" (bits 4..7) in message "M"',
    ])
  })

  it('different values of one switch may overlap', () => {
    expect(mux(' SG_ A m0 : 8|8@1+ (1,0) [0|0] "" N\n SG_ B m1 : 8|16@1+ (1,0) [0|0] "" N\n')).toEqual([])
  })

  it('a multiplexed signal may not overlap an always-present one, nor its switch', () => {
    expect(mux(' SG_ A m0 : 8|8@1+ (1,0) [0|0] "" N\n SG_ P : 12|8@1+ (1,0) [0|0] "" N\n SG_ B m1 : 4|8@1+ (1,0) [0|0] "" N\n')).toEqual([
      '4:6 signal-overlap: signal "P" overlaps "A" (bits 12..15) in message "M"',
      '5:6 signal-overlap: signal "B" overlaps "S" (bits 4..7) in message "M"',
    ])
  })

  it('values shared through SG_MUL_VAL_ ranges collide', () => {
    expect(mux(' SG_ A m0 : 8|8@1+ (1,0) [0|0] "" N\n SG_ B m3 : 8|8@1+ (1,0) [0|0] "" N\n', 'SG_MUL_VAL_ 1 A S 1-1, 3-4;\n')).toEqual([
      '4:6 signal-overlap: signal "B" overlaps "A" (bits 8..15) in message "M"',
    ])
  })

  it('signals under two independent switches may not overlap', () => {
    expect(mux(' SG_ T M : 8|8@1+ (1,0) [0|0] "" N\n SG_ A m0 : 16|8@1+ (1,0) [0|0] "" N\n SG_ B m1 : 16|8@1+ (1,0) [0|0] "" N\n', 'SG_MUL_VAL_ 1 A S 0-0;\nSG_MUL_VAL_ 1 B T 1-1;\n')).toEqual([
      '5:6 signal-overlap: signal "B" overlaps "A" (bits 16..23) in message "M"',
    ])
  })

  it('nested switches: exclusive at the outer switch, colliding within one inner branch', () => {
    const nested =
      ' SG_ Inner m2M : 8|8@1+ (1,0) [0|0] "" N\n' +
      ' SG_ Outer1 m1 : 8|16@1+ (1,0) [0|0] "" N\n' +
      ' SG_ In0 m0 : 16|8@1+ (1,0) [0|0] "" N\n' +
      ' SG_ In0b m0 : 20|8@1+ (1,0) [0|0] "" N\n' +
      ' SG_ In1 m1 : 16|16@1+ (1,0) [0|0] "" N\n'
    const links = 'SG_MUL_VAL_ 1 In0 Inner 0-0;\nSG_MUL_VAL_ 1 In0b Inner 0-0;\nSG_MUL_VAL_ 1 In1 Inner 1-1;\nSG_MUL_VAL_ 1 Inner S 2-2;\n'
    expect(mux(nested, links)).toEqual(['6:6 signal-overlap: signal "In0b" overlaps "In0" (bits 20..23) in message "M"'])
  })
})

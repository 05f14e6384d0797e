import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/canonical/canonicalJson.ts';

/** An IEEE 754 double from its 64-bit pattern, so the number vectors are exact. */
function double(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt('0x' + hex));
  return view.getFloat64(0);
}

describe('canonicalJson', () => {
  it('serialises the JSON literals and an empty object and array', () => {
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson(false)).toBe('false');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson([])).toBe('[]');
  });

  it('writes no whitespace and sorts nested members', () => {
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: 'x' })).toBe('{"a":"x","b":[1,{"c":2,"d":1}]}');
  });

  it('sorts member names by UTF-16 code units, not code points', () => {
    // The emoji's lead surrogate (0xD83D) sorts before U+FB33 although its code point is larger.
    const input = { '\u20ac': 'Euro', '\r': 'CR', '\ufb33': 'Hebrew', '1': 'One', '\ud83d\ude00': 'Emoji', '\u0080': 'Control', '\u00f6': 'Umlaut' };
    expect(canonicalJson(input)).toBe(
      '{"\\r":"CR","1":"One","\u0080":"Control","\u00f6":"Umlaut","\u20ac":"Euro","\ud83d\ude00":"Emoji","\ufb33":"Hebrew"}',
    );
  });

  it('sorts upper case before lower case and shorter prefixes first', () => {
    expect(canonicalJson({ b: 1, B: 2, aa: 3, a: 4, '': 5 })).toBe('{"":5,"B":2,"a":4,"aa":3,"b":1}');
  });

  it('escapes strings minimally: quote, backslash and control characters only', () => {
    const input = '\u20ac$\u000F\u000aA\'\u0042\u0022\u005c\\"/';
    expect(canonicalJson(input)).toBe('"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"');
    expect(canonicalJson('\b\t\n\f\r\u0000\u001f\u007f')).toBe('"\\b\\t\\n\\f\\r\\u0000\\u001f\u007f"');
    expect(canonicalJson('\u2028\u2029 é 😀')).toBe('"\u2028\u2029 é 😀"');
  });

  it('canonicalises a mixed document as RFC 8785 section 3.2.2 describes', () => {
    const input = {
      numbers: [333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001],
      string: '\u20ac$\u000F\u000aA\'\u0042\u0022\u005c\\"/',
      literals: [null, true, false],
    };
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  // Bit patterns and expected text in the manner of RFC 8785 appendix B.
  const numberVectors: Array<[string, string]> = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];

  it.each(numberVectors)('serialises the double 0x%s as %s', (bits, text) => {
    expect(canonicalJson(double(bits))).toBe(text);
  });

  it('serialises numbers in ECMAScript form around the exponent thresholds', () => {
    expect(canonicalJson([1e21, 1e20, 1e-7, 1e-6, -0, 0.1, 1.5, -42, 100])).toBe('[1e+21,100000000000000000000,1e-7,0.000001,0,0.1,1.5,-42,100]');
  });

  it('refuses non-finite numbers', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson({ a: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => canonicalJson([Number.NEGATIVE_INFINITY])).toThrow(TypeError);
    expect(() => canonicalJson(double('7fffffffffffffff'))).toThrow(TypeError);
    expect(() => canonicalJson(double('7ff0000000000000'))).toThrow(TypeError);
  });

  it('skips object members whose value is undefined', () => {
    expect(canonicalJson({ a: undefined, b: 1, c: { d: undefined } })).toBe('{"b":1,"c":{}}');
  });

  it('refuses undefined inside an array and at the top level', () => {
    expect(() => canonicalJson([1, undefined])).toThrow(TypeError);
    // A hole reads as undefined too.
    // eslint-disable-next-line no-sparse-arrays
    expect(() => canonicalJson([1, , 2])).toThrow(TypeError);
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });

  it('refuses lone surrogates in values and in member names', () => {
    expect(() => canonicalJson('\ud800')).toThrow(TypeError);
    expect(() => canonicalJson('a\udc00b')).toThrow(TypeError);
    expect(() => canonicalJson('\ude00\ud83d')).toThrow(TypeError);
    expect(() => canonicalJson({ '\ud83d': 1 })).toThrow(TypeError);
    expect(() => canonicalJson({ a: ['ok', '\udfff'] })).toThrow(TypeError);
  });

  it('refuses values JSON cannot represent', () => {
    expect(() => canonicalJson(1n)).toThrow(TypeError);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(TypeError);
    expect(() => canonicalJson([Symbol('s')])).toThrow(TypeError);
  });

  it('uses toJSON where a value has one, as JSON.stringify does', () => {
    expect(canonicalJson({ at: new Date(Date.UTC(2026, 10, 22, 10)) })).toBe('{"at":"2026-11-22T10:00:00.000Z"}');
  });

  it('agrees with JSON.stringify on a document whose members are already sorted', () => {
    const doc = { a: [1, 2.5, 'x\ny', null, true], b: { c: 'é😀', d: -1e-9 }, e: '' };
    expect(canonicalJson(doc)).toBe(JSON.stringify(doc));
  });

  it('yields the same text for an object whatever its insertion order', () => {
    const a = { x: 1, y: { p: [1, 2], q: 'z' }, z: null };
    const b = { z: null, y: { q: 'z', p: [1, 2] }, x: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });
});

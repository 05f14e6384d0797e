import { describe, expect, it } from 'vitest';
import { VellumError } from '../../src/errors/registry.ts';
import { decodeCursor, encodeCursor } from '../../src/query/cursor.ts';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

function expectInvalid(cursor: string): void {
  let caught: unknown;
  try {
    decodeCursor(cursor);
  } catch (e) {
    caught = e;
  }
  expect(caught, `cursor ${JSON.stringify(cursor)}`).toBeInstanceOf(VellumError);
  expect((caught as VellumError).code).toBe('INVALID_CURSOR');
  expect((caught as VellumError).status).toBe(400);
}

describe('cursor', () => {
  it('round-trips a sort key through an opaque base64url string', () => {
    for (const k of [0, 1, 42, 123_456_789, Number.MAX_SAFE_INTEGER]) {
      const cursor = encodeCursor({ k });
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor)).toEqual({ k });
    }
  });

  it('encodes base64url JSON of the key', () => {
    expect(encodeCursor({ k: 7 })).toBe(b64('{"k":7}'));
  });

  it('round-trips an entity search\'s stream version beside the key, and leaves it out when there is none', () => {
    for (const s of [0, 1, 99, Number.MAX_SAFE_INTEGER]) {
      const cursor = encodeCursor({ k: Number.MAX_SAFE_INTEGER, s });
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor)).toEqual({ k: Number.MAX_SAFE_INTEGER, s });
    }
    expect(encodeCursor({ k: 7, s: 3 })).toBe(b64('{"k":7,"s":3}'));
    expect(encodeCursor({ k: 7, s: undefined })).toBe(b64('{"k":7}'));
    expect(decodeCursor(encodeCursor({ k: 7 }))).not.toHaveProperty('s');
    expect(() => encodeCursor({ k: 7, s: -1 })).toThrow(RangeError);
  });

  it('refuses to encode a key that is not a non-negative safe integer', () => {
    expect(() => encodeCursor({ k: -1 })).toThrow(RangeError);
    expect(() => encodeCursor({ k: 1.5 })).toThrow(RangeError);
    expect(() => encodeCursor({ k: 2 ** 53 })).toThrow(RangeError);
  });

  it.each([
    ['an empty string', ''],
    ['characters outside base64url', 'eyJrIjo3fQ=='],
    ['spaces', 'eyJr Ijo3fQ'],
    ['something that is not JSON', b64('not json')],
    ['truncated base64', encodeCursor({ k: 7 }).slice(0, -2)],
    ['a JSON number', b64('7')],
    ['null', b64('null')],
    ['an array', b64('[7]')],
    ['an object without k', b64('{}')],
    ['extra members', b64('{"k":7,"t":"acme"}')],
    ['extra members beside a stream version', b64('{"k":7,"s":3,"t":"acme"}')],
    ['a stream version without a key', b64('{"s":3}')],
    ['the members in another order', b64('{"s":3,"k":7}')],
    ['a negative stream version', b64('{"k":7,"s":-1}')],
    ['a fractional stream version', b64('{"k":7,"s":0.5}')],
    ['a string stream version', b64('{"k":7,"s":"3"}')],
    ['a null stream version', b64('{"k":7,"s":null}')],
    ['a __proto__ member', b64('{"k":7,"__proto__":{"s":3}}')],
    ['a string key', b64('{"k":"7"}')],
    ['a negative key', b64('{"k":-1}')],
    ['a fractional key', b64('{"k":1.5}')],
    ['an unsafe integer', b64('{"k":9007199254740993}')],
    ['an exponent spelling', b64('{"k":7e0}')],
    ['whitespace inside the JSON', b64('{ "k": 7 }')],
    ['an oversized string', 'A'.repeat(10_000)],
  ])('rejects %s with INVALID_CURSOR', (_label, cursor) => {
    expectInvalid(cursor);
  });

  it('rejects a value that is not a string with INVALID_CURSOR', () => {
    expectInvalid(7 as unknown as string);
  });
});

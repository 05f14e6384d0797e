import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/ids/uuidv7.ts';

const zeros = new Uint8Array(10);
const ones = new Uint8Array(10).fill(0xff);

describe('uuidv7', () => {
  it('lays out the timestamp, version and variant as RFC 9562 describes', () => {
    // RFC 9562 appendix A.6: 2022-02-22 19:22:22 UTC = 0x017F22E279B0 ms.
    const random = Uint8Array.from([0xfc, 0xc3, 0x18, 0xc4, 0xdc, 0x0c, 0x0c, 0x07, 0x39, 0x8f]);
    expect(uuidv7(0x017f22e279b0, random)).toBe('017f22e2-79b0-7cc3-98c4-dc0c0c07398f');
  });

  it('keeps only the random bits that the version and variant leave free', () => {
    expect(uuidv7(0, zeros)).toBe('00000000-0000-7000-8000-000000000000');
    expect(uuidv7(0, ones)).toBe('00000000-0000-7fff-bfff-ffffffffffff');
  });

  it('encodes the full 48-bit millisecond range', () => {
    expect(uuidv7(2 ** 48 - 1, zeros)).toBe('ffffffff-ffff-7000-8000-000000000000');
    expect(uuidv7(2 ** 32, zeros)).toBe('00010000-0000-7000-8000-000000000000');
    expect(uuidv7(Date.UTC(2026, 10, 22), zeros).slice(0, 13)).toBe(
      Date.UTC(2026, 10, 22).toString(16).padStart(12, '0').replace(/^(.{8})/, '$1-'),
    );
  });

  it('produces lowercase canonical text that sorts by time', () => {
    const a = uuidv7(1_700_000_000_000, ones);
    const b = uuidv7(1_700_000_000_001, zeros);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
  });

  it('refuses a timestamp outside 48 bits or not an integer, and too few random bytes', () => {
    expect(() => uuidv7(-1, zeros)).toThrow(RangeError);
    expect(() => uuidv7(2 ** 48, zeros)).toThrow(RangeError);
    expect(() => uuidv7(1.5, zeros)).toThrow(RangeError);
    expect(() => uuidv7(Number.NaN, zeros)).toThrow(RangeError);
    expect(() => uuidv7(0, new Uint8Array(9))).toThrow(RangeError);
  });
});

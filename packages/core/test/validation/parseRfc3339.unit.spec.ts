import { describe, it, expect } from 'vitest';
import { describeRfc3339Problem, parseRfc3339, toIsoUtc } from '../../src/validation/parseRfc3339.ts';

describe('parseRfc3339', () => {
  it('agrees with Date for 2,000 instants across the four-digit years, in UTC and with offsets', () => {
    let seed = 7;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 2000; i++) {
      const ms = Math.floor(-62167219200000 + rand() * (253402300799999 + 62167219200000));
      const iso = new Date(ms).toISOString();
      expect(parseRfc3339(iso), iso).toBe(ms);
      const offsetMinutes = Math.floor(rand() * 24 * 60) * (rand() < 0.5 ? -1 : 1);
      const local = new Date(ms + offsetMinutes * 60000).toISOString().slice(0, 23);
      const sign = offsetMinutes < 0 ? '-' : '+';
      const abs = Math.abs(offsetMinutes);
      const withOffset = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      if (local.startsWith('-') || local.startsWith('+')) continue; // shifted out of the four-digit years
      const parsed = parseRfc3339(withOffset);
      if (Number.isNaN(parsed)) expect(ms + offsetMinutes * 60000 < -62167219200000 || ms > 253402300799999).toBe(true);
      else expect(parsed, withOffset).toBe(ms);
    }
  });

  it('handles years below 100 without mapping them to the 1900s', () => {
    expect(toIsoUtc(parseRfc3339('0099-03-01T00:00:00Z'))).toBe('0099-03-01T00:00:00.000Z');
    expect(toIsoUtc(parseRfc3339('0000-01-01T00:00:00Z'))).toBe('0000-01-01T00:00:00.000Z');
  });

  it('truncates fractions beyond milliseconds and scales short ones', () => {
    expect(toIsoUtc(parseRfc3339('2026-01-01T00:00:00.9999Z'))).toBe('2026-01-01T00:00:00.999Z');
    expect(toIsoUtc(parseRfc3339('2026-01-01T00:00:00.5Z'))).toBe('2026-01-01T00:00:00.500Z');
    expect(toIsoUtc(parseRfc3339('2026-01-01T00:00:00.05Z'))).toBe('2026-01-01T00:00:00.050Z');
  });

  it('refuses instants that leave the four-digit years once the offset is applied', () => {
    expect(parseRfc3339('0000-01-01T00:00:00+00:01')).toBeNaN();
    expect(parseRfc3339('9999-12-31T23:59:59-00:01')).toBeNaN();
  });

  it('explains a missing time zone differently from an impossible date', () => {
    expect(describeRfc3339Problem('2026-01-01T00:00:00')).toContain('needs a time zone');
    expect(describeRfc3339Problem('2026-04-31T00:00:00Z')).toContain('not a real date');
    expect(describeRfc3339Problem('soon')).toContain('RFC 3339');
  });
});

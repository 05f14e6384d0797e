import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/time/parseDuration.ts';

describe('parseDuration', () => {
  it('reads one number and one unit', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('5s')).toBe(5_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration(' 24h ')).toBe(86_400_000);
    expect(parseDuration('90d')).toBe(90 * 86_400_000);
    expect(parseDuration('0s')).toBe(0);
  });

  it('refuses anything else rather than guessing', () => {
    for (const bad of ['', '5', 'h', '1h30m', '-5s', '1.5h', '5 s', '5S', '5w', '1234567890s', '5sec']) {
      expect(parseDuration(bad), bad).toBeNull();
    }
  });
});

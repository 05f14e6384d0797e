import { describe, it, expect } from 'vitest';
import { fullJitter, nextRetryDelayMs } from '../../src/delivery/backoff.ts';

describe('fullJitter', () => {
  it('draws in (0, d]: random 0 gives d, random just under 1 gives the smallest wait, never 0', () => {
    expect(fullJitter(10_000, () => 0)).toBe(10_000);
    expect(fullJitter(10_000, () => 0.5)).toBe(5_000);
    expect(fullJitter(10_000, () => 0.999999999)).toBe(1);
    expect(fullJitter(0, () => 0.3)).toBe(0);
  });

  it('treats a broken random source as no jitter rather than a negative or NaN wait', () => {
    expect(fullJitter(1_000, () => Number.NaN)).toBe(1_000);
    expect(fullJitter(1_000, () => 1)).toBe(1_000);
    expect(fullJitter(1_000, () => -0.5)).toBe(1_000);
  });

  it('spreads waits over the whole interval', () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const draws = Array.from({ length: 2000 }, () => fullJitter(1_000, random));
    expect(Math.min(...draws)).toBeGreaterThan(0);
    expect(Math.max(...draws)).toBeLessThanOrEqual(1_000);
    expect(draws.filter((d) => d <= 250).length).toBeGreaterThan(350);
    expect(draws.filter((d) => d > 750).length).toBeGreaterThan(350);
  });
});

describe('nextRetryDelayMs', () => {
  const schedule = [5_000, 60_000, 3_600_000];
  const at = (attemptsMade: number, retryAfterMs: number | null = null, r = 0): number | null =>
    nextRetryDelayMs({ scheduleMs: schedule, attemptsMade, retryAfterMs, random: () => r });

  it('uses schedule[i] after attempt i+1 and gives up after the last', () => {
    expect([at(1), at(2), at(3), at(4)]).toEqual([5_000, 60_000, 3_600_000, null]);
    expect(at(0)).toBeNull();
    expect(nextRetryDelayMs({ scheduleMs: [], attemptsMade: 1, retryAfterMs: null, random: () => 0 })).toBeNull();
  });

  it('never goes below Retry-After, whatever the jitter drew', () => {
    expect(at(1, 30_000, 0.9)).toBe(30_000);
    expect(at(2, 30_000, 0)).toBe(60_000);
    expect(at(1, 0, 0.5)).toBe(2_500);
  });
});

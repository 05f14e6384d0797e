import { describe, expect, it } from 'vitest';
import { parseRetrySchedule } from '../../src/delivery/retrySchedule.ts';

describe('parseRetrySchedule', () => {
  it('takes 1 to 50 durations', () => {
    expect(parseRetrySchedule(['5s', '5m', ' 30m', '2h'], '/target/retrySchedule')).toEqual({ ok: true, schedule: ['5s', '5m', '30m', '2h'] });
    expect(parseRetrySchedule(Array(50).fill('1s'), '/p').ok).toBe(true);
  });

  it('refuses an empty or too long list, or something that is not a list', () => {
    expect(parseRetrySchedule([], '/p')).toEqual({ ok: false, problems: [{ path: '/p', message: expect.stringMatching(/1 to 50 durations \(it holds 0\)/) }] });
    expect(parseRetrySchedule(Array(51).fill('1s'), '/p').ok).toBe(false);
    expect(parseRetrySchedule('5s', '/p')).toEqual({ ok: false, problems: [{ path: '/p', message: expect.stringMatching(/list of durations/) }] });
  });

  it('lists every bad entry with its index', () => {
    const parsed = parseRetrySchedule(['5s', 'soon', 5, '0s', '31d', '1h30m'], '/target/retrySchedule');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map((p) => p.path)).toEqual(['/target/retrySchedule/1', '/target/retrySchedule/2', '/target/retrySchedule/3', '/target/retrySchedule/4', '/target/retrySchedule/5']);
    expect(parsed.problems[2]!.message).toMatch(/longer than zero/);
    expect(parsed.problems[3]!.message).toMatch(/at most 30 days/);
  });
});

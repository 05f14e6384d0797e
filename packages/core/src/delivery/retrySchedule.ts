import type { ErrorDetail } from '../errors/registry.ts';
import { parseDuration } from '../time/parseDuration.ts';

export const RETRY_SCHEDULE_LIMITS = {
  maxEntries: 50,
  /** No single wait longer than this: a longer one reads like a typo (`5d` for `5m`) and stalls the subscription. */
  maxWaitMs: 30 * 86_400_000,
} as const;

export type RetryScheduleParse = { ok: true; schedule: string[] } | { ok: false; problems: ErrorDetail[] };

/**
 * A target's own retry schedule: 1 to 50 waits between attempts, each a duration such as `5s`, `30m` or `2h`
 * (core parseDuration), more than zero and at most 30 days. Every problem is listed under `path`.
 */
export function parseRetrySchedule(input: unknown, path: string): RetryScheduleParse {
  if (!Array.isArray(input)) return { ok: false, problems: [{ path, message: 'must be a list of durations such as ["5s", "5m", "30m"]' }] };
  if (input.length < 1 || input.length > RETRY_SCHEDULE_LIMITS.maxEntries) {
    return { ok: false, problems: [{ path, message: `must hold 1 to ${RETRY_SCHEDULE_LIMITS.maxEntries} durations (it holds ${input.length})` }] };
  }
  const problems: ErrorDetail[] = [];
  const schedule: string[] = [];
  input.forEach((entry: unknown, i) => {
    const at = `${path}/${i}`;
    const ms = typeof entry === 'string' && entry.length <= 16 ? parseDuration(entry) : null;
    if (ms === null) problems.push({ path: at, message: 'must be a duration: a whole number and a unit (ms, s, m, h, d), such as "5s" or "30m"' });
    else if (ms <= 0) problems.push({ path: at, message: 'must be longer than zero' });
    else if (ms > RETRY_SCHEDULE_LIMITS.maxWaitMs) problems.push({ path: at, message: 'must be at most 30 days (30d)' });
    else schedule.push((entry as string).trim());
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, schedule };
}

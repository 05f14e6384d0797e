/**
 * When to try a failed delivery again: exponential-ish waits come from a retry schedule (durations in ms, one per
 * retry), and each wait is drawn with "full jitter" — uniform in (0, d] — so that many subscriptions failing
 * against one endpoint at the same moment do not all come back at the same moment. A receiver's Retry-After is a
 * floor, never shortened by jitter. Pure: the random source is passed in (Math.random in production).
 */

/** A uniform draw in (0, d] for d > 0 (random() returns [0, 1), so 1 − random() is in (0, 1]); 0 for d ≤ 0. */
export function fullJitter(delayMs: number, random: () => number): number {
  if (!(delayMs > 0)) return 0;
  const r = random();
  const unit = Number.isFinite(r) && r >= 0 && r < 1 ? 1 - r : 1;
  return Math.max(1, Math.round(delayMs * unit));
}

export interface RetryDecisionInput {
  /** The waits after attempt 1, 2, … in milliseconds. */
  scheduleMs: readonly number[];
  /** Attempts made so far, the failed one included (1 after the first attempt failed). */
  attemptsMade: number;
  /** What the receiver asked for (Retry-After), in milliseconds; null when it said nothing. */
  retryAfterMs: number | null;
  random: () => number;
}

/**
 * The wait before the next attempt, or null when the schedule is exhausted (attemptsMade > scheduleMs.length:
 * a schedule of n waits allows n + 1 attempts in all).
 */
export function nextRetryDelayMs(input: RetryDecisionInput): number | null {
  const { scheduleMs, attemptsMade } = input;
  if (attemptsMade < 1 || attemptsMade > scheduleMs.length) return null;
  const jittered = fullJitter(scheduleMs[attemptsMade - 1] as number, input.random);
  const floor = input.retryAfterMs !== null && input.retryAfterMs > 0 ? input.retryAfterMs : 0;
  return Math.max(jittered, floor);
}

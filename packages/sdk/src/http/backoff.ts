/**
 * Retry policy as data plus one pure function (like NATS.js `backoff()`): exponential growth capped at `maxMs`,
 * with full jitter so that many clients coming back after an outage do not retry in lockstep.
 */
export interface RetryPolicy {
  /** First delay's ceiling, in milliseconds. */
  baseMs: number;
  /** No delay exceeds this (Retry-After from the server excepted, which is capped by maxRetryAfterMs). */
  maxMs: number;
  /** Direct mode only: attempts per record() before it rejects. The outbox flusher retries for ever. */
  maxAttempts: number;
  /** A server's Retry-After longer than this is cut to it, so one bad header cannot stall the client for hours. */
  maxRetryAfterMs: number;
}

/**
 * Delay before retry number `attempt` (1 = the first retry): uniform in [0, min(maxMs, baseMs·2^(attempt-1))].
 * When the server said Retry-After, wait at least that long (capped), since retrying sooner is refused anyway.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  const jittered = Math.floor(random * ceiling);
  if (retryAfterMs === undefined) return jittered;
  return Math.max(Math.min(retryAfterMs, policy.maxRetryAfterMs), jittered);
}

/** Retry-After as seconds or an HTTP date, in milliseconds from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

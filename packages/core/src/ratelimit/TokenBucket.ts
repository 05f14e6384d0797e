/** A token bucket's shape: `perSecond` tokens flow in each second, and at most `burst` are saved up. */
export interface BucketLimit {
  perSecond: number;
  burst: number;
}

/** What one take (or a look without taking) found. */
export interface TakeResult {
  allowed: boolean;
  /** Whole tokens left after this take (a refused take leaves the bucket as it was). */
  remaining: number;
  /** 0 when allowed; otherwise milliseconds until this take would succeed (Infinity if it never can: cost > burst). */
  retryAfterMs: number;
  /** Milliseconds until the bucket is full again. */
  resetMs: number;
}

/**
 * Tokens are kept in thousandths, so that with whole-millisecond times and a whole-number rate every
 * refill (`elapsedMs × perSecond` thousandths) is an integer: the bucket is exact, and a long run never
 * drifts by a token through rounding.
 */
const SCALE = 1000;

/**
 * A classic token bucket. Pure: the caller passes the time (milliseconds, any monotonic-ish origin), so the
 * same code runs under a real clock and a simulated one. A new bucket starts full.
 */
export class TokenBucket {
  #perSecond = 0;
  #capacity = 0;
  #level: number;
  #updatedAt: number;

  constructor(limit: BucketLimit, now: number) {
    this.#apply(limit);
    this.#level = this.#capacity;
    this.#updatedAt = now;
  }

  get limit(): BucketLimit {
    return { perSecond: this.#perSecond, burst: this.#capacity / SCALE };
  }

  /** Takes `cost` tokens if there are that many; a refused take consumes nothing. */
  take(now: number, cost = 1): TakeResult {
    return this.#attempt(now, cost, true);
  }

  /** What `take` would answer now, consuming nothing (to check several buckets before taking from any). */
  peek(now: number, cost = 1): TakeResult {
    return this.#attempt(now, cost, false);
  }

  /** True when the bucket would be full at `now`: such a bucket is no different from a new one. */
  isFull(now: number): boolean {
    this.#refill(now);
    return this.#level >= this.#capacity;
  }

  /**
   * Changes the rate and burst (a key's limit was edited): tokens earned so far under the old rate are kept,
   * up to the new burst.
   */
  setLimit(limit: BucketLimit, now: number): void {
    this.#refill(now);
    this.#apply(limit);
    this.#level = Math.min(this.#level, this.#capacity);
  }

  #attempt(now: number, cost: number, consume: boolean): TakeResult {
    this.#refill(now);
    const need = cost * SCALE;
    if (this.#level >= need) {
      const level = this.#level - need;
      if (consume) this.#level = level;
      return { allowed: true, remaining: this.#whole(level), retryAfterMs: 0, resetMs: this.#msToFill(level) };
    }
    const retryAfterMs = need > this.#capacity ? Number.POSITIVE_INFINITY : Math.ceil((need - this.#level) / this.#perSecond);
    return { allowed: false, remaining: this.#whole(this.#level), retryAfterMs, resetMs: this.#msToFill(this.#level) };
  }

  #refill(now: number): void {
    const elapsed = now - this.#updatedAt;
    // A clock that steps back (NTP) earns nothing, and the bucket re-anchors at the new time rather than
    // waiting for the clock to catch up, which would starve the caller for as long as the step.
    if (elapsed > 0 && this.#level < this.#capacity) {
      this.#level = Math.min(this.#capacity, this.#level + elapsed * this.#perSecond);
    }
    this.#updatedAt = now;
  }

  #apply(limit: BucketLimit): void {
    if (!(Number.isFinite(limit.perSecond) && limit.perSecond > 0)) throw new RangeError(`perSecond must be a positive number, got ${limit.perSecond}`);
    if (!(Number.isFinite(limit.burst) && limit.burst >= 1)) throw new RangeError(`burst must be a number of at least 1, got ${limit.burst}`);
    this.#perSecond = limit.perSecond;
    this.#capacity = limit.burst * SCALE;
  }

  #whole(level: number): number {
    return Math.floor(level / SCALE);
  }

  #msToFill(level: number): number {
    return Math.ceil((this.#capacity - level) / this.#perSecond);
  }
}

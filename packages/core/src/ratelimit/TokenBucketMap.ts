import { TokenBucket, type BucketLimit } from './TokenBucket.ts';

export interface TokenBucketMapOptions {
  /** Most buckets kept at once; beyond it the map makes room (see `bucket`). */
  maxBuckets: number;
}

/**
 * Token buckets by name (an API key id, a tenant id), with memory bounded however many names appear.
 *
 * Room is made only when the map is full, and then for a tenth of it at once, so the cost is amortised
 * O(1) per new name:
 * 1. buckets that have refilled completely go first — a full bucket behaves exactly like a new one, so
 *    dropping it changes no answer;
 * 2. if that frees too little (many names all active at once), the least recently used go next. Such a
 *    name starts again with a full bucket: a bounded leniency, preferred to unbounded memory.
 */
export class TokenBucketMap {
  // A Map iterates in insertion order; each use re-inserts its entry, so the first entries are the least recently used.
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #maxBuckets: number;
  readonly #lowWater: number;

  constructor(options: TokenBucketMapOptions) {
    if (!(Number.isSafeInteger(options.maxBuckets) && options.maxBuckets >= 1)) throw new RangeError(`maxBuckets must be a whole number of at least 1, got ${options.maxBuckets}`);
    this.#maxBuckets = options.maxBuckets;
    this.#lowWater = Math.floor(options.maxBuckets * 0.9);
  }

  get size(): number {
    return this.#buckets.size;
  }

  /** The bucket for `name`, made (full) on first use; a changed `limit` is applied to an existing bucket. */
  bucket(name: string, limit: BucketLimit, now: number): TokenBucket {
    let bucket = this.#buckets.get(name);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxBuckets) this.#makeRoom(now);
      bucket = new TokenBucket(limit, now);
    } else {
      this.#buckets.delete(name);
      const current = bucket.limit;
      if (current.perSecond !== limit.perSecond || current.burst !== limit.burst) bucket.setLimit(limit, now);
    }
    this.#buckets.set(name, bucket);
    return bucket;
  }

  /** The bucket for `name` if there is one, without making one or counting this as a use. */
  get(name: string): TokenBucket | undefined {
    return this.#buckets.get(name);
  }

  /** Drops every bucket that is full at `now` (no different from a new one); returns how many went. */
  sweep(now: number): number {
    let dropped = 0;
    for (const [name, bucket] of this.#buckets) {
      if (bucket.isFull(now)) {
        this.#buckets.delete(name);
        dropped++;
      }
    }
    return dropped;
  }

  #makeRoom(now: number): void {
    this.sweep(now);
    for (const name of this.#buckets.keys()) {
      if (this.#buckets.size <= this.#lowWater) break;
      this.#buckets.delete(name);
    }
  }
}

/**
 * Values trusted for a short time (key records, for revocation to reach every node within a second). Bounded:
 * when full it starts over rather than tracking age — entries live under a second, so nothing much is lost.
 */
export class BriefCache<V> {
  readonly #entries = new Map<string, { value: V; until: number }>();
  readonly #ttlMs: number;
  readonly #max: number;

  constructor(options: { ttlMs: number; max: number }) {
    this.#ttlMs = options.ttlMs;
    this.#max = options.max;
  }

  get(key: string, now: number): V | undefined {
    const entry = this.#entries.get(key);
    return entry !== undefined && entry.until > now ? entry.value : undefined;
  }

  set(key: string, value: V, now: number): void {
    if (this.#ttlMs <= 0) return;
    if (this.#entries.size >= this.#max) this.#entries.clear();
    this.#entries.set(key, { value, until: now + this.#ttlMs });
  }

  clear(): void {
    this.#entries.clear();
  }
}

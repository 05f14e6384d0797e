import type { AccessStore, KeyUsage } from '@vellum/core';

/**
 * Counts requests per key in memory and writes the totals to the store about once a second: a write per
 * request would double the cost of every read. A crash loses at most the last second's counts, which is
 * what "last used" and "request count" are for (an operator's view, not billing).
 */
export class KeyUsageRecorder {
  readonly #store: AccessStore;
  /** Per key: requests since the last flush and the newest use (ms); turned into KeyUsage only when written. */
  readonly #pending = new Map<string, { requests: number; lastUsedAt: number }>();
  readonly #timer: NodeJS.Timeout;
  readonly #onError: (err: unknown) => void;
  #flushing: Promise<void> = Promise.resolve();

  constructor(store: AccessStore, options: { intervalMs: number; onError: (err: unknown) => void }) {
    this.#store = store;
    this.#onError = options.onError;
    this.#timer = setInterval(() => void this.flush(), options.intervalMs);
    this.#timer.unref();
  }

  note(keyId: string, at: number): void {
    const entry = this.#pending.get(keyId);
    if (entry === undefined) this.#pending.set(keyId, { requests: 1, lastUsedAt: at });
    else {
      entry.requests += 1;
      if (at > entry.lastUsedAt) entry.lastUsedAt = at;
    }
  }

  /** Writes what has been counted so far; flushes never overlap. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      if (this.#pending.size === 0) return;
      const usage: KeyUsage[] = [...this.#pending].map(([keyId, { requests, lastUsedAt }]) => ({
        keyId,
        requests,
        lastUsedAt: new Date(lastUsedAt).toISOString(),
      }));
      this.#pending.clear();
      await this.#store.recordKeyUsage(usage).catch(this.#onError);
    });
    return this.#flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}

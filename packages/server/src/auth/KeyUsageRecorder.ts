import type { AccessStore, KeyUsage } from '@vellum/core';

/**
 * Counts requests per key in memory and writes the totals to the store about once a second: a write per
 * request would double the cost of every read. A crash loses at most the last second's counts, which is
 * what "last used" and "request count" are for (an operator's view, not billing).
 */
export class KeyUsageRecorder {
  readonly #store: AccessStore;
  readonly #pending = new Map<string, KeyUsage>();
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
    const iso = new Date(at).toISOString();
    if (entry === undefined) this.#pending.set(keyId, { keyId, requests: 1, lastUsedAt: iso });
    else {
      entry.requests += 1;
      if (iso > entry.lastUsedAt) entry.lastUsedAt = iso;
    }
  }

  /** Writes what has been counted so far; flushes never overlap. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      if (this.#pending.size === 0) return;
      const usage = [...this.#pending.values()];
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

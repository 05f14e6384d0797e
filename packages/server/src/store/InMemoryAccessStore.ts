import type { ApiKeyRecord, AccessStore } from '@vellum/core';

/** API keys in a Map, for tests and the `memory:` store. */
export class InMemoryAccessStore implements AccessStore {
  readonly #byHash = new Map<string, ApiKeyRecord>();

  createKey(record: ApiKeyRecord): Promise<void> {
    if (this.#byHash.has(record.hash)) return Promise.reject(new Error('a key with this hash already exists'));
    this.#byHash.set(record.hash, structuredClone(record));
    return Promise.resolve();
  }

  findKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const found = this.#byHash.get(hash);
    return Promise.resolve(found === undefined ? null : structuredClone(found));
  }

  countKeys(): Promise<number> {
    return Promise.resolve(this.#byHash.size);
  }
}

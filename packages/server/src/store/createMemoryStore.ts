import { InMemoryEventStore } from '@vellum/core';
import type { ApiKeyRecord, EventStore } from '@vellum/core';
import { InMemoryAccessStore } from './InMemoryAccessStore.ts';
import type { VellumStore } from './VellumStore.ts';

/**
 * A whole store in process memory (the `memory:` location): for tests and demos; nothing survives a restart.
 * `events` may wrap the reference in-memory store, e.g. with a delay to simulate a slow disk.
 */
export function createMemoryStore(events: EventStore = new InMemoryEventStore()): VellumStore {
  const keys = new InMemoryAccessStore();
  return {
    append: (batches) => events.append(batches),
    readStream: (tenant, stream, options) => events.readStream(tenant, stream, options),
    search: (tenant, query) => events.search(tenant, query),
    getById: (tenant, id) => events.getById(tenant, id),
    stats: (tenant, query) => events.stats(tenant, query),
    headPosition: (tenant) => events.headPosition(tenant),
    ping: () => events.ping(),
    close: () => events.close(),
    createKey: (record: ApiKeyRecord) => keys.createKey(record),
    findKeyByHash: (hash: string) => keys.findKeyByHash(hash),
    countKeys: () => keys.countKeys(),
    migrate: () => undefined,
  };
}

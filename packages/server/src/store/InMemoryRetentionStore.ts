import type { InMemoryEventStore, RetentionStore } from '@vellum/core';

/** RetentionStore in process memory (the `memory:` store). Placeholder until retention is built. */
export class InMemoryRetentionStore implements RetentionStore {
  constructor(readonly events: InMemoryEventStore) {}
}

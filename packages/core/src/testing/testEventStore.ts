import type { EventStore } from '../store/EventStore.ts';

export interface StoreFactory {
  /** A fresh, empty store. */
  create(): Promise<EventStore>;
  /** Drops whatever `create` made. */
  destroy?(store: EventStore): Promise<void>;
}

/** The contract every EventStore must meet, as a vitest suite: call it inside a spec file. */
export function testEventStore(name: string, factory: StoreFactory): void {
  void name; void factory;
  throw new Error('not implemented');
}

import type { AppendBatch, AppendOutcome, EventStore, SearchPage, SearchQuery, StatsQuery, StatsRow, StreamPage, StreamReadOptions } from './EventStore.ts';
import type { StoredEvent } from '../event/types.ts';

/** The reference store: plain arrays, for unit tests and as the contract suite's baseline. */
export class InMemoryEventStore implements EventStore {
  append(batches: readonly AppendBatch[]): Promise<AppendOutcome[]> { void batches; throw new Error('not implemented'); }
  readStream(tenant: string, stream: string, options: StreamReadOptions): Promise<StreamPage> { void tenant; void stream; void options; throw new Error('not implemented'); }
  search(tenant: string, query: SearchQuery): Promise<SearchPage> { void tenant; void query; throw new Error('not implemented'); }
  getById(tenant: string, id: string): Promise<StoredEvent | null> { void tenant; void id; throw new Error('not implemented'); }
  stats(tenant: string, query: StatsQuery): Promise<StatsRow[]> { void tenant; void query; throw new Error('not implemented'); }
  headPosition(tenant: string): Promise<number> { void tenant; throw new Error('not implemented'); }
  ping(): Promise<void> { return Promise.resolve(); }
  close(): Promise<void> { return Promise.resolve(); }
}

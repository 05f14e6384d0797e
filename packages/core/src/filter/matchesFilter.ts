import type { StoredEvent } from '../event/types.ts';
import type { EventFilter } from '../store/EventStore.ts';

/** Whether an event passes a filter; the reference semantics every store's SQL must agree with. */
export function matchesFilter(event: StoredEvent, filter: EventFilter): boolean {
  void event; void filter;
  throw new Error('not implemented');
}

/** A type glob (`configuration.*`) as an anchored RegExp; `*` matches any run of characters. */
export function typeGlobToRegExp(glob: string): RegExp {
  void glob;
  throw new Error('not implemented');
}

import type { StoredEvent } from '../event/types.ts';
import type { EventFilter, SearchQuery, TenantScope } from '../store/EventStore.ts';
import { ALL_TENANTS } from '../store/EventStore.ts';
import { decodeCursor } from './cursor.ts';

/**
 * Entity searches page through two arms: the entity's own stream "T:I" and the events filed under other streams.
 * A cursor is a position, but the stream arm walks the stream index in version order, and `position < k` is only a
 * filter there: page n of a hot entity stepped over the n−1 pages before it, one table row each. A stream version
 * whose event lies at or beyond the cursor bounds that walk instead (within one stream, version order is log order).
 *
 * The entity's own stream, when the filter names one entity and no stream (the searches that read both arms).
 */
export function entityStreamOf(filter: EventFilter): string | undefined {
  if (filter.entityType === undefined || filter.entityId === undefined || filter.stream !== undefined) return undefined;
  return `${filter.entityType}:${filter.entityId}`;
}

/**
 * The stream version an entity search's next cursor carries (CursorKey.s): of the page's events filed under the
 * entity's stream, the one nearest the cursor's side (the oldest for a descending search, the newest for an
 * ascending one); with none of them on the page, the bound the page was read with still holds and is passed on.
 * Undefined for any other search, or when there is no bound yet.
 */
export function entityStreamHint(scope: TenantScope, query: SearchQuery, page: readonly StoredEvent[]): number | undefined {
  const stream = scope === ALL_TENANTS ? undefined : entityStreamOf(query);
  if (stream === undefined) return undefined;
  let hint = query.cursor === undefined ? undefined : decodeCursor(query.cursor).s;
  for (const event of page) {
    if (event.stream !== stream) continue;
    if (hint === undefined || (query.order === 'desc' ? event.streamVersion < hint : event.streamVersion > hint)) hint = event.streamVersion;
  }
  return hint;
}

import type { EventFilter, EventStore, SearchPage, StoredEvent, TenantScope } from '@vellum/core';
import { csvHeader, csvRow } from './toCsv.ts';

export type ExportFormat = 'ndjson' | 'csv';
export const EXPORT_PAGE_SIZE = 1000;

/**
 * Every matching event, page by page through the search cursor. A generator pulls the next page only when
 * the consumer asks, so a slow client holds at most one page in memory, however large the export.
 * The first page is passed in: the route fetches it before answering, so a failing store is still a
 * clean error response rather than a cut-off download. `open`, when given, turns each page into its readable form
 * (personal data decrypted or `[erased]`), one batch of key reads per page.
 */
export async function* exportEvents(
  store: Pick<EventStore, 'search'>,
  tenant: TenantScope,
  filter: EventFilter & { order: 'asc' | 'desc' },
  first: SearchPage,
  open?: (events: StoredEvent[]) => Promise<StoredEvent[]>,
): AsyncGenerator<StoredEvent> {
  let page = first;
  for (;;) {
    yield* open === undefined ? page.events : await open(page.events);
    if (page.nextCursor === null || page.events.length === 0) return;
    page = await store.search(tenant, { ...filter, limit: EXPORT_PAGE_SIZE, cursor: page.nextCursor });
  }
}

/** The export as text chunks in the chosen format: one line per event (CSV: after a header line). */
export async function* exportLines(events: AsyncIterable<StoredEvent>, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'csv') yield csvHeader();
  for await (const event of events) yield format === 'csv' ? csvRow(event) : `${JSON.stringify(event)}\n`;
}

import { describe, expect, it } from 'vitest';
import type { SearchPage, SearchQuery, StoredEvent } from '@vellum/core';
import { exportEvents, exportLines } from '../../src/query/exportEvents.ts';

const event = (position: number) => ({ position, type: 'a.b', actor: { type: 'u', id: '1' } }) as StoredEvent;

/** A search port that serves numbered pages and records how many it was asked for. */
function pagedStore(pages: number, size: number) {
  const asked: Array<string | undefined> = [];
  return {
    asked,
    search: async (_tenant: string, query: SearchQuery): Promise<SearchPage> => {
      asked.push(query.cursor);
      const index = query.cursor === undefined ? 0 : Number(query.cursor);
      return {
        events: Array.from({ length: size }, (_, i) => event(index * size + i + 1)),
        nextCursor: index + 1 < pages ? String(index + 1) : null,
      };
    },
  };
}

describe('exportEvents', () => {
  it('fetches the next page only when the consumer has read the previous one', async () => {
    const store = pagedStore(5, 3);
    const first = await store.search('t', { limit: 3, order: 'asc' });
    const events = exportEvents(store, 't', { order: 'asc' }, first);
    const seen: number[] = [];
    for await (const e of events) {
      seen.push(e.position);
      if (seen.length === 4) break;
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    // The first page plus the one holding event 4: nothing read ahead.
    expect(store.asked).toEqual([undefined, '1']);
  });

  it('follows the cursor to the end', async () => {
    const store = pagedStore(3, 2);
    const first = await store.search('t', { limit: 2, order: 'asc' });
    const all: number[] = [];
    for await (const e of exportEvents(store, 't', { order: 'asc' }, first)) all.push(e.position);
    expect(all).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('writes NDJSON lines, or a CSV header before the rows', async () => {
    async function* two() {
      yield event(1);
      yield event(2);
    }
    const ndjson: string[] = [];
    for await (const l of exportLines(two(), 'ndjson')) ndjson.push(l);
    expect(ndjson).toEqual(['{"position":1,"type":"a.b","actor":{"type":"u","id":"1"}}\n', '{"position":2,"type":"a.b","actor":{"type":"u","id":"1"}}\n']);
    const csv: string[] = [];
    for await (const l of exportLines(two(), 'csv')) csv.push(l);
    expect(csv).toHaveLength(3);
    expect(csv[0]!.startsWith('id,tenant,position')).toBe(true);
  });
});

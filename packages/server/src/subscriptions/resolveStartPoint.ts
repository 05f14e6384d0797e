import { encodeCursor, VellumError } from '@vellum/core';
import type { EventStore } from '@vellum/core';
import type { StartPoint } from './parseSubscriptionRequests.ts';

/** The recording time of the event at `position` or the first one after it (retention may have pruned some), or null past the head. */
async function recordedAtOrAfter(store: EventStore, tenant: string, position: number): Promise<string | null> {
  // A search cursor is only a position (core cursor.ts): "after position - 1" reads the log from `position`.
  const page = await store.search(tenant, { limit: 1, order: 'asc', cursor: encodeCursor({ k: position - 1 }) });
  return page.events[0]?.recordedAt ?? null;
}

/**
 * The first position recorded at or after `time`, by bisecting the log: positions are handed out in commit order
 * and recordedAt is stamped just before the commit, so recording times grow with positions (to within one group
 * commit, a few milliseconds). log2(head) single-event reads, whatever the log's size. head + 1 when there is none.
 */
export async function firstPositionAtOrAfter(store: EventStore, tenant: string, head: number, time: string): Promise<number> {
  let lo = 1;
  let hi = head + 1;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const at = await recordedAtOrAfter(store, tenant, mid);
    if (at === null || at >= time) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The cursor (last position already delivered) for a start point: `now` → the head; `beginning` → 0;
 * `{ position: N }` → N - 1 so that N is the first delivered; `{ time }` → just before the first event recorded at
 * or after it. A position past the head + 1 would skip events not written yet, so it is refused at `path`.
 */
export async function resolveStartPoint(store: EventStore, tenant: string, point: StartPoint, path: string): Promise<number> {
  const head = await store.headPosition(tenant);
  switch (point.kind) {
    case 'now':
      return head;
    case 'beginning':
      return 0;
    case 'position':
      if (point.position > head + 1) {
        throw new VellumError('VALIDATION_FAILED', {
          details: [{ path: `${path}/position`, message: `must be at most ${head + 1}: the tenant's log ends at position ${head}` }],
        });
      }
      return point.position - 1;
    case 'time':
      return (await firstPositionAtOrAfter(store, tenant, head, point.time)) - 1;
  }
}

import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/event/types.ts';
import { decodeCursor, encodeCursor } from '../../src/query/cursor.ts';
import { entityStreamHint, entityStreamOf } from '../../src/query/entityStreamHint.ts';
import { ALL_TENANTS } from '../../src/store/EventStore.ts';
import type { SearchQuery } from '../../src/store/EventStore.ts';

const ev = (stream: string, streamVersion: number): StoredEvent => ({ stream, streamVersion } as StoredEvent);
const entity = { entityType: 'Order', entityId: '7' };
const query = (order: 'asc' | 'desc', cursor?: string): SearchQuery => ({ ...entity, limit: 3, order, ...(cursor === undefined ? {} : { cursor }) });

describe('entityStreamOf', () => {
  it('names the entity stream only for a search of one entity without a stream filter', () => {
    expect(entityStreamOf(entity)).toBe('Order:7');
    expect(entityStreamOf({ entityType: 'Order' })).toBeUndefined();
    expect(entityStreamOf({ entityId: '7' })).toBeUndefined();
    expect(entityStreamOf({ ...entity, stream: 'Order:7' })).toBeUndefined();
  });
});

describe('entityStreamHint', () => {
  it('takes the oldest stream event of a descending page and the newest of an ascending one, ignoring other streams', () => {
    const page = [ev('Order:7', 9), ev('import:1', 1), ev('Order:7', 8), ev('import:1', 2)];
    expect(entityStreamHint('acme', query('desc'), page)).toBe(8);
    expect(entityStreamHint('acme', query('asc'), [...page].reverse())).toBe(9);
  });

  it('passes the previous bound on when the page holds none of the stream\'s events', () => {
    const cursor = encodeCursor({ k: 40, s: 12 });
    expect(entityStreamHint('acme', query('desc', cursor), [ev('import:1', 5), ev('import:2', 1)])).toBe(12);
    expect(entityStreamHint('acme', query('desc', encodeCursor({ k: 40 })), [ev('import:1', 5)])).toBeUndefined();
  });

  it('tightens a carried bound with the page\'s own events', () => {
    expect(entityStreamHint('acme', query('desc', encodeCursor({ k: 40, s: 12 })), [ev('Order:7', 11), ev('Order:7', 10)])).toBe(10);
    expect(entityStreamHint('acme', query('asc', encodeCursor({ k: 40, s: 12 })), [ev('Order:7', 13), ev('Order:7', 14)])).toBe(14);
  });

  it('gives nothing for searches that do not read an entity\'s two arms', () => {
    const page = [ev('Order:7', 3)];
    expect(entityStreamHint(ALL_TENANTS, query('desc'), page)).toBeUndefined();
    expect(entityStreamHint('acme', { limit: 3, order: 'desc', stream: 'Order:7', ...entity }, page)).toBeUndefined();
    expect(entityStreamHint('acme', { limit: 3, order: 'desc', entityType: 'Order' }, page)).toBeUndefined();
  });

  it('round-trips through the cursor', () => {
    const s = entityStreamHint('acme', query('desc'), [ev('Order:7', 4)]);
    expect(decodeCursor(encodeCursor({ k: 10, s }))).toEqual({ k: 10, s: 4 });
  });
});

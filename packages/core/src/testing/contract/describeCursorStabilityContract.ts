import { describe, expect, it } from 'vitest';
import type { PreparedEvent, StoredEvent } from '../../event/types.ts';
import { ALL_TENANTS } from '../../store/EventStore.ts';
import type { SearchQuery, TenantScope } from '../../store/EventStore.ts';
import { createPreparedFactory } from '../makePrepared.ts';
import { appendCommitted, useFreshStore } from '../storeHarness.ts';
import type { StoreFactory } from '../storeHarness.ts';
import { searchAllPages } from './describeSearchContract.ts';

const ids = (events: readonly StoredEvent[]): string[] => events.map((e) => e.id);
const idsOf = (events: readonly PreparedEvent[]): string[] => events.map((p) => p.event.id);

export function describeCursorStabilityContract(factory: StoreFactory): void {
  describe('cursor stability under concurrent appends', () => {
    const store = useFreshStore(factory);
    const prepare = createPreparedFactory();
    const login = (tenant = 'acme') => prepare({ tenant, type: 'user.login' });
    const logout = (tenant = 'acme') => prepare({ tenant, type: 'user.logout' });

    /** Reads the first page, lets `between` append, then follows the cursor to the end. */
    async function pageAround(scope: TenantScope, query: Omit<SearchQuery, 'cursor'>, between: () => Promise<void>): Promise<{ first: StoredEvent[]; rest: StoredEvent[] }> {
      const page = await store().search(scope, query);
      expect(page.nextCursor, 'the first page must offer a cursor').not.toBeNull();
      await between();
      const rest: StoredEvent[] = [];
      const seen = new Set(ids(page.events));
      let cursor = page.nextCursor;
      while (cursor !== null) {
        const next = await store().search(scope, { ...query, cursor });
        for (const event of next.events) {
          // Stop at the first repeat: a cursor that does not advance would otherwise page forever.
          if (seen.has(event.id)) expect.fail(`a later page repeats event ${event.id} (position ${event.position}, tenant ${event.tenant})`);
          seen.add(event.id);
        }
        rest.push(...next.events);
        cursor = next.nextCursor;
      }
      return { first: page.events, rest };
    }

    it('continues a desc search after new appends without repeating, skipping or showing the new events', async () => {
      const before = [login(), logout(), login(), login(), logout(), login(), login()];
      await appendCommitted(store(), 'acme', before);
      const after = [login(), login()];
      const { first, rest } = await pageAround('acme', { types: ['user.login'], limit: 2, order: 'desc' }, async () => {
        await appendCommitted(store(), 'acme', after);
      });
      const expected = idsOf(before.filter((p) => p.event.type === 'user.login')).reverse();
      expect([...ids(first), ...ids(rest)]).toEqual(expected);
    });

    it('continues an asc search after new appends without repeating or skipping, the new events at the end', async () => {
      const before = [login(), logout(), login(), login(), logout()];
      await appendCommitted(store(), 'acme', before);
      const after = [login(), logout(), login()];
      const { first, rest } = await pageAround('acme', { types: ['user.login'], limit: 2, order: 'asc' }, async () => {
        await appendCommitted(store(), 'acme', after);
        await appendCommitted(store(), 'globex', [login('globex')]);
      });
      const expected = idsOf([...before, ...after].filter((p) => p.event.type === 'user.login'));
      expect([...ids(first), ...ids(rest)]).toEqual(expected);
    });

    it('continues an admin-scope asc search across tenants, the new events of every tenant at the end', async () => {
      const before = [login('acme'), login('globex'), login('acme'), login('globex'), login('acme')];
      for (const p of before) await appendCommitted(store(), p.event.tenant, [p]);
      const after = [login('globex'), login('acme')];
      const { first, rest } = await pageAround(ALL_TENANTS, { limit: 2, order: 'asc' }, async () => {
        for (const p of after) await appendCommitted(store(), p.event.tenant, [p]);
      });
      expect([...ids(first), ...ids(rest)]).toEqual(idsOf([...before, ...after]));
    });

    it('continues an admin-scope desc search across tenants without showing the new events', async () => {
      const before = [login('acme'), login('globex'), login('globex'), login('acme'), login('acme')];
      for (const p of before) await appendCommitted(store(), p.event.tenant, [p]);
      const { first, rest } = await pageAround(ALL_TENANTS, { limit: 2, order: 'desc' }, async () => {
        await appendCommitted(store(), 'globex', [login('globex')]);
        await appendCommitted(store(), 'acme', [login('acme')]);
      });
      expect([...ids(first), ...ids(rest)]).toEqual(idsOf(before).reverse());
    });

    it('lets a reader that reached the end of an asc search pick up later events with its last cursor', async () => {
      await appendCommitted(store(), 'acme', [login(), login(), login()]);
      const first = await store().search('acme', { limit: 2, order: 'asc' });
      const later = [login(), login()];
      await appendCommitted(store(), 'acme', later);
      const all = await searchAllPages(store(), 'acme', { limit: 2, order: 'asc' });
      const rest = await store().search('acme', { limit: 10, order: 'asc', cursor: first.nextCursor ?? '' });
      expect(ids(rest.events)).toEqual(ids(all.slice(2)));
    });
  });
}

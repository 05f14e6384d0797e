import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../event/types.ts';
import { encodeCursor } from '../../query/cursor.ts';
import { ALL_TENANTS } from '../../store/EventStore.ts';
import type { EventFilter, EventStore, SearchQuery, TenantScope } from '../../store/EventStore.ts';
import { filterCases } from '../filterCases.ts';
import { buildQueryFixture, loadQueryFixture } from '../queryFixture.ts';
import { referenceSearch } from '../referenceQueries.ts';
import { expectVellumError, useSharedStore } from '../storeHarness.ts';
import type { StoreFactory } from '../storeHarness.ts';

/** Follows nextCursor to the end, checking each page's size; returns every event in page order. */
export async function searchAllPages(store: EventStore, scope: TenantScope, query: Omit<SearchQuery, 'cursor'>, maxPages = 10_000): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let pages = 0; pages < maxPages; pages++) {
    const page = await store.search(scope, cursor === undefined ? query : { ...query, cursor });
    expect(page.events.length).toBeLessThanOrEqual(query.limit);
    if (page.events.length < query.limit) expect(page.nextCursor, 'a short page is the last one').toBeNull();
    for (const event of page.events) {
      // Stop at the first repeat: a cursor that does not advance would otherwise page forever.
      if (seen.has(event.id)) expect.fail(`page ${pages + 1} repeats event ${event.id} (position ${event.position}, tenant ${event.tenant})`);
      seen.add(event.id);
    }
    events.push(...page.events);
    if (page.nextCursor === null) return events;
    expect(page.events.length, 'a page with a nextCursor is full').toBe(query.limit);
    cursor = page.nextCursor;
  }
  throw new Error(`pagination did not end after ${maxPages} pages`);
}

const ids = (events: readonly StoredEvent[]): string[] => events.map((e) => e.id);

export function describeSearchContract(factory: StoreFactory): void {
  describe('search', () => {
    const fixture = buildQueryFixture();
    const store = useSharedStore(factory, (s) => loadQueryFixture(s, fixture));
    const cases = filterCases(fixture);
    const [acme, globex] = ['acme', 'globex'] as const;

    it('holds the fixture exactly: every event as sealed, in position order', async () => {
      for (const tenant of [acme, globex]) {
        const page = await store().search(tenant, { limit: 1000, order: 'asc' });
        expect(page.events).toStrictEqual(referenceSearch(fixture.events, tenant, {}, 'asc'));
        expect(page.events.map((e) => e.position)).toEqual(page.events.map((_, i) => i + 1));
        expect(page.nextCursor).toBeNull();
      }
    });

    describe.each(cases.map((c) => [c.name, c.filter] as const))('filtered by %s', (_name, filter) => {
      it.each(['desc', 'asc'] as const)('finds exactly the events matchesFilter accepts, in %s order', async (order) => {
        const expected = referenceSearch(fixture.events, acme, filter, order);
        const page = await store().search(acme, { ...filter, limit: 1000, order });
        expect(ids(page.events)).toEqual(ids(expected));
        expect(page.nextCursor).toBeNull();
      });
    });

    const otherTenantCases = cases.filter((c) => /tag|glob|window|several/.test(c.name)).map((c) => [c.name, c.filter] as const);
    it.each(otherTenantCases)('filters the other tenant by %s the same way', async (_name, filter) => {
      const page = await store().search(globex, { ...filter, limit: 1000, order: 'desc' });
      expect(ids(page.events)).toEqual(ids(referenceSearch(fixture.events, globex, filter, 'desc')));
    });

    it('returns the newest events first for desc and the oldest first for asc, at most limit of them', async () => {
      const all = referenceSearch(fixture.events, acme, {}, 'asc');
      expect(ids((await store().search(acme, { limit: 5, order: 'asc' })).events)).toEqual(ids(all.slice(0, 5)));
      expect(ids((await store().search(acme, { limit: 5, order: 'desc' })).events)).toEqual(ids(all.slice(-5).reverse()));
      expect((await store().search(acme, { limit: 1, order: 'desc' })).events).toHaveLength(1);
    });

    it('offers a nextCursor only while more events match', async () => {
      const filter: EventFilter = { types: ['configuration.*'] };
      const count = referenceSearch(fixture.events, acme, filter, 'asc').length;
      expect((await store().search(acme, { ...filter, limit: count - 1, order: 'asc' })).nextCursor).not.toBeNull();
      expect((await store().search(acme, { ...filter, limit: count, order: 'asc' })).nextCursor).toBeNull();
      expect((await store().search(acme, { ...filter, limit: count + 1, order: 'desc' })).nextCursor).toBeNull();
    });

    const paged: Array<[string, number, EventFilter]> = [
      ['no filter', 7, {}],
      ['no filter', 1, {}],
      ['a type glob', 4, { types: ['invoice.*'] }],
      ['a minimum severity and a tag', 3, { minSeverity: 'medium', tags: ['company:1'] }],
      ['a from..to window', 10, { from: fixture.sharedInstants[0] ?? '', to: fixture.sharedInstants.at(-1) ?? '' }],
      // An entity's events come from two places (its own stream, and other streams naming it), merged page by page.
      ['an entity type and id', 1, { entityType: 'PolicyConfiguration', entityId: '1' }],
      ['an entity type and id', 3, { entityType: 'PolicyConfiguration', entityId: '1' }],
      ['an entity and a type glob', 2, { entityType: 'PolicyConfiguration', entityId: '1', types: ['configuration.*'] }],
    ];
    describe.each(paged)('paginated with %s, %i per page', (_name, limit, filter) => {
      it.each(['desc', 'asc'] as const)('visits every match exactly once in %s order', async (order) => {
        const events = await searchAllPages(store(), acme, { ...filter, limit, order });
        expect(ids(events)).toEqual(ids(referenceSearch(fixture.events, acme, filter, order)));
      });
    });

    // An entity search's cursor may carry a version of the entity's stream to start from (CursorKey.s), and a store
    // may start from the cursor's own event or the stream's newest one. None of that may change a page: whatever
    // version a cursor carries — its own, another entity's, one past the stream's end, a pruned one — and wherever
    // its position lies — on one of the entity's events, between them, past the stream's newest or the log's end —
    // the next page is the one the position alone defines.
    it.each(['desc', 'asc'] as const)('continues an entity search from its position whatever stream version the cursor carries (%s)', async (order) => {
      const filter: EventFilter = { entityType: 'PolicyConfiguration', entityId: '1' };
      const expected = referenceSearch(fixture.events, acme, filter, order);
      const versions = expected.filter((e) => e.stream === 'PolicyConfiguration:1').map((e) => e.streamVersion);
      const newest = Math.max(...versions);
      expect(versions.length).toBeGreaterThan(5);
      expect(expected.length, 'the fixture files some of the entity\'s events under other streams').toBeGreaterThan(versions.length);
      const head = referenceSearch(fixture.events, acme, {}, 'desc')[0]?.position ?? 0;
      for (let k = 0; k <= head + 1; k++) {
        const rest = expected.filter((e) => (order === 'desc' ? e.position < k : e.position > k));
        // Every position next to one of the entity's, a sample of the others.
        if (k % 7 !== 0 && !expected.some((e) => Math.abs(e.position - k) <= 1)) continue;
        for (const s of [undefined, 0, 1, Math.floor(newest / 2), newest, newest + 1, 2 ** 40]) {
          const page = await store().search(acme, { ...filter, limit: 4, order, cursor: encodeCursor(s === undefined ? { k } : { k, s }) });
          expect(ids(page.events), `from position ${k}, stream version ${s}`).toEqual(ids(rest.slice(0, 4)));
        }
      }
    });

    it("never shows a tenant another tenant's events", async () => {
      for (const tenant of [acme, globex]) {
        const events = await searchAllPages(store(), tenant, { limit: 50, order: 'desc' });
        expect(events.length).toBeGreaterThan(0);
        expect(events.every((e) => e.tenant === tenant)).toBe(true);
      }
      const foreign = fixture.events.find((e) => e.tenant === globex);
      expect(await store().getById(acme, foreign?.id ?? '')).toBeNull();
    });

    it('finds nothing for a tenant without events', async () => {
      expect(await store().search('initech', { limit: 10, order: 'desc' })).toEqual({ events: [], nextCursor: null });
    });

    it('shows the admin scope every tenant in commit order, newest first for desc', async () => {
      const asc = await store().search(ALL_TENANTS, { limit: 1000, order: 'asc' });
      expect(asc.events).toStrictEqual(fixture.events);
      const desc = await store().search(ALL_TENANTS, { limit: 1000, order: 'desc' });
      expect(ids(desc.events)).toEqual(ids([...fixture.events].reverse()));
    });

    it.each([
      ['a type glob', { types: ['user.*'] }],
      ['a tag', { tags: ['billing'] }],
      ['an actor', { actorType: 'user', actorId: '2' }],
    ] as Array<[string, EventFilter]>)('applies %s to the admin scope across tenants', async (_name, filter) => {
      const page = await store().search(ALL_TENANTS, { ...filter, limit: 1000, order: 'desc' });
      expect(ids(page.events)).toEqual(ids(referenceSearch(fixture.events, ALL_TENANTS, filter, 'desc')));
    });

    it.each(['asc', 'desc'] as const)('paginates the admin scope across tenants in %s order, visiting every event once', async (order) => {
      const events = await searchAllPages(store(), ALL_TENANTS, { limit: 9, order });
      expect(ids(events)).toEqual(ids(referenceSearch(fixture.events, ALL_TENANTS, {}, order)));
      const filtered = await searchAllPages(store(), ALL_TENANTS, { severities: ['high', 'critical'], limit: 4, order });
      expect(ids(filtered)).toEqual(ids(referenceSearch(fixture.events, ALL_TENANTS, { severities: ['high', 'critical'] }, order)));
    });

    it('gives the same page for the same query and cursor', async () => {
      const first = await store().search(ALL_TENANTS, { limit: 10, order: 'desc' });
      const cursor = first.nextCursor ?? '';
      const a = await store().search(ALL_TENANTS, { limit: 10, order: 'desc', cursor });
      const b = await store().search(ALL_TENANTS, { limit: 10, order: 'desc', cursor });
      expect(ids(a.events)).toEqual(ids(b.events));
      expect(a.nextCursor).toBe(b.nextCursor);
    });

    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
    it.each([
      ['garbage', 'not a cursor!'],
      ['base64 of text', b64('hello')],
      ['a negative key', b64('{"k":-1}')],
      ['a fractional key', b64('{"k":2.5}')],
      ['a string key', b64('{"k":"3"}')],
      ['an unknown shape', b64('{"position":3}')],
      ['an oversized cursor', 'A'.repeat(5000)],
    ])('refuses %s as a cursor with INVALID_CURSOR', async (_name, cursor) => {
      await expectVellumError(store().search(acme, { limit: 10, order: 'desc', cursor }), 'INVALID_CURSOR');
      await expectVellumError(store().search(ALL_TENANTS, { limit: 10, order: 'asc', cursor }), 'INVALID_CURSOR');
    });

    it('accepts a well-formed cursor beyond the log as the end', async () => {
      const page = await store().search(acme, { limit: 10, order: 'asc', cursor: encodeCursor({ k: 1_000_000 }) });
      expect(page).toEqual({ events: [], nextCursor: null });
    });
  });
}

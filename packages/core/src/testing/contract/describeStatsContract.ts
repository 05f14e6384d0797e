import { describe, expect, it } from 'vitest';
import { ALL_TENANTS, STATS_GROUPS } from '../../store/EventStore.ts';
import type { EventFilter, StatsGroup } from '../../store/EventStore.ts';
import { buildQueryFixture, loadQueryFixture } from '../queryFixture.ts';
import { referenceStats } from '../referenceQueries.ts';
import { useSharedStore } from '../storeHarness.ts';
import type { StoreFactory } from '../storeHarness.ts';

export function describeStatsContract(factory: StoreFactory): void {
  describe('stats', () => {
    const fixture = buildQueryFixture(7);
    const store = useSharedStore(factory, (s) => loadQueryFixture(s, fixture));
    const intervals = [
      ['without buckets', undefined],
      ['per UTC hour', 'hour'],
      ['per UTC day', 'day'],
    ] as const;
    const grid = STATS_GROUPS.flatMap((groupBy) => intervals.map(([label, interval]) => [groupBy, label, interval] as const));

    it.each(grid)('counts events by %s %s, rows sorted by bucket, then count descending, then key', async (groupBy, _label, interval) => {
      const query = interval === undefined ? { groupBy } : { groupBy, interval };
      const rows = await store().stats('acme', query);
      expect(rows).toEqual(referenceStats(fixture.events, 'acme', query));
      expect(rows.reduce((n, r) => n + r.count, 0)).toBe(fixture.events.filter((e) => e.tenant === 'acme').length);
    });

    it('reports null as the key of events that lack the grouped field', async () => {
      for (const groupBy of ['entityType', 'source', 'outcome'] as const) {
        const rows = await store().stats('acme', { groupBy });
        expect(rows.some((r) => r.key === null), `a null ${groupBy} row`).toBe(true);
      }
    });

    it('keys actors as <type>:<id>', async () => {
      const rows = await store().stats('acme', { groupBy: 'actor' });
      expect(rows.map((r) => r.key)).toContain('user:1');
      expect(rows.map((r) => r.key)).toContain('service:1');
    });

    it('puts each bucket at the ISO start of the UTC hour or day', async () => {
      for (const row of await store().stats('acme', { groupBy: 'type', interval: 'hour' })) expect(row.bucket).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00\.000Z$/);
      for (const row of await store().stats('acme', { groupBy: 'type', interval: 'day' })) expect(row.bucket).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/);
      for (const row of await store().stats('acme', { groupBy: 'type' })) expect(row).not.toHaveProperty('bucket');
    });

    const filters: Array<[string, StatsGroup, EventFilter]> = [
      ['a type glob', 'severity', { types: ['configuration.*'] }],
      ['a minimum severity', 'actor', { minSeverity: 'high' }],
      ['a tag and a changed field', 'type', { tags: ['company:1'], field: 'status' }],
      ['a from..to window', 'outcome', { from: fixture.sharedInstants[1] ?? '', to: fixture.sharedInstants.at(-2) ?? '' }],
      ['an entity type', 'source', { entityType: 'Invoice' }],
    ];
    it.each(filters)('applies %s before counting by %s', async (_name, groupBy, filter) => {
      for (const interval of [undefined, 'day'] as const) {
        const query = interval === undefined ? { ...filter, groupBy } : { ...filter, groupBy, interval };
        expect(await store().stats('acme', query)).toEqual(referenceStats(fixture.events, 'acme', query));
      }
    });

    it("counts only the tenant's own events", async () => {
      expect(await store().stats('globex', { groupBy: 'type' })).toEqual(referenceStats(fixture.events, 'globex', { groupBy: 'type' }));
      expect(await store().stats('initech', { groupBy: 'type' })).toEqual([]);
    });

    it('counts every tenant in the admin scope', async () => {
      for (const groupBy of ['type', 'actor'] as const) {
        const query = { groupBy, interval: 'day' as const, minSeverity: 'low' as const };
        expect(await store().stats(ALL_TENANTS, query)).toEqual(referenceStats(fixture.events, ALL_TENANTS, query));
      }
    });

    it('returns no rows when nothing matches', async () => {
      expect(await store().stats('acme', { groupBy: 'type', types: ['nothing.here'] })).toEqual([]);
    });
  });
}

import { afterEach, describe, expect, it } from 'vitest';
import { service } from '../support/services.ts';
import { destroyTestStore, openTestStore, prepared, sql } from './postgresTestSupport.ts';
import type { PostgresEventStore } from '../../src/store/postgres/index.ts';
import { tableNames } from '../../src/store/postgres/sqlNames.ts';

const pg = await service('postgres');

/** When PostgreSQL last analyzed the store's events table (null: never). */
async function lastAnalyzed(url: string, store: PostgresEventStore): Promise<Date | null> {
  const [row] = await sql<{ at: Date | null }>(url, `SELECT greatest(last_analyze, last_autoanalyze) AS at FROM pg_stat_all_tables WHERE relid = $1::regclass`, [tableNames(store.schema).events]);
  return row?.at ?? null;
}

async function appendEvents(store: PostgresEventStore, count: number): Promise<void> {
  for (let done = 0; done < count; done += 1_000) {
    await store.append(Array.from({ length: 10 }, () => ({ tenant: 'stats', events: Array.from({ length: 100 }, (_, i) => prepared({ tenant: 'stats', entity: { type: 'Order', id: String(i) } })) })));
  }
}

describe.skipIf(!pg)('PostgreSQL planner statistics', () => {
  const url = pg as string;
  let store: PostgresEventStore | undefined;
  afterEach(async () => {
    if (store) await destroyTestStore(url, store);
    store = undefined;
  });

  it('analyzes the events table once enough has changed, and not again until it has', async () => {
    store = await openTestStore(url, 'stats');
    await appendEvents(store, 2_000);
    expect(await lastAnalyzed(url, store)).toBeNull();
    // The appends' row counts reach PostgreSQL's statistics when their sessions go idle (within a second or so).
    const deadline = Date.now() + 15_000;
    while (!(await store.statistics.refresh()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(store.statistics.analyzed).toBe(1);
    expect(await lastAnalyzed(url, store)).not.toBeNull();
    expect(await store.statistics.refresh()).toBe(false);
    expect(store.statistics.analyzed).toBe(1);
  });

  it('checks on its own as appends go by, in the background', async () => {
    store = await openTestStore(url, 'stats');
    // The first look comes after 20,000 appended events: the table was never analyzed, so that look analyzes it.
    await appendEvents(store, 25_000);
    const deadline = Date.now() + 15_000;
    while (store.statistics.analyzed === 0 && Date.now() < deadline) {
      await appendEvents(store, 1_000);
      await store.statistics.settled();
    }
    expect(store.statistics.analyzed).toBeGreaterThanOrEqual(1);
    expect(await lastAnalyzed(url, store)).not.toBeNull();
  });

  it('warns at start when autovacuum is off, and only then', async () => {
    store = await openTestStore(url, 'stats');
    const [{ setting } = { setting: '' }] = await sql<{ setting: string }>(url, `SELECT setting FROM pg_settings WHERE name = 'autovacuum'`);
    const warnings = await store.settingWarnings();
    if (setting === 'off') expect(warnings).toEqual([expect.stringContaining('autovacuum off')]);
    else expect(warnings).toEqual([]);
  });
});

import { testEventStore } from '@vellum/core/testing';
import type { EventStore } from '@vellum/core';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { tempDir } from './sqliteTestSupport.ts';

// Every store the suite asks for is a fresh file in a directory of its own, removed once the suite is done with it.
const dirs = new Map<EventStore, () => void>();

testEventStore('SqliteEventStore', {
  create: async () => {
    const { dir, remove } = tempDir();
    const store = openSqliteStore({ path: `${dir}/vellum.db` });
    dirs.set(store, remove);
    return store;
  },
  destroy: async (store) => {
    await store.close();
    dirs.get(store)?.();
    dirs.delete(store);
  },
});

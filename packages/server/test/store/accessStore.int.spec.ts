import path from 'node:path';
import { testAccessStore } from '@vellum/core/testing';
import { createMemoryStore } from '../../src/store/createMemoryStore.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { tempDir } from './sqliteTestSupport.ts';

// Through createMemoryStore, so the suite also checks that the `memory:` store delegates every method.
testAccessStore('memory store', async () => {
  const store = createMemoryStore();
  return { store, close: () => store.close() };
});

// A file with its writer thread, as the server runs it: key writes share the file with the appender.
testAccessStore('SqliteEventStore', async () => {
  const { dir, remove } = tempDir();
  const store = openSqliteStore({ path: path.join(dir, 'vellum.db') });
  return {
    store,
    close: async () => {
      await store.close();
      remove();
    },
  };
});

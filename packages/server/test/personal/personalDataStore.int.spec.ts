import path from 'node:path';
import { describe } from 'vitest';
import { testPersonalDataStore } from '@vellum/core/testing';
import { createMemoryStore } from '../../src/store/createMemoryStore.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { dropStoreSchema } from '../../src/store/postgres/index.ts';
import { service } from '../support/services.ts';
import { tempDir } from '../store/sqliteTestSupport.ts';
import { openTestStore } from '../store/postgresTestSupport.ts';

const pg = await service('postgres');

testPersonalDataStore('memory store', async () => {
  const store = createMemoryStore();
  return { store, close: () => store.close() };
});

testPersonalDataStore('SqliteEventStore', async () => {
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

describe.skipIf(!pg)('PostgreSQL personal data store', () => {
  testPersonalDataStore('PostgresEventStore', async () => {
    const store = await openTestStore(pg as string, 'personal');
    return {
      store,
      close: async () => {
        await store.close();
        await dropStoreSchema(pg as string, store.schema);
      },
    };
  });
});

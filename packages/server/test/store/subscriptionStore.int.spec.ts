import path from 'node:path';
import { describe } from 'vitest';
import { testSubscriptionStore } from '@vellum/core/testing';
import { openPostgresStore, type PostgresEventStore } from '../../src/store/postgres/index.ts';
import { openSqliteStore, type SqliteEventStore } from '../../src/store/sqlite/index.ts';
import { service } from '../support/services.ts';
import { destroyTestStore, openTestStore } from './postgresTestSupport.ts';
import { tempDir } from './sqliteTestSupport.ts';
import { memoryStoreFactory } from './storeFactories.ts';

const pg = await service('postgres');

testSubscriptionStore('memory store', async () => {
  const { store, close } = await memoryStoreFactory();
  return { store: store.subscriptions, close };
});

// A file with its writer thread, as the server runs it; the twin is a second store on the same file (another
// process, as far as SQLite can tell), so the lease race runs across two writer threads and the file lock.
testSubscriptionStore('SqliteEventStore', async () => {
  const { dir, remove } = tempDir();
  const file = path.join(dir, 'vellum.db');
  const stores: SqliteEventStore[] = [openSqliteStore({ path: file })];
  return {
    store: stores[0]!.subscriptions,
    twin: async () => {
      const twin = openSqliteStore({ path: file });
      stores.push(twin);
      return twin.subscriptions;
    },
    close: async () => {
      for (const store of stores) await store.close();
      remove();
    },
  };
});

// ':memory:' has no writer thread: writes run inline on the one connection, nothing cloned on the way.
testSubscriptionStore('SqliteEventStore in memory', async () => {
  const store = openSqliteStore({ path: ':memory:' });
  return { store: store.subscriptions, close: () => store.close() };
});

// A fresh schema per test; the twin is a second node's store (its own pool) on the same schema.
describe.skipIf(!pg)('PostgreSQL subscription store', () => {
  const url = pg as string;
  testSubscriptionStore('PostgresEventStore', async () => {
    const store = await openTestStore(url, 'subscriptions');
    const twins: PostgresEventStore[] = [];
    return {
      store: store.subscriptions,
      twin: async () => {
        const twin = await openPostgresStore({ url, schema: store.schema, poolSize: 4 });
        twins.push(twin);
        return twin.subscriptions;
      },
      close: async () => {
        for (const twin of twins) await twin.close();
        await destroyTestStore(url, store);
      },
    };
  });
});

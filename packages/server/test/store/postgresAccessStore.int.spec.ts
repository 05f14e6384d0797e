import { testAccessStore } from '@vellum/core/testing';
import { describe } from 'vitest';
import { service } from '../support/services.ts';
import { dropStoreSchema } from '../../src/store/postgres/index.ts';
import { openTestStore } from './postgresTestSupport.ts';

const pg = await service('postgres');

// A fresh schema (and application role) per test, dropped with it afterwards.
describe.skipIf(!pg)('PostgreSQL access store', () => {
  testAccessStore('PostgresEventStore', async () => {
    const store = await openTestStore(pg as string, 'access');
    return {
      store,
      close: async () => {
        await store.close();
        await dropStoreSchema(pg as string, store.schema);
      },
    };
  });
});

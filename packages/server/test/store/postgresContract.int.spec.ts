import { testEventStore } from '@vellum/core/testing';
import type { EventStore } from '@vellum/core';
import { describe } from 'vitest';
import { service } from '../support/services.ts';
import { dropStoreSchema, type PostgresEventStore } from '../../src/store/postgres/index.ts';
import { openTestStore } from './postgresTestSupport.ts';

const pg = await service('postgres');

// Each store the suite asks for lives in a schema of its own, dropped (with its role) when the suite is done with it.
describe.skipIf(!pg)('PostgreSQL store', () => {
  testEventStore('PostgresEventStore', {
    create: () => openTestStore(pg as string, 'contract'),
    destroy: async (store: EventStore) => {
      await store.close();
      await dropStoreSchema(pg as string, (store as PostgresEventStore).schema);
    },
  });
});

import { testEventStore } from '@vellum/core/testing';
import type { EventStore } from '@vellum/core';
import { describe } from 'vitest';
import { service } from '../support/services.ts';
import type { PostgresEventStore } from '../../src/store/postgres/index.ts';
import { destroyTestStore, openTestStore } from './postgresTestSupport.ts';

const pg = await service('postgres');

// Each store the suite asks for lives in a schema of its own, dropped when the suite is done with it.
describe.skipIf(!pg)('PostgreSQL store', () => {
  testEventStore('PostgresEventStore', {
    create: () => openTestStore(pg as string, 'contract'),
    destroy: (store: EventStore) => destroyTestStore(pg as string, store as PostgresEventStore),
  });
});

import { describe } from 'vitest';
import { testPersonalDataStore } from '@vellum/core/testing';
import { service } from '../support/services.ts';
import { memoryStoreFactory, postgresStoreFactory, sqliteStoreFactory } from '../store/storeFactories.ts';

const pg = await service('postgres');

testPersonalDataStore('memory store', memoryStoreFactory);

testPersonalDataStore('SqliteEventStore', sqliteStoreFactory);

describe.skipIf(!pg)('PostgreSQL personal data store', () => {
  testPersonalDataStore('PostgresEventStore', postgresStoreFactory(pg as string, 'personal'));
});

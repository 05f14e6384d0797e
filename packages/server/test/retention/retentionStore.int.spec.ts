import { testRetentionStore } from '@vellum/core/testing';
import { service } from '../support/services.ts';
import { memoryStoreFactory, postgresStoreFactory, sqliteStoreFactory } from '../store/storeFactories.ts';

testRetentionStore('memory store', memoryStoreFactory);
testRetentionStore('SqliteEventStore', sqliteStoreFactory);

const pg = await service('postgres');
if (pg !== null) testRetentionStore('PostgresEventStore', postgresStoreFactory(pg, 'retention'));

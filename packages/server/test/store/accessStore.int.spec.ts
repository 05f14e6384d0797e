import { testAccessStore } from '@vellum/core/testing';
import { memoryStoreFactory, sqliteStoreFactory } from './storeFactories.ts';

testAccessStore('memory store', memoryStoreFactory);

// A file with its writer thread, as the server runs it: key writes share the file with the appender.
testAccessStore('SqliteEventStore', sqliteStoreFactory);

import path from 'node:path';
import { createMemoryStore } from '../../src/store/createMemoryStore.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import type { VellumStore } from '../../src/store/VellumStore.ts';
import { destroyTestStore, openTestStore } from './postgresTestSupport.ts';
import { tempDir } from './sqliteTestSupport.ts';

/** What the contract suites (testAccessStore, testIntegrityStore, testPersonalDataStore) ask for: a fresh store and its clean-up. */
export type StoreFactory = () => Promise<{ store: VellumStore; close(): Promise<void> }>;

/** Through createMemoryStore, so a suite also checks that the `memory:` store delegates every method. */
export const memoryStoreFactory: StoreFactory = async () => {
  const store = createMemoryStore();
  return { store, close: () => store.close() };
};

/** A file in a directory of its own, with its writer thread, as the server runs it. */
export const sqliteStoreFactory: StoreFactory = async () => {
  const { dir, remove } = tempDir();
  const store = openSqliteStore({ path: path.join(dir, 'vellum.db') });
  return {
    store,
    close: async () => {
      await store.close();
      remove();
    },
  };
};

/** A fresh schema (and application role) per store, dropped with it afterwards. */
export const postgresStoreFactory = (url: string, label: string): StoreFactory => async () => {
  const store = await openTestStore(url, label);
  return { store, close: () => destroyTestStore(url, store) };
};

import { testIntegrityStore } from '@vellum/core/testing';
import { createMemoryStore } from '../../src/store/createMemoryStore.ts';

// Through createMemoryStore, so the suite also checks that the `memory:` store delegates every method.
testIntegrityStore('memory store', async () => {
  const store = createMemoryStore();
  return { store, close: () => store.close() };
});

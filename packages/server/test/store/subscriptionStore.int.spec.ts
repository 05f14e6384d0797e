import { describe } from 'vitest';
import { testSubscriptionStore } from '@vellum/core/testing';
import { service } from '../support/services.ts';
import { memoryStoreFactory } from './storeFactories.ts';

const pg = await service('postgres');

testSubscriptionStore('memory store', async () => {
  const { store, close } = await memoryStoreFactory();
  return { store: store.subscriptions, close };
});
void pg; void describe;

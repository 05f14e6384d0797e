import { InMemoryEventStore } from '../../src/store/InMemoryEventStore.ts';
import { testEventStore } from '../../src/testing/index.ts';

testEventStore('InMemoryEventStore', { create: () => Promise.resolve(new InMemoryEventStore()) });

import { createMemoryStore } from '../../src/store/createMemoryStore.ts';
import { describeIntegrity } from './describeIntegrity.ts';

describeIntegrity('the in-memory store', async () => ({ store: createMemoryStore(), cleanup: async () => undefined }));

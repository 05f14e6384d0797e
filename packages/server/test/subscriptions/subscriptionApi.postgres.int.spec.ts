import { describe } from 'vitest';
import { postgresStoreFactory } from '../store/storeFactories.ts';
import { service } from '../support/services.ts';
import { describeSubscriptionApi } from './subscriptionApiSuite.ts';

const pg = await service('postgres');
describe.skipIf(pg === null)('PostgreSQL', () => {
  describeSubscriptionApi('PostgreSQL store', postgresStoreFactory(pg!, 'subscription_api'));
});

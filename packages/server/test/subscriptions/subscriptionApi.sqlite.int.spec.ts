import { sqliteStoreFactory } from '../store/storeFactories.ts';
import { describeSubscriptionApi } from './subscriptionApiSuite.ts';

describeSubscriptionApi('SQLite store', sqliteStoreFactory);

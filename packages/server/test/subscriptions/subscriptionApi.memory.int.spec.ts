import { memoryStoreFactory } from '../store/storeFactories.ts';
import { describeSubscriptionApi } from './subscriptionApiSuite.ts';

describeSubscriptionApi('memory store', memoryStoreFactory);

import type { SubscriptionStore } from '@vellum/core';

const notBuilt = (): never => {
  throw new Error('InMemorySubscriptionStore: not built yet');
};

/** SubscriptionStore in process memory (the `memory:` store). Placeholder until the subscription store is built. */
export class InMemorySubscriptionStore implements SubscriptionStore {
  createSubscription = notBuilt;
  getSubscription = notBuilt;
  listSubscriptions = notBuilt;
  updateSubscription = notBuilt;
  deleteSubscription = notBuilt;
  acquireLease = notBuilt;
  releaseLease = notBuilt;
  recordDelivery = notBuilt;
  listDeliveries = notBuilt;
  addDeadLetter = notBuilt;
  listDeadLetters = notBuilt;
  deleteDeadLetters = notBuilt;
}

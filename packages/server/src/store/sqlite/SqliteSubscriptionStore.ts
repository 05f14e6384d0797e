import type { SubscriptionStore } from '@vellum/core';
import type { SqliteHalf } from './SqliteHalf.ts';
import type { SqliteSubscriptionStatements } from './subscriptionStatements.ts';

const notBuilt = (): never => {
  throw new Error('SqliteSubscriptionStore: not built yet');
};

/** SubscriptionStore on SQLite. Placeholder until the subscription store is built. */
export class SqliteSubscriptionStore implements SubscriptionStore {
  constructor(readonly half: SqliteHalf<SqliteSubscriptionStatements>) {}
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

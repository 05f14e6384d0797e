import type { SubscriptionStore } from '@vellum/core';
import type { TableNames } from './sqlNames.ts';
import type { TenantPool } from './TenantPool.ts';

const notBuilt = (): never => {
  throw new Error('PostgresSubscriptionStore: not built yet');
};

/** SubscriptionStore on PostgreSQL. Placeholder until the subscription store is built. */
export class PostgresSubscriptionStore implements SubscriptionStore {
  constructor(
    readonly pool: TenantPool,
    readonly t: TableNames,
  ) {}
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

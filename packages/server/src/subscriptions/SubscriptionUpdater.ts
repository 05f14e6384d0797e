import { VellumError } from '@vellum/core';
import type { SubscriptionChanges, SubscriptionRecord, SubscriptionStore } from '@vellum/core';
import { SUBSCRIPTION_LIMITS } from './limits.ts';

const ID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const notFound = (id: string): VellumError =>
  new VellumError('NOT_FOUND', { message: `There is no subscription "${id.slice(0, 64)}" in this tenant.` });

/** A subscription of `tenant` (another tenant's id is as unknown as a made-up one), or 404. */
export async function findSubscription(store: SubscriptionStore, tenant: string, id: string): Promise<SubscriptionRecord> {
  const record = ID_SHAPE.test(id) ? await store.getSubscription(tenant, id) : null;
  if (record === null) throw notFound(id);
  return record;
}

/**
 * What an update asks of a subscription as it stands now: the changes to apply (decided afresh on every re-read),
 * or null when there is nothing to change.
 */
export type Decide = (current: SubscriptionRecord) => Promise<SubscriptionChanges | null> | SubscriptionChanges | null;

/**
 * Applies an update by compare-and-set: the delivery worker moves the cursor of active subscriptions all the time,
 * so an update that read a revision the worker has since bumped is re-read and decided again, never applied over
 * the worker's change (a cursor moved back, a pending batch resurrected). A conflict with an unchanged revision
 * means the new name is taken (409 ALREADY_EXISTS).
 */
export async function updateSubscription(
  store: SubscriptionStore,
  tenant: string,
  id: string,
  now: () => string,
  decide: Decide,
): Promise<{ before: SubscriptionRecord; after: SubscriptionRecord; changed: boolean }> {
  for (let attempt = 0; attempt < SUBSCRIPTION_LIMITS.updateAttempts; attempt++) {
    const current = await findSubscription(store, tenant, id);
    const changes = await decide(current);
    if (changes === null) return { before: current, after: current, changed: false };
    const result = await store.updateSubscription(tenant, id, current.revision, changes, now());
    if (result === null) throw notFound(id);
    if (result !== 'conflict') return { before: current, after: result, changed: true };
    if (changes.name !== undefined && changes.name !== current.name) {
      const again = await findSubscription(store, tenant, id);
      if (again.revision === current.revision) {
        throw new VellumError('ALREADY_EXISTS', {
          message: 'This tenant already has a subscription of that name.',
          details: [{ path: '/name', message: 'is taken by another subscription of this tenant' }],
        });
      }
    }
  }
  throw new VellumError('CONCURRENT_UPDATE');
}

import { sharedPlugin } from '../http/definePlugin.ts';
import { createDeliveryTargets } from './targets/createDeliveryTargets.ts';
import type { DeliveryService } from './DeliveryService.ts';

/**
 * Delivery workers for durable subscriptions and the targets they send to (`app.delivery`, `app.deliveryTargets`).
 * The worker itself is being built; until then `app.delivery` reports stats from the store and sends nothing.
 */
export const deliveryPlugin = sharedPlugin('vellum-delivery', async (app) => {
  const log = app.log.child({ component: 'delivery' });
  const targets = createDeliveryTargets({ config: app.vellumConfig, log, clock: app.clock });
  app.addHook('onClose', async () => {
    await targets.close();
  });
  const delivery: DeliveryService = {
    wake: () => undefined,
    async stats(subscription) {
      const head = await app.store.headPosition(subscription.tenant);
      return {
        lagPositions: Math.max(0, head - subscription.cursor),
        lagSeconds: 0,
        attempts: 0,
        failures: 0,
        deadLetters: (await app.store.subscriptions.listDeadLetters(subscription.tenant, subscription.id, 1000)).length,
        breaker: 'closed',
        lastDeliveredAt: null,
        lastError: subscription.pending?.lastError ?? null,
      };
    },
    retryDeadLetters: async () => [],
  };
  app.decorate('deliveryTargets', targets);
  app.decorate('delivery', delivery);
});

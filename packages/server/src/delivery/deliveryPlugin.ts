import type { BreakerState } from '@vellum/core';
import { sharedPlugin } from '../http/definePlugin.ts';
import { createDeliveryTargets } from './targets/createDeliveryTargets.ts';
import { DeliveryWorker } from './DeliveryWorker.ts';

const BREAKER_GAUGE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * Delivery workers for durable subscriptions and the targets they send to (`app.delivery`, `app.deliveryTargets`).
 * With delivery.enabled false the node delivers nothing but still answers stats and dead-letter retries (the
 * routes work on every node). Registered after the ingest, integrity and live plugins: onClose hooks run in
 * reverse, so the worker finishes its deliveries in flight and releases its leases before the store closes.
 */
export const deliveryPlugin = sharedPlugin('vellum-delivery', async (app) => {
  const log = app.log.child({ component: 'delivery' });
  const config = app.vellumConfig.delivery;
  const targets = createDeliveryTargets({ config: app.vellumConfig, log, clock: app.clock });
  const { metrics } = app;
  const worker = new DeliveryWorker({
    store: app.store,
    targets,
    config,
    openEvents: (events) => app.personalData.open(events),
    log,
    clock: app.clock,
    observer: {
      attempt(subscription, outcome) {
        metrics.deliveryAttempts.inc({ subscription, outcome });
        if (outcome === 'failed' || outcome === 'gone' || outcome === 'dead-lettered') metrics.deliveryFailures.inc({ subscription });
      },
      deadLettered: (subscription) => metrics.deliveryDeadLetters.inc({ subscription }),
      lag(subscription, positions, seconds) {
        metrics.deliveryLagPositions.set({ subscription }, positions);
        metrics.deliveryLagSeconds.set({ subscription }, seconds);
      },
      breaker: (subscription, state) => metrics.deliveryBreakerState.set({ subscription }, BREAKER_GAUGE[state]),
      forget(subscription) {
        metrics.deliveryLagPositions.remove({ subscription });
        metrics.deliveryLagSeconds.remove({ subscription });
        metrics.deliveryBreakerState.remove({ subscription });
      },
    },
  });

  // Registered before the worker's hook: onClose hooks run in reverse, so the targets close after the worker.
  app.addHook('onClose', async () => {
    await targets.close();
  });
  if (config.enabled) {
    const unsubscribe = app.logSignal.subscribe(({ tenant, head }) => worker.signal(tenant, head));
    // Not before the app is ready: a plugin registered later may still fail the start-up.
    app.addHook('onReady', async () => {
      worker.start();
      log.info({ node: worker.nodeId }, 'delivery worker started');
    });
    app.addHook('onClose', async () => {
      unsubscribe();
      await worker.stop();
    });
  }
  app.decorate('deliveryTargets', targets);
  app.decorate('delivery', worker);
});

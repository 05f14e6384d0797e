import { sharedPlugin } from '../http/definePlugin.ts';

/**
 * Delivery workers for durable subscriptions and the targets they send to (`app.delivery`, `app.deliveryTargets`).
 * Placeholder until the delivery worker is built.
 */
export const deliveryPlugin = sharedPlugin('vellum-delivery', async () => {});

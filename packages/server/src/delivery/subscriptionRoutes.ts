import { routesPlugin } from '../http/definePlugin.ts';

/** /v1/subscriptions. Placeholder until the subscription API is built. */
export const subscriptionRoutes = routesPlugin('vellum-subscription-routes', async () => {});

import { routesPlugin } from '../http/definePlugin.ts';

/** /v1/keys: create, list, show, revoke, rotate, self. */
export const keyRoutes = routesPlugin('vellum-key-routes', async () => undefined);

import { routesPlugin } from '../http/definePlugin.ts';

/** /v1/tenants (admin): create, list. */
export const tenantRoutes = routesPlugin('vellum-tenant-routes', async () => undefined);

import { routesPlugin } from '../http/definePlugin.ts';

/** TODO(viewer tokens helper): POST /v1/viewer-tokens. */
export const viewerTokenRoutes = routesPlugin('vellum-viewer-token-routes', async () => undefined);

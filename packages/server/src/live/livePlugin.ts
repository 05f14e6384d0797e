import { routesPlugin } from '../http/definePlugin.ts';

/** GET /v1/live (Server-Sent Events) and GET /v1/ws (WebSocket). Placeholder until live streams are built. */
export const livePlugin = routesPlugin('vellum-live', async () => {});

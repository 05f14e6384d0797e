import { sharedPlugin } from '../http/definePlugin.ts';

/** Vellum's own security events, recorded in the system tenant. */
export const auditPlugin = sharedPlugin<Record<never, never>>('vellum-audit', async () => undefined);

import { sharedPlugin } from '../http/definePlugin.ts';

/** Retention policies, their API and the sweeper that applies them. Placeholder until retention is built. */
export const retentionPlugin = sharedPlugin('vellum-retention', async () => {});

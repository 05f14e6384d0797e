import { sharedPlugin } from '../http/definePlugin.ts';

/** TODO(rate limit helper): token buckets per key and per tenant, 429 with Retry-After and RateLimit headers. */
export const rateLimitPlugin = sharedPlugin<Record<never, never>>('vellum-rate-limit', async () => undefined);

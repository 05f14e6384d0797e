import { VellumError, type BucketLimit } from '@vellum/core';
import { sharedPlugin } from '../http/definePlugin.ts';
import { RequestLimiter } from './RequestLimiter.ts';
import { rateLimitHeaders } from './rateLimitHeaders.ts';

export interface RateLimitPluginOptions {
  /** Most buckets of each kind (keys, tenants) kept in memory; idle ones are dropped first. */
  maxBuckets?: number;
}

/**
 * Token buckets per API key and per tenant (configuration `rateLimits`, docs/configuration.md "Rate limits").
 * Runs in onRequest right after authentication, before the body is read, so a refused request costs
 * almost nothing. The buckets live in this process: each node limits on its own.
 */
export const rateLimitPlugin = sharedPlugin<RateLimitPluginOptions>('vellum-rate-limit', async (app, options) => {
  if (!app.hasRequestDecorator('auth')) throw new Error('vellum-rate-limit needs the vellum-auth plugin registered first');
  const { rateLimits } = app.vellumConfig;
  const limiter = new RequestLimiter({
    perKey: limitOrNone(rateLimits.perKeyPerSecond, rateLimits.perKeyBurst),
    perTenant: limitOrNone(rateLimits.perTenantPerSecond, rateLimits.perTenantBurst),
    maxBuckets: options.maxBuckets ?? 10_000,
  });
  // Both series exist from the start at 0, so a dashboard's rate() sees a flat line rather than no data.
  for (const limit of ['key', 'tenant']) app.metrics.rateLimited.inc({ limit }, 0);

  app.addHook('onRequest', async (request, reply) => {
    // The auth hook, registered earlier, has run: every other route has request.auth or was refused.
    const auth = request.auth as typeof request.auth | null;
    if (request.is404 || request.routeOptions.config.public === true || auth === null) return;
    const admission = limiter.admit(
      { key: auth.rateLimitKey, keyLimit: auth.rateLimit, tenant: auth.tenant },
      app.clock(),
    );
    const headers = rateLimitHeaders(admission.standings);
    if (headers !== null) reply.header('ratelimit-policy', headers.policy).header('ratelimit', headers.current);
    if (!admission.allowed) {
      app.metrics.rateLimited.inc({ limit: admission.refusedBy! });
      // The error handler turns retryAfter into Retry-After: whole seconds, rounded up, at least 1.
      throw new VellumError('RATE_LIMITED', { retryAfter: admission.retryAfterMs / 1000 });
    }
  });
});

/** A rate of 0 means no limit of that kind (configuration checks a positive rate has a burst of at least 1). */
function limitOrNone(perSecond: number, burst: number): BucketLimit | null {
  return perSecond > 0 ? { perSecond, burst } : null;
}

import type { BucketLimit } from '@vellum/core';
import type { BucketStanding } from './RequestLimiter.ts';

/**
 * The RateLimit-Policy and RateLimit fields of draft-ietf-httpapi-ratelimit-headers-10 (Structured Fields
 * lists, one item per bucket), e.g.
 *
 *   RateLimit-Policy: "key";q=1000;w=1;vellum-burst=2000, "tenant";q=5000;w=1;vellum-burst=10000
 *   RateLimit: "key";r=1999;t=1, "tenant";r=9999;t=1
 *
 * A token bucket is not a fixed window, so: `q` per `w` seconds is the sustained rate; `vellum-burst` (a
 * vendor parameter, as the draft allows) is the bucket's size, which is why `r` may exceed `q`; and `t` is
 * the seconds until the bucket is full again. Null when no bucket applies.
 */
export function rateLimitHeaders(standings: readonly BucketStanding[]): { policy: string; current: string } | null {
  if (standings.length === 0) return null;
  return {
    policy: standings.map((s) => {
      const { q, w } = quotaWindow(s.limit);
      return `"${s.kind}";q=${q};w=${w};vellum-burst=${Math.floor(s.limit.burst)}`;
    }).join(', '),
    current: standings.map((s) => `"${s.kind}";r=${s.remaining};t=${Math.ceil(s.resetMs / 1000)}`).join(', '),
  };
}

/**
 * `q` and `w` must be whole numbers: a rate such as 2.5/s is stated as 5 per 2 s, over the shortest window
 * up to a minute in which it is whole, or else rounded down (never promising more than is allowed).
 */
export function quotaWindow(limit: Pick<BucketLimit, 'perSecond'>): { q: number; w: number } {
  const { perSecond } = limit;
  for (let w = 1; w <= 60; w++) {
    const q = Math.round(perSecond * w);
    if (q >= 1 && Math.abs(perSecond * w - q) < 1e-9) return { q, w };
  }
  const w = perSecond >= 1 ? 1 : Math.ceil(1 / perSecond);
  return { q: Math.max(1, Math.floor(perSecond * w)), w };
}

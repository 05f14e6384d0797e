import { describe, expect, it } from 'vitest';
import { RequestLimiter, type AdmissionRequest } from '../../src/ratelimit/RequestLimiter.ts';
import { quotaWindow, rateLimitHeaders } from '../../src/ratelimit/rateLimitHeaders.ts';

const limiter = (perKey = { perSecond: 10, burst: 3 }, perTenant = { perSecond: 100, burst: 5 }) =>
  new RequestLimiter({ perKey, perTenant, maxBuckets: 100 });
const req = (key: string, tenant = 't1', extra: Partial<AdmissionRequest> = {}): AdmissionRequest => ({ key, tenant, keyLimit: null, ...extra });

describe('RequestLimiter', () => {
  it('admits only when both buckets have room, and takes from both', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) expect(l.admit(req('a'), 0).allowed).toBe(true);
    const refused = l.admit(req('a'), 0);
    expect(refused).toMatchObject({ allowed: false, refusedBy: 'key', retryAfterMs: 100 });
    expect(refused.standings.map((s) => [s.kind, s.remaining])).toEqual([['key', 0], ['tenant', 2]]);
    // b has its own key bucket but shares the tenant's: 2 left there.
    expect([l.admit(req('b'), 0).allowed, l.admit(req('b'), 0).allowed, l.admit(req('b'), 0).allowed]).toEqual([true, true, false]);
    const byTenant = l.admit(req('c'), 0);
    expect(byTenant).toMatchObject({ allowed: false, refusedBy: 'tenant', retryAfterMs: 10 });
    // c's bucket was left full.
    expect(byTenant.standings[0]).toMatchObject({ kind: 'key', remaining: 3, resetMs: 0 });
  });

  it('waits for the slower bucket when both are empty, and names the key', () => {
    const l = limiter({ perSecond: 1, burst: 1 }, { perSecond: 2, burst: 1 });
    expect(l.admit(req('a'), 0).allowed).toBe(true);
    expect(l.admit(req('a'), 0)).toMatchObject({ allowed: false, refusedBy: 'key', retryAfterMs: 1_000 });
  });

  it("uses a key's own limit, and one that cannot be honoured falls back to the default, never to none", () => {
    const l = limiter();
    const own = l.admit(req('a', 't1', { keyLimit: { perSecond: 2, burst: 50 } }), 0);
    expect(own.standings[0]).toMatchObject({ limit: { perSecond: 2, burst: 50 }, remaining: 49 });
    for (const broken of [{ perSecond: 0, burst: 5 }, { perSecond: 5, burst: 0 }, { perSecond: Number.NaN, burst: 5 }]) {
      expect(l.admit(req(`k${broken.burst}${broken.perSecond}`, 't2', { keyLimit: broken }), 0).standings[0]?.limit).toEqual({ perSecond: 10, burst: 3 });
    }
  });

  it('skips a kind whose limit is off', () => {
    const l = new RequestLimiter({ perKey: null, perTenant: null, maxBuckets: 10 });
    for (let i = 0; i < 1_000; i++) expect(l.admit(req(`k${i % 3}`), 0)).toEqual({ allowed: true, standings: [], retryAfterMs: 0, refusedBy: null });
  });
});

describe('rateLimitHeaders', () => {
  it('writes one Structured Fields item per bucket', () => {
    expect(rateLimitHeaders([
      { kind: 'key', limit: { perSecond: 1_000, burst: 2_000 }, remaining: 1_999, resetMs: 1 },
      { kind: 'tenant', limit: { perSecond: 5_000, burst: 10_000 }, remaining: 0, resetMs: 2_000 },
    ])).toEqual({
      policy: '"key";q=1000;w=1;vellum-burst=2000, "tenant";q=5000;w=1;vellum-burst=10000',
      current: '"key";r=1999;t=1, "tenant";r=0;t=2',
    });
    expect(rateLimitHeaders([])).toBeNull();
  });

  it('states a rate that is not whole per second over the shortest whole window, never promising more', () => {
    expect(quotaWindow({ perSecond: 1_000 })).toEqual({ q: 1_000, w: 1 });
    expect(quotaWindow({ perSecond: 2.5 })).toEqual({ q: 5, w: 2 });
    expect(quotaWindow({ perSecond: 0.2 })).toEqual({ q: 1, w: 5 });
    expect(quotaWindow({ perSecond: 1 / 3 })).toEqual({ q: 1, w: 3 });
    expect(quotaWindow({ perSecond: 0.01 })).toEqual({ q: 1, w: 100 });
    // No whole window within a minute: rounded down.
    expect(quotaWindow({ perSecond: Math.PI })).toEqual({ q: 3, w: 1 });
    expect(quotaWindow({ perSecond: 0.013 })).toEqual({ q: 1, w: 77 });
  });
});

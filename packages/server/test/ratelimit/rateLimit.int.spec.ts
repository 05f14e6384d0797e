import { afterEach, describe, expect, it } from 'vitest';
import type { RateLimitSetting } from '@vellum/core';
import { generateApiKey } from '../../src/auth/generateApiKey.ts';
import { hashApiKey } from '../../src/auth/hashApiKey.ts';
import { createMemoryStore } from '../../src/store/createMemoryStore.ts';
import type { VellumStore } from '../../src/store/VellumStore.ts';
import type { RateLimitOptions } from '../../src/config/VellumConfig.ts';
import { ADMIN_KEY, makeTestApp, type TestApp } from '../support/testApp.ts';

/** Small numbers so a test can empty a bucket in a few requests: keys 10/s burst 5, tenants 20/s burst 10. */
const LIMITS: RateLimitOptions = { perKeyPerSecond: 10, perKeyBurst: 5, perTenantPerSecond: 20, perTenantBurst: 10 };

const keys = {
  acme1: generateApiKey(),
  acme2: generateApiKey(),
  acme3: generateApiKey(),
  globex: generateApiKey(),
  slow: generateApiKey(),
};

async function addKey(store: VellumStore, key: string, tenant: string, rateLimit: RateLimitSetting | null = null): Promise<void> {
  await store.createKey({
    id: `id-${key.slice(3, 11)}`, tenant, name: 'rate limit test', prefix: key.slice(0, 7), hash: hashApiKey(key), scopes: ['events:read'],
    createdAt: new Date(0).toISOString(), expiresAt: null, revokedAt: null,
    rateLimit, rotatedFrom: null, lastUsedAt: null, requestCount: 0,
  });
}

describe('rate limits', () => {
  let t: TestApp;
  let now: number;
  afterEach(async () => {
    await t?.app.close();
  });

  async function start(rateLimits: RateLimitOptions = LIMITS): Promise<TestApp> {
    now = Date.parse('2026-01-01T00:00:00Z');
    const store = createMemoryStore();
    for (const id of ['acme', 'globex']) await store.createTenant({ id, name: id, createdAt: new Date(0).toISOString() });
    await addKey(store, keys.acme1, 'acme');
    await addKey(store, keys.acme2, 'acme');
    await addKey(store, keys.acme3, 'acme');
    await addKey(store, keys.globex, 'globex');
    // One request every 5 s, two saved up.
    await addKey(store, keys.slow, 'globex', { perSecond: 0.2, burst: 2 });
    t = await makeTestApp({ store, clock: () => now, config: { rateLimits, logLevel: 'warn' } });
    return t;
  }

  const search = (key: string) => t.app.inject({ method: 'GET', url: '/v1/events?limit=1', headers: { authorization: `Bearer ${key}` } });
  const statuses = async (key: string, n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await search(key)).statusCode);
    return out;
  };

  it('describes both buckets on every limited response (draft-ietf-httpapi-ratelimit-headers-10)', async () => {
    await start();
    const res = await search(keys.acme1);
    expect(res.statusCode).toBe(200);
    expect(res.headers['ratelimit-policy']).toBe('"key";q=10;w=1;vellum-burst=5, "tenant";q=20;w=1;vellum-burst=10');
    // One request taken from each: a tenth of a second (one token at 10/s) refills the key; 50 ms the tenant.
    expect(res.headers.ratelimit).toBe('"key";r=4;t=1, "tenant";r=9;t=1');
    // A second later both are full again, and the next request leaves them as the first did.
    now += 1_000;
    expect((await search(keys.acme1)).headers.ratelimit).toBe('"key";r=4;t=1, "tenant";r=9;t=1');
  });

  it('refuses the request past the burst with 429 RATE_LIMITED, Retry-After and the headers, and counts it', async () => {
    await start();
    expect(await statuses(keys.acme1, 5)).toEqual([200, 200, 200, 200, 200]);
    const res = await search(keys.acme1);
    expect(res.statusCode).toBe(429);
    expect(res.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['ratelimit-policy']).toBe('"key";q=10;w=1;vellum-burst=5, "tenant";q=20;w=1;vellum-burst=10');
    // Nothing is taken for a refused request: the tenant still has the 5 its other keys may use.
    expect(res.headers.ratelimit).toBe('"key";r=0;t=1, "tenant";r=5;t=1');

    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^vellum_rate_limited_requests_total\{limit="key"\} 1$/m);
    expect(metrics.body).toMatch(/^vellum_rate_limited_requests_total\{limit="tenant"\} 0$/m);
  });

  it('refills over time, exactly, and saves up no more than the burst', async () => {
    await start();
    await statuses(keys.acme1, 5);
    expect((await search(keys.acme1)).statusCode).toBe(429);
    now += 99;
    expect((await search(keys.acme1)).statusCode).toBe(429);
    now += 1;
    expect((await search(keys.acme1)).statusCode).toBe(200);
    expect((await search(keys.acme1)).statusCode).toBe(429);
    // A long pause earns the burst (5), not 10 s × 10/s.
    now += 10_000;
    expect(await statuses(keys.acme1, 6)).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it("applies a key's own rate limit instead of the default, with a Retry-After in whole seconds", async () => {
    await start();
    const first = await search(keys.slow);
    expect(first.headers['ratelimit-policy']).toBe('"key";q=1;w=5;vellum-burst=2, "tenant";q=20;w=1;vellum-burst=10');
    expect(first.headers.ratelimit).toBe('"key";r=1;t=5, "tenant";r=9;t=1');
    expect((await search(keys.slow)).statusCode).toBe(200);
    const refused = await search(keys.slow);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('5');
    now += 4_999;
    expect((await search(keys.slow)).statusCode).toBe(429);
    now += 1;
    expect((await search(keys.slow)).statusCode).toBe(200);
    // Another key of the same tenant is on the default.
    expect(await statuses(keys.globex, 6)).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it("holds a tenant with several keys to the tenant's bucket while another tenant is still served", async () => {
    await start();
    // Each key alone is within its own limit (5), but acme's three keys together pass the tenant's (10).
    expect(await statuses(keys.acme1, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(await statuses(keys.acme2, 5)).toEqual([200, 200, 200, 200, 200]);
    const refused = await search(keys.acme3);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    // acme3's own bucket was not touched.
    expect(refused.headers.ratelimit).toBe('"key";r=5;t=0, "tenant";r=0;t=1');
    expect((await search(keys.globex)).statusCode).toBe(200);

    // 50 ms at 20/s is one token for the tenant.
    now += 50;
    expect((await search(keys.acme3)).statusCode).toBe(200);
    expect((await search(keys.acme3)).statusCode).toBe(429);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^vellum_rate_limited_requests_total\{limit="tenant"\} 2$/m);
  });

  it("counts a viewer token's reads against the key that minted it, under that key's own limit", async () => {
    await start();
    const minted = await t.app.inject({ method: 'POST', url: '/v1/viewer-tokens', headers: { authorization: `Bearer ${keys.slow}` }, payload: {} });
    expect(minted.statusCode).toBe(201); // the slow key's first token of two
    const token = minted.json().token as string;
    // One token left in the slow key's bucket (0.2/s, burst 2): the viewer takes it, then is refused.
    expect((await search(token)).statusCode).toBe(200);
    const refused = await search(token);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('5');
    // Minting more tokens does not buy more requests: the key itself is out too.
    expect((await search(keys.slow)).statusCode).toBe(429);
  });

  it('counts an admin acting for another tenant against that tenant', async () => {
    await start();
    const asAcme = () => t.app.inject({ method: 'GET', url: '/v1/events?limit=1', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'vellum-tenant': 'acme' } });
    expect(await statuses(keys.acme1, 5)).toEqual([200, 200, 200, 200, 200]);
    for (let i = 0; i < 5; i++) expect((await asAcme()).statusCode).toBe(200);
    expect((await asAcme()).statusCode).toBe(429);
    expect((await search(keys.acme2)).statusCode).toBe(429);
  });

  it('does not limit public routes, unknown routes or requests without a key', async () => {
    await start();
    await statuses(keys.acme1, 6);
    for (let i = 0; i < 50; i++) {
      const health = await t.app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
      expect(health.headers['ratelimit-policy']).toBeUndefined();
      expect(health.headers.ratelimit).toBeUndefined();
    }
    const missing = await t.app.inject({ method: 'GET', url: '/v1/nowhere', headers: { authorization: `Bearer ${keys.acme1}` } });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers.ratelimit).toBeUndefined();
    const anonymous = await t.app.inject({ method: 'GET', url: '/v1/events' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers.ratelimit).toBeUndefined();
  });

  it('limits nothing and sends no headers when both rates are 0; one kind alone when the other is 0', async () => {
    await start({ perKeyPerSecond: 0, perKeyBurst: 0, perTenantPerSecond: 0, perTenantBurst: 0 });
    const all = await statuses(keys.acme1, 100);
    expect(all.every((s) => s === 200)).toBe(true);
    const res = await search(keys.acme1);
    expect(res.headers['ratelimit-policy']).toBeUndefined();
    expect(res.headers.ratelimit).toBeUndefined();
    // A key's own limit still holds when the default is off.
    expect((await search(keys.slow)).headers['ratelimit-policy']).toBe('"key";q=1;w=5;vellum-burst=2');
    await t.app.close();

    await start({ ...LIMITS, perKeyPerSecond: 0 });
    expect((await search(keys.acme1)).headers['ratelimit-policy']).toBe('"tenant";q=20;w=1;vellum-burst=10');
    expect(await statuses(keys.acme1, 10)).toEqual([...Array(9).fill(200), 429]);
  });
});

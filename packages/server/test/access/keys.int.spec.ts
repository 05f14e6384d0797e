import { afterEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/auth/hashApiKey.ts';
import { isWellFormedApiKey } from '../../src/auth/generateApiKey.ts';
import { ADMIN_KEY, anEvent, makeTestApp, type TestApp } from '../support/testApp.ts';

/** The keys API through HTTP on the in-memory store, with a clock the test moves. */
describe('/v1/keys', () => {
  let t: TestApp;
  let now = Date.parse('2026-11-26T10:00:00.000Z');
  afterEach(async () => {
    await t?.app.close();
  });

  async function start() {
    now = Date.parse('2026-11-26T10:00:00.000Z');
    t = await makeTestApp({ clock: () => now });
    for (const id of ['acme', 'globex']) {
      expect((await t.app.inject({ method: 'POST', url: '/v1/tenants', headers: t.auth(), payload: { id } })).statusCode).toBe(201);
    }
    return t;
  }

  /** The admin key acting for acme, where these tests create their keys. */
  const asAdmin = { authorization: `Bearer ${ADMIN_KEY}`, 'vellum-tenant': 'acme' };
  const bearer = (key: string, tenant?: string) => ({ authorization: `Bearer ${key}`, ...(tenant === undefined ? {} : { 'vellum-tenant': tenant }) });

  async function createKey(payload: Record<string, unknown>, headers: Record<string, string> = { ...t.auth(), 'vellum-tenant': 'acme' }) {
    const res = await t.app.inject({ method: 'POST', url: '/v1/keys', headers, payload });
    return res;
  }

  const write = (key: string) => t.app.inject({ method: 'POST', url: '/v1/events', headers: bearer(key), payload: anEvent() });
  const read = (key: string) => t.app.inject({ method: 'GET', url: '/v1/events', headers: bearer(key) });

  it('creates a key whose secret is shown once, works for exactly its scopes, and is stored only as a hash', async () => {
    await start();
    const res = await createKey({ name: 'billing writer', scopes: ['events:write'] });
    expect(res.statusCode).toBe(201);
    const { key, secret } = res.json();
    expect(isWellFormedApiKey(secret)).toBe(true);
    expect(key).toMatchObject({ tenant: 'acme', name: 'billing writer', scopes: ['events:write'], status: 'active', prefix: secret.slice(0, 7), requestCount: 0 });
    expect(JSON.stringify(key)).not.toContain(secret);
    expect(JSON.stringify(key)).not.toContain(hashApiKey(secret));
    const stored = await t.store.findKeyById('acme', key.id);
    expect(stored?.hash).toBe(hashApiKey(secret));
    expect(JSON.stringify(stored)).not.toContain(secret);

    expect((await write(secret)).statusCode).toBe(201);
    expect(await t.store.headPosition('acme')).toBe(1);
    expect((await read(secret)).statusCode).toBe(403);
    // The list never shows a secret or hash again.
    const list = await t.app.inject({ method: 'GET', url: '/v1/keys', headers: { ...t.auth(), 'vellum-tenant': 'acme' } });
    expect(list.json().keys.map((k: { id: string }) => k.id)).toEqual([key.id]);
    expect(list.body).not.toContain(secret);
    expect(list.body).not.toContain(hashApiKey(secret));
  });

  it('lists every problem of a bad create request and creates nothing', async () => {
    await start();
    const res = await createKey({ name: '', scopes: ['events:write', 'events:everything', 'events:write'], expiresIn: '1h30m', rateLimit: { perSecond: -1, burst: 1.5 }, colour: 'red' });
    expect(res.statusCode).toBe(400);
    const paths = res.json().error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['/colour', '/expiresIn', '/name', '/rateLimit/burst', '/rateLimit/perSecond', '/scopes/1', '/scopes/2'].sort());
    for (const name of ['bell\u0007', 'csi\u009b', 'half \udc00']) {
      expect((await createKey({ name, scopes: ['events:read'] })).statusCode, JSON.stringify(name)).toBe(400);
    }
    expect(await t.store.listKeys('acme')).toEqual([]);
  });

  it('lets a key manager grant only the scopes it holds, never admin, and never a rate limit of its own', async () => {
    await start();
    const manager = (await createKey({ name: 'manager', scopes: ['keys:manage', 'events:read'] })).json().secret;
    expect((await createKey({ name: 'r', scopes: ['events:read'] }, bearer(manager))).statusCode).toBe(201);
    const writer = await createKey({ name: 'w', scopes: ['events:write'] }, bearer(manager));
    expect(writer.statusCode).toBe(403);
    expect(writer.json().error.message).toContain('events:write');
    expect((await createKey({ name: 'a', scopes: ['admin'] }, bearer(manager))).statusCode).toBe(403);
    expect((await createKey({ name: 'fast', scopes: ['events:read'], rateLimit: { perSecond: 1e5, burst: 1e5 } }, bearer(manager))).statusCode).toBe(403);
    // Its keys land in its own tenant; it cannot act for another.
    const keys = await t.store.listKeys('acme');
    expect(keys.map((k) => k.name).sort()).toEqual(['manager', 'r']);
    expect((await createKey({ name: 'x', scopes: ['events:read'] }, bearer(manager, 'globex'))).statusCode).toBe(403);
    expect(await t.store.listKeys('globex')).toEqual([]);
  });

  it("scopes an admin's key operations to the tenant it acts on, like every other resource", async () => {
    await start();
    const acmeKey = (await createKey({ name: 'a', scopes: ['events:read'] })).json();
    expect((await t.app.inject({ method: 'GET', url: `/v1/keys/${acmeKey.key.id}`, headers: asAdmin })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: `/v1/keys/${acmeKey.key.id}`, headers: { ...asAdmin, 'vellum-tenant': 'globex' } })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url: `/v1/keys/${acmeKey.key.id}/revoke`, headers: t.auth(), payload: {} })).statusCode).toBe(404);
    expect((await read(acmeKey.secret)).statusCode).toBe(200);
    // Listing every tenant's keys is explicit.
    const all = await t.app.inject({ method: 'GET', url: '/v1/keys?tenant=*', headers: t.auth() });
    expect(all.json().keys.map((k: { tenant: string }) => k.tenant).sort()).toEqual(['acme', 'default']);
  });

  it("keeps tenants apart: another tenant's key id is a 404 for show, revoke and rotate", async () => {
    await start();
    const globexKey = (await createKey({ name: 'g', scopes: ['events:read'] }, { ...t.auth(), 'vellum-tenant': 'globex' })).json();
    const manager = (await createKey({ name: 'manager', scopes: ['keys:manage', 'events:read'] })).json().secret;
    for (const [method, url] of [['GET', `/v1/keys/${globexKey.key.id}`], ['POST', `/v1/keys/${globexKey.key.id}/revoke`], ['POST', `/v1/keys/${globexKey.key.id}/rotate`]] as const) {
      const res = await t.app.inject({ method, url, headers: bearer(manager), ...(method === 'POST' ? { payload: {} } : {}) });
      expect(res.statusCode, url).toBe(404);
      expect(res.body).not.toContain(globexKey.key.prefix);
    }
    expect((await read(globexKey.secret)).statusCode).toBe(200);
    expect((await t.store.findKeyById('globex', globexKey.key.id))?.revokedAt).toBeNull();
  });

  it('revokes a key: refused at once on this node, status revoked, and a key manager cannot revoke a stronger key', async () => {
    await start();
    const reader = (await createKey({ name: 'reader', scopes: ['events:read'] })).json();
    expect((await read(reader.secret)).statusCode).toBe(200);
    const manager = (await createKey({ name: 'manager', scopes: ['keys:manage'] })).json().secret;
    const refused = await t.app.inject({ method: 'POST', url: `/v1/keys/${reader.key.id}/revoke`, headers: bearer(manager), payload: {} });
    expect(refused.statusCode).toBe(403);

    const revoked = await t.app.inject({ method: 'POST', url: `/v1/keys/${reader.key.id}/revoke`, headers: asAdmin, payload: {} });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ id: reader.key.id, status: 'revoked', revokedAt: new Date(now).toISOString() });
    const after = await read(reader.secret);
    expect(after.statusCode).toBe(401);
    // Revoking again keeps the first revocation time.
    now += 60_000;
    const again = await t.app.inject({ method: 'POST', url: `/v1/keys/${reader.key.id}/revoke`, headers: asAdmin, payload: {} });
    expect(again.json().revokedAt).toBe(revoked.json().revokedAt);
  });

  it('ends the viewer tokens a key minted when the key is revoked', async () => {
    await start();
    const reader = (await createKey({ name: 'embedder', scopes: ['events:read'] })).json();
    const minted = await t.app.inject({ method: 'POST', url: '/v1/viewer-tokens', headers: bearer(reader.secret), payload: {} });
    expect(minted.statusCode).toBe(201);
    const token = minted.json().token as string;
    expect((await read(token)).statusCode).toBe(200);
    await t.app.inject({ method: 'POST', url: `/v1/keys/${reader.key.id}/revoke`, headers: asAdmin, payload: {} });
    const after = await read(token);
    expect(after.statusCode).toBe(401);
    expect(after.json().error.message).toContain('revoked');
  });

  it('rotates a key: the new secret works now, the old one until the grace period ends, then not', async () => {
    await start();
    const old = (await createKey({ name: 'ci', scopes: ['events:read'], expiresIn: '30d' })).json();
    const res = await t.app.inject({ method: 'POST', url: `/v1/keys/${old.key.id}/rotate`, headers: asAdmin, payload: { gracePeriod: '1h' } });
    expect(res.statusCode).toBe(201);
    const rotated = res.json();
    expect(rotated.secret).not.toBe(old.secret);
    expect(rotated.key).toMatchObject({ name: 'ci', scopes: ['events:read'], tenant: 'acme', rotatedFrom: old.key.id, expiresAt: old.key.expiresAt });
    expect(rotated.previous).toMatchObject({ id: old.key.id, status: 'active', expiresAt: new Date(now + 3_600_000).toISOString() });
    expect((await read(rotated.secret)).statusCode).toBe(200);
    expect((await read(old.secret)).statusCode).toBe(200);
    now += 3_600_000 + 1_000; // past the grace period (and past the resolver's cache)
    expect((await read(old.secret)).statusCode).toBe(401);
    expect((await read(rotated.secret)).statusCode).toBe(200);
    // An expired key cannot be rotated (that would resurrect it).
    const again = await t.app.inject({ method: 'POST', url: `/v1/keys/${old.key.id}/rotate`, headers: asAdmin, payload: {} });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('KEY_INACTIVE');
  });

  it('expires a key at its expiresAt', async () => {
    await start();
    const key = (await createKey({ name: 'short', scopes: ['events:read'], expiresIn: '10m' })).json();
    expect((await read(key.secret)).statusCode).toBe(200);
    now += 10 * 60_000;
    expect((await read(key.secret)).statusCode).toBe(401);
    const shown = await t.app.inject({ method: 'GET', url: `/v1/keys/${key.key.id}`, headers: asAdmin });
    expect(shown.json().status).toBe('expired');
  });

  it('counts requests and the last use per key, written in the background', async () => {
    await start();
    const key = (await createKey({ name: 'counted', scopes: ['events:read'] })).json();
    for (let i = 0; i < 5; i++) expect((await read(key.secret)).statusCode).toBe(200);
    await t.app.close(); // flushes the counters
    const stored = await t.store.findKeyById('acme', key.key.id);
    expect(stored).toMatchObject({ requestCount: 5, lastUsedAt: new Date(now).toISOString() });
    t = await makeTestApp({ store: t.store, clock: () => now });
  });

  it('answers GET /v1/keys/self for any key, whatever its scopes', async () => {
    await start();
    const writer = (await createKey({ name: 'w', scopes: ['events:write'], expiresIn: '1d' })).json();
    const self = await t.app.inject({ method: 'GET', url: '/v1/keys/self', headers: bearer(writer.secret) });
    expect(self.statusCode).toBe(200);
    expect(self.json()).toMatchObject({ kind: 'key', id: writer.key.id, tenant: 'acme', actingTenant: 'acme', scopes: ['events:write'], expiresAt: writer.key.expiresAt });
    expect((await t.app.inject({ method: 'GET', url: '/v1/keys/self' })).statusCode).toBe(401);
  });

  it('refuses a malformed key before any lookup', async () => {
    await start();
    const key = (await createKey({ name: 'k', scopes: ['events:read'] })).json().secret as string;
    let lookups = 0;
    const find = t.store.findKeyByHash.bind(t.store);
    t.store.findKeyByHash = (hash) => {
      lookups++;
      return find(hash);
    };
    const typo = key.slice(0, 10) + (key[10] === 'a' ? 'b' : 'a') + key.slice(11);
    expect((await read(typo)).statusCode).toBe(401);
    expect((await read(key.slice(0, -1))).statusCode).toBe(401);
    expect(lookups).toBe(0);
  });
});

import { generateApiKey } from '../../src/auth/generateApiKey.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/auth/hashApiKey.ts';
import { createMemoryStore } from '../../src/store/createMemoryStore.ts';
import type { VellumStore } from '../../src/store/VellumStore.ts';
import { ADMIN_KEY, anEvent, makeTestApp, type TestApp } from '../support/testApp.ts';

const WRITER_KEY = generateApiKey();
const READER_KEY = generateApiKey();
const EXPIRED_KEY = generateApiKey();
const REVOKED_KEY = generateApiKey();

async function addKey(store: VellumStore, key: string, tenant: string, scopes: string[], extra: { expiresAt?: string; revokedAt?: string } = {}) {
  await store.createKey({
    id: `id-${key}`, tenant, name: key, prefix: key.slice(0, 7), hash: hashApiKey(key), scopes,
    createdAt: new Date().toISOString(), expiresAt: extra.expiresAt ?? null, revokedAt: extra.revokedAt ?? null,
    rateLimit: null, rotatedFrom: null, lastUsedAt: null, requestCount: 0,
  });
}

describe('API keys and scopes', () => {
  let t: TestApp;
  afterEach(async () => {
    await t?.app.close();
  });

  async function appWithKeys() {
    const store = createMemoryStore();
    for (const id of ['acme', 'globex']) await store.createTenant({ id, name: id, createdAt: new Date().toISOString() });
    await addKey(store, WRITER_KEY, 'acme', ['events:write']);
    await addKey(store, READER_KEY, 'acme', ['events:read']);
    await addKey(store, EXPIRED_KEY, 'acme', ['events:read'], { expiresAt: '2000-01-01T00:00:00.000Z' });
    await addKey(store, REVOKED_KEY, 'acme', ['events:read'], { revokedAt: '2020-01-01T00:00:00.000Z' });
    t = await makeTestApp({ store });
    return t;
  }

  const search = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/v1/events', headers });

  it('answers 401 UNAUTHENTICATED without a key, with an unknown key, an expired key or a revoked key', async () => {
    await appWithKeys();
    for (const headers of [{}, { authorization: 'Bearer vk_nope' }, { authorization: `Basic ${READER_KEY}` }, { authorization: `Bearer ${EXPIRED_KEY}` }, { 'x-api-key': REVOKED_KEY }] as Array<Record<string, string>>) {
      const res = await search(headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('accepts the key as a Bearer token or in X-API-Key', async () => {
    await appWithKeys();
    expect((await search({ authorization: `Bearer ${READER_KEY}` })).statusCode).toBe(200);
    expect((await search({ authorization: `bearer ${READER_KEY}` })).statusCode).toBe(200);
    expect((await search({ 'x-api-key': READER_KEY })).statusCode).toBe(200);
  });

  it('answers 403 FORBIDDEN when the key lacks the route scope', async () => {
    await appWithKeys();
    const read = await search({ authorization: `Bearer ${WRITER_KEY}` });
    expect(read.statusCode).toBe(403);
    expect(read.json().error.code).toBe('FORBIDDEN');
    const write = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${READER_KEY}` }, payload: anEvent() });
    expect(write.statusCode).toBe(403);
  });

  it('authenticates before reading the body, so an anonymous caller gets 401 even for a huge or broken body', async () => {
    await appWithKeys();
    const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: '{broken' });
    expect(res.statusCode).toBe(401);
  });

  it('writes with a tenant key into its own tenant, invisible to other tenants', async () => {
    await appWithKeys();
    const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${WRITER_KEY}` }, payload: anEvent() });
    expect(res.statusCode).toBe(201);
    const id = res.json().events[0].id;
    const mine = await t.app.inject({ method: 'GET', url: `/v1/events/${id}`, headers: { authorization: `Bearer ${READER_KEY}` } });
    expect(mine.json().tenant).toBe('acme');
    // The admin acts on `default` unless told otherwise: acme's event is a 404 there.
    const adminDefault = await t.app.inject({ method: 'GET', url: `/v1/events/${id}`, headers: t.auth() });
    expect(adminDefault.statusCode).toBe(404);
    const adminAcme = await t.app.inject({ method: 'GET', url: `/v1/events/${id}`, headers: { ...t.auth(), 'vellum-tenant': 'acme' } });
    expect(adminAcme.statusCode).toBe(200);
  });

  it('lets an admin write for another tenant with Vellum-Tenant', async () => {
    await appWithKeys();
    const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { ...t.auth(), 'vellum-tenant': 'acme' }, payload: anEvent() });
    expect(res.statusCode).toBe(201);
    expect(await t.store.headPosition('acme')).toBe(1);
    expect(await t.store.headPosition('default')).toBe(0);
  });

  it('answers 404 when an admin names a tenant that does not exist, and writes nothing', async () => {
    await appWithKeys();
    const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { ...t.auth(), 'vellum-tenant': 'nosuch' }, payload: anEvent() });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toContain('POST /v1/tenants');
    expect(await t.store.headPosition('nosuch')).toBe(0);
  });

  it('answers 403 when a non-admin key names another tenant in Vellum-Tenant, and accepts its own', async () => {
    await appWithKeys();
    const other = await search({ authorization: `Bearer ${READER_KEY}`, 'vellum-tenant': 'globex' });
    expect(other.statusCode).toBe(403);
    expect(other.json().error.code).toBe('FORBIDDEN');
    const own = await search({ authorization: `Bearer ${READER_KEY}`, 'vellum-tenant': 'acme' });
    expect(own.statusCode).toBe(200);
  });

  it('refuses a malformed Vellum-Tenant header with its path', async () => {
    await appWithKeys();
    const res = await search({ ...t.auth(), 'vellum-tenant': 'no spaces/allowed' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].path).toBe('/headers/vellum-tenant');
  });

  it('makes VELLUM_BOOTSTRAP_KEY the admin key, stored only as its hash, and prints nothing', async () => {
    const store = createMemoryStore();
    t = await makeTestApp({ store, config: { bootstrapKey: ADMIN_KEY } });
    expect(t.announced).toEqual([]);
    const record = await store.findKeyByHash(hashApiKey(ADMIN_KEY));
    expect(record).toMatchObject({ tenant: 'default', scopes: ['admin'], hash: hashApiKey(ADMIN_KEY) });
    expect(JSON.stringify(record)).not.toContain(ADMIN_KEY);
    expect((await search(t.auth())).statusCode).toBe(200);
  });

  it('generates an admin key on first start with an empty key table, prints it once, and never again', async () => {
    const store = createMemoryStore();
    t = await makeTestApp({ store, config: { bootstrapKey: null } });
    expect(t.announced).toHaveLength(1);
    const key = /\b(vk_[0-9A-Za-z]{36})\b/.exec(t.announced[0]!)?.[1];
    expect(key).toBeDefined();
    expect((await search({ authorization: `Bearer ${key}` })).statusCode).toBe(200);
    expect(t.logs.join('\n')).not.toContain(key);
    // A second start on the same store: no new key, nothing printed.
    const second = await makeTestApp({ store, config: { bootstrapKey: null } });
    expect(second.announced).toEqual([]);
    expect(await store.countKeys()).toBe(1);
    await second.app.ready();
  });

  it('never writes a presented key to the log, even at trace level', async () => {
    await appWithKeys();
    await search({ authorization: `Bearer ${READER_KEY}` });
    await search({ 'x-api-key': WRITER_KEY });
    await search({ authorization: 'Bearer vk_unknown_key_123456789' });
    const all = t.logs.join('\n');
    for (const k of [READER_KEY, WRITER_KEY, generateApiKey(), ADMIN_KEY]) expect(all).not.toContain(k);
  });
});

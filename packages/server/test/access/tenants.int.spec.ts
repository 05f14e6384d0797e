import { afterEach, describe, expect, it } from 'vitest';
import { anEvent, makeTestApp, type TestApp } from '../support/testApp.ts';

describe('/v1/tenants', () => {
  let t: TestApp;
  afterEach(async () => {
    await t?.app.close();
  });

  const create = (payload: unknown, headers = t.auth()) => t.app.inject({ method: 'POST', url: '/v1/tenants', headers, payload: payload as object });

  it('has the default and system tenants from the first start, and creates others once', async () => {
    t = await makeTestApp();
    const before = await t.app.inject({ method: 'GET', url: '/v1/tenants', headers: t.auth() });
    expect(before.json().tenants.map((x: { id: string }) => x.id)).toEqual(['default', 'system']);

    const res = await create({ id: 'acme', name: 'Acme Corp' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ id: 'acme', name: 'Acme Corp' });
    const dup = await create({ id: 'acme', name: 'Someone else' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('ALREADY_EXISTS');
    expect((await t.store.getTenant('acme'))?.name).toBe('Acme Corp');

    // Now an admin can write for it.
    const write = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { ...t.auth(), 'vellum-tenant': 'acme' }, payload: anEvent() });
    expect(write.statusCode).toBe(201);
  });

  it('lists every problem of a bad request and creates nothing', async () => {
    t = await makeTestApp();
    const res = await create({ id: 'no spaces', name: 'x\u0000y', plan: 'gold' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.map((d: { path: string }) => d.path).sort()).toEqual(['/id', '/name', '/plan']);
    expect((await create([1, 2])).statusCode).toBe(400);
    for (const name of ['csi\u009b2J', 'lone \ud800 surrogate', ' ', 'x'.repeat(201)]) {
      const bad = await create({ id: 'fine', name });
      expect(bad.statusCode, JSON.stringify(name)).toBe(400);
      expect(bad.json().error.details[0].path).toBe('/name');
    }
    expect((await t.store.listTenants()).map((x) => x.id)).toEqual(['default', 'system']);
  });

  it('is for admin keys only', async () => {
    t = await makeTestApp();
    const keyRes = await t.app.inject({ method: 'POST', url: '/v1/keys', headers: t.auth(), payload: { name: 'm', scopes: ['keys:manage', 'events:read', 'events:write', 'subscriptions:manage'] } });
    const strong = keyRes.json().secret as string;
    expect((await create({ id: 'sneaky' }, { authorization: `Bearer ${strong}` })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/v1/tenants', headers: { authorization: `Bearer ${strong}` } })).statusCode).toBe(403);
    expect(await t.store.getTenant('sneaky')).toBeNull();
  });
});

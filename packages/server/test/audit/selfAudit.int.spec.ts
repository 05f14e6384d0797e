import { afterEach, describe, expect, it } from 'vitest';
import { isSealedValue, type StoredEvent } from '@vellum/core';
import { anEvent, makeTestApp, type TestApp } from '../support/testApp.ts';

/** Vellum records its own security events in the `system` tenant, readable with admin keys. */
describe('self-audit', () => {
  let t: TestApp;
  afterEach(async () => {
    await t?.app.close();
  });

  async function systemEvents(): Promise<StoredEvent[]> {
    const res = await t.app.inject({ method: 'GET', url: '/v1/events?order=asc&limit=1000', headers: { ...t.auth(), 'vellum-tenant': 'system' } });
    expect(res.statusCode).toBe(200);
    return res.json().events as StoredEvent[];
  }

  it('records tenant creation and key creation, rotation and revocation, with who, from where, and never a secret', async () => {
    t = await makeTestApp();
    await t.app.inject({ method: 'POST', url: '/v1/tenants', headers: t.auth(), payload: { id: 'acme' } });
    const created = (await t.app.inject({ method: 'POST', url: '/v1/keys', headers: { ...t.auth(), 'vellum-tenant': 'acme', 'user-agent': 'ops-console/1.0' }, payload: { name: 'ci', scopes: ['events:write'] } })).json();
    const rotated = (await t.app.inject({ method: 'POST', url: `/v1/keys/${created.key.id}/rotate`, headers: { ...t.auth(), 'vellum-tenant': 'acme' }, payload: { gracePeriod: '0s' } })).json();
    await t.app.inject({ method: 'POST', url: `/v1/keys/${rotated.key.id}/revoke`, headers: { ...t.auth(), 'vellum-tenant': 'acme' }, payload: {} });

    const events = await systemEvents();
    expect(events.map((e) => e.type)).toEqual(['vellum.tenant.created', 'vellum.key.created', 'vellum.key.rotated', 'vellum.key.revoked']);
    const admin = await t.store.listKeys('default');
    const keyCreated = events[1]!;
    expect(keyCreated).toMatchObject({
      tenant: 'system',
      actor: { type: 'api_key', id: admin[0]!.id, name: admin[0]!.prefix },
      entity: { type: 'ApiKey', id: created.key.id, name: 'ci' },
      context: { userAgent: 'ops-console/1.0', route: '/v1/keys' },
      data: { tenant: 'acme', scopes: ['events:write'] },
      tags: ['tenant:acme'],
    });
    expect(events[2]!.data).toMatchObject({ replacedBy: rotated.key.id });
    expect(events[3]).toMatchObject({ severity: 'high', entity: { id: rotated.key.id } });
    const all = JSON.stringify(events);
    for (const secret of [created.secret, rotated.secret]) expect(all).not.toContain(secret);
    // The key's owner tenant cannot read the system tenant.
    const own = await t.app.inject({ method: 'GET', url: '/v1/events', headers: { authorization: `Bearer ${rotated.secret}`, 'vellum-tenant': 'system' } });
    expect(own.statusCode).toBe(401);
  });

  it('summarises failed authentications, without the presented credential, at most one event per second', async () => {
    t = await makeTestApp();
    const bogus = 'vk_0000000000000000000000000000000000000';
    for (let i = 0; i < 25; i++) {
      const res = await t.app.inject({ method: 'GET', url: '/v1/events', headers: { authorization: `Bearer ${bogus}` }, remoteAddress: '203.0.113.7' });
      expect(res.statusCode).toBe(401);
    }
    await t.app.inject({ method: 'GET', url: '/v1/stats?groupBy=type', remoteAddress: '198.51.100.1' });
    // Closing flushes the summary; reopen the same store to read it.
    const { store } = t;
    await t.app.close();
    t = await makeTestApp({ store });
    const failures = (await systemEvents()).filter((e) => e.type === 'vellum.auth.failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ severity: 'medium', outcome: 'failure', data: { failures: 26, ips: ['203.0.113.7', '198.51.100.1'], routes: ['GET /v1/events', 'GET /v1/stats'] } });
    expect(JSON.stringify(failures)).not.toContain(bogus);
  });

  it('records every export, with the filter names used but not their values', async () => {
    t = await makeTestApp();
    await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: anEvent() });
    const res = await t.app.inject({ method: 'GET', url: '/v1/export?format=csv&actorId=secret-actor-42', headers: t.auth() });
    expect(res.statusCode).toBe(200);
    await waitFor(async () => (await systemEvents()).some((e) => e.type === 'vellum.export.completed'));
    const exported = (await systemEvents()).find((e) => e.type === 'vellum.export.completed')!;
    expect(exported.data).toMatchObject({ route: '/v1/export', queryParameters: ['format', 'actorId'], status: 200 });
    expect(JSON.stringify(exported)).not.toContain('secret-actor-42');
  });

  it('seals the caller\'s IP like any personal field, and forgetting the acting key\'s subject erases it', async () => {
    t = await makeTestApp();
    const ip = '198.51.100.23';
    await t.app.inject({ method: 'POST', url: '/v1/tenants', headers: t.auth(), payload: { id: 'acme' }, remoteAddress: ip });
    const [created] = (await systemEvents()).filter((e) => e.type === 'vellum.tenant.created');
    expect(created!.context!['ip']).toBe(ip);
    const stored = await t.app.inject({ method: 'GET', url: `/v1/events/${created!.id}?form=stored`, headers: { ...t.auth(), 'vellum-tenant': 'system' } });
    expect(isSealedValue(stored.json().context.ip)).toBe(true);
    expect(stored.payload).not.toContain(ip);

    const subject = `${created!.actor.type}:${created!.actor.id}`;
    const forgot = await t.app.inject({ method: 'POST', url: `/v1/subjects/${encodeURIComponent(subject)}/forget`, headers: { ...t.auth(), 'vellum-tenant': 'system' }, payload: {} });
    expect(forgot.statusCode).toBe(200);
    const after = (await systemEvents()).find((e) => e.id === created!.id)!;
    expect(after.context!['ip']).toBe('[erased]');
  });

  it('records reads made with viewer tokens, not those made with keys', async () => {
    t = await makeTestApp();
    await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: anEvent() });
    await t.app.inject({ method: 'GET', url: '/v1/events', headers: t.auth() });
    const minted = await t.app.inject({ method: 'POST', url: '/v1/viewer-tokens', headers: t.auth(), payload: { actor: { type: 'user', id: '5' } } });
    expect(minted.statusCode).toBe(201);
    const token = minted.json().token as string;
    expect((await t.app.inject({ method: 'GET', url: '/v1/events', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/v1/streams/PolicyConfiguration:123/events', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    await waitFor(async () => (await systemEvents()).filter((e) => e.type === 'vellum.viewer.read').length >= 2);
    const reads = (await systemEvents()).filter((e) => e.type === 'vellum.viewer.read');
    expect(reads.map((e) => e.data?.route)).toEqual(['/v1/events', '/v1/streams/:stream/events']);
    expect(reads[0]).toMatchObject({ actor: { type: 'viewer_token', id: minted.json().tokenId } });
    expect(JSON.stringify(reads)).not.toContain(token);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting for the audit event');
    await new Promise((r) => setTimeout(r, 20));
  }
}

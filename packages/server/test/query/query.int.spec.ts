import { generateApiKey } from '../../src/auth/generateApiKey.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/auth/hashApiKey.ts';
import { anEvent, makeTestApp, tempSqliteStore, type TestApp } from '../support/testApp.ts';

const ACME_READER = generateApiKey();

describe('query routes', () => {
  let t: TestApp;
  let cleanup: () => void;
  const ids: string[] = [];

  beforeAll(async () => {
    const sqlite = await tempSqliteStore();
    cleanup = sqlite.cleanup;
    await sqlite.store.createTenant({ id: 'acme', name: 'Acme', createdAt: new Date().toISOString() });
    await sqlite.store.createKey({
      id: 'k-acme', tenant: 'acme', name: 'acme reader', prefix: 'vk_acme', hash: hashApiKey(ACME_READER), scopes: ['events:read'],
      createdAt: new Date().toISOString(), expiresAt: null, revokedAt: null,
      rateLimit: null, rotatedFrom: null, lastUsedAt: null, requestCount: 0,
    });
    t = await makeTestApp({ store: sqlite.store });
    const events = [
      anEvent({ type: 'configuration.updated', severity: 'low', actor: { type: 'user', id: '5' }, entity: { type: 'Policy', id: '1' },
        changes: [{ field: 'fee_percentage', old: 1, new: 2 }], tags: ['company:1'], occurredAt: '2026-01-01T10:00:00.000Z' }),
      anEvent({ type: 'configuration.updated', severity: 'high', actor: { type: 'user', id: '6' }, entity: { type: 'Policy', id: '1' },
        changes: [{ field: 'hours_before', old: 24, new: 48 }], tags: ['company:1', 'urgent'], occurredAt: '2026-01-01T11:00:00.000Z' }),
      anEvent({ type: 'user.login', severity: 'info', actor: { type: 'user', id: '5' }, entity: undefined, source: 'ui', outcome: 'failure',
        correlationId: 'c-1', occurredAt: '2026-01-02T09:00:00.000Z' }),
      anEvent({ type: 'configuration.deleted', severity: 'critical', actor: { type: 'service', id: 'cron' }, entity: { type: 'Policy', id: '2' },
        occurredAt: '2026-01-03T00:00:00.000Z' }),
    ];
    const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: { events } });
    expect(res.statusCode).toBe(201);
    ids.push(...res.json().events.map((e: { id: string }) => e.id));
    const acme = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { ...t.auth(), 'vellum-tenant': 'acme' }, payload: anEvent({ type: 'acme.only' }) });
    ids.push(acme.json().events[0].id);
  });
  afterAll(async () => {
    await t.app.close();
    cleanup();
  });

  const get = async (url: string, headers = t.auth()) => {
    const res = await t.app.inject({ method: 'GET', url, headers });
    return { status: res.statusCode, body: res.json() };
  };
  const types = (body: { events: Array<{ type: string }> }) => body.events.map((e) => e.type);

  it('searches newest first by default and oldest first with order=asc', async () => {
    expect(types((await get('/v1/events')).body)).toEqual(['configuration.deleted', 'user.login', 'configuration.updated', 'configuration.updated']);
    expect((await get('/v1/events?order=asc')).body.events.map((e: { position: number }) => e.position)).toEqual([1, 2, 3, 4]);
  });

  it('filters by type glob, severity, actor, entity, changed field, tag, source, outcome, correlation id and time', async () => {
    expect(types((await get('/v1/events?type=configuration.*&order=asc')).body)).toEqual(['configuration.updated', 'configuration.updated', 'configuration.deleted']);
    expect((await get('/v1/events?minSeverity=high')).body.events).toHaveLength(2);
    expect((await get('/v1/events?severity=low&severity=info')).body.events).toHaveLength(2);
    expect((await get('/v1/events?actorType=user&actorId=5')).body.events).toHaveLength(2);
    expect((await get('/v1/events?entityType=Policy&entityId=1')).body.events).toHaveLength(2);
    const who = (await get('/v1/events?field=fee_percentage')).body.events;
    expect(who.map((e: { actor: { id: string } }) => e.actor.id)).toEqual(['5']);
    expect((await get('/v1/events?tag=company:1&tag=urgent')).body.events).toHaveLength(1);
    expect(types((await get('/v1/events?source=ui&outcome=failure&correlationId=c-1')).body)).toEqual(['user.login']);
    expect((await get('/v1/events?from=2026-01-01T10:30:00Z&to=2026-01-03T00:00:00Z')).body.events).toHaveLength(2);
  });

  it('pages with a keyset cursor that is stable while new events arrive', async () => {
    const first = await get('/v1/events?limit=2&order=asc');
    expect(first.body.events.map((e: { position: number }) => e.position)).toEqual([1, 2]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: anEvent({ type: 'late.arrival' }) });
    const second = await get(`/v1/events?limit=2&order=asc&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body.events.map((e: { position: number }) => e.position)).toEqual([3, 4]);
  });

  it('reports every bad search parameter at once', async () => {
    const { status, body } = await get('/v1/events?limit=5000&order=sideways&minSeverity=huge&bogus=1');
    expect(status).toBe(400);
    const paths = body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['/query/limit', '/query/order', '/query/minSeverity', '/query/bogus']));
  });

  it('answers 400 INVALID_CURSOR for a cursor it did not issue', async () => {
    const { status, body } = await get('/v1/events?cursor=not-a-cursor');
    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_CURSOR');
  });

  it("answers 404 for an unknown id and for another tenant's event alike", async () => {
    expect((await get(`/v1/events/${ids[0]}`)).status).toBe(200);
    const unknown = await get('/v1/events/01900000-0000-7000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
    const acmeEventFromDefault = await get(`/v1/events/${ids[4]}`);
    expect(acmeEventFromDefault.status).toBe(404);
    const defaultEventFromAcme = await get(`/v1/events/${ids[0]}`, { authorization: `Bearer ${ACME_READER}` });
    expect(defaultEventFromAcme.status).toBe(404);
  });

  it("returns an entity's trail forward, backward and from a version", async () => {
    const forward = await get('/v1/streams/Policy:1/events');
    expect(forward.status).toBe(200);
    expect(forward.body).toMatchObject({ stream: 'Policy:1', version: 2 });
    expect(forward.body.events.map((e: { streamVersion: number }) => e.streamVersion)).toEqual([1, 2]);
    const backward = await get('/v1/streams/Policy%3A1/events?direction=backward&limit=1');
    expect(backward.body.events.map((e: { streamVersion: number }) => e.streamVersion)).toEqual([2]);
    const from2 = await get('/v1/streams/Policy:1/events?fromVersion=2');
    expect(from2.body.events.map((e: { streamVersion: number }) => e.streamVersion)).toEqual([2]);
    const empty = await get('/v1/streams/Nothing:here/events');
    expect(empty.body).toEqual({ stream: 'Nothing:here', version: 0, events: [] });
    const bad = await get('/v1/streams/Policy:1/events?direction=up&limit=0&fromVersion=-1');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['/query/direction', '/query/fromVersion', '/query/limit']);
  });

  it('reads a stream whose name holds slashes and spaces when URL-encoded', async () => {
    await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: anEvent({ type: 'file.touched', stream: 'files:/etc/a b' }) });
    const res = await get(`/v1/streams/${encodeURIComponent('files:/etc/a b')}/events`);
    expect(res.body).toMatchObject({ stream: 'files:/etc/a b', version: 1 });
  });

  it('counts events grouped by a field, optionally per day', async () => {
    const byType = await get('/v1/stats?groupBy=type&type=configuration.*');
    expect(byType.status).toBe(200);
    const counts = Object.fromEntries(byType.body.groups.map((g: { key: string; count: number }) => [g.key, g.count]));
    expect(counts).toEqual({ 'configuration.updated': 2, 'configuration.deleted': 1 });
    const perDay = await get('/v1/stats?groupBy=severity&interval=day&to=2026-01-02T00:00:00Z');
    expect(perDay.body.groups).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'low', bucket: '2026-01-01T00:00:00.000Z', count: 1 })]));
    const missing = await get('/v1/stats');
    expect(missing.status).toBe(400);
  });

  it('gives an admin the system-wide trail with tenant=* and refuses it to other keys', async () => {
    const all = await get('/v1/events?tenant=*&limit=1000');
    expect(all.status).toBe(200);
    expect(new Set(all.body.events.map((e: { tenant: string }) => e.tenant))).toEqual(new Set(['default', 'acme']));
    const acmeOnly = await get('/v1/events?tenant=acme');
    expect(types(acmeOnly.body)).toEqual(['acme.only']);
    const refused = await get('/v1/events?tenant=*', { authorization: `Bearer ${ACME_READER}` });
    expect(refused.status).toBe(403);
    const ownTenant = await get('/v1/events?tenant=acme', { authorization: `Bearer ${ACME_READER}` });
    expect(ownTenant.status).toBe(200);
    const stats = await get('/v1/stats?tenant=*&groupBy=type');
    expect(stats.body.groups.some((g: { key: string }) => g.key === 'acme.only')).toBe(true);
  });
});

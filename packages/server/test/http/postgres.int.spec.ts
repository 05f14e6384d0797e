import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { service } from '../support/services.ts';
import { dropStoreSchema, openPostgresStore } from '../../src/store/postgres/index.ts';
import { anEvent, makeTestApp, type TestApp } from '../support/testApp.ts';

const pgUrl = await service('postgres');

describe.skipIf(!pgUrl)('the HTTP API on PostgreSQL', () => {
  const schema = `vellum_http_${randomBytes(4).toString('hex')}`;
  let t: TestApp;

  beforeAll(async () => {
    const store = await openPostgresStore({ url: pgUrl!, schema, migrate: false });
    t = await makeTestApp({ store, config: { logLevel: 'warn' } });
  });
  afterAll(async () => {
    await t?.app.close();
    await dropStoreSchema(pgUrl!, schema);
  });

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/v1/events', headers: { ...t.auth(), ...headers }, payload: payload as object });

  it('gives concurrent requests gapless positions through group commits, and reads them back', async () => {
    const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => post(i % 3 === 0 ? { events: [anEvent(), anEvent()] } : anEvent())));
    expect(responses.every((r) => r.statusCode === 201)).toBe(true);
    const positions = responses.flatMap((r) => r.json().events.map((e: { position: number }) => e.position)).sort((a: number, b: number) => a - b);
    expect(positions).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    const trail = await t.app.inject({ method: 'GET', url: '/v1/streams/PolicyConfiguration:123/events?direction=backward&limit=1', headers: t.auth() });
    expect(trail.json().version).toBe(80);
    const page = await t.app.inject({ method: 'GET', url: '/v1/events?limit=50', headers: t.auth() });
    const next = await t.app.inject({ method: 'GET', url: `/v1/events?limit=50&cursor=${encodeURIComponent(page.json().nextCursor)}`, headers: t.auth() });
    expect([...page.json().events, ...next.json().events].map((e: { position: number }) => e.position)).toEqual(Array.from({ length: 80 }, (_, i) => 80 - i));
  });

  it('returns duplicates for a retried Idempotency-Key and 409 for a stream version conflict', async () => {
    const body = { events: [anEvent({ entity: { type: 'Pg', id: '1' } })] };
    const first = await post(body, { 'idempotency-key': 'pg-req-1' });
    const again = await post(body, { 'idempotency-key': 'pg-req-1' });
    expect(again.json().events[0]).toMatchObject({ id: first.json().events[0].id, duplicate: true });
    const conflict = await post(anEvent({ entity: { type: 'Pg', id: '1' }, expectedVersion: 0 }));
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error).toMatchObject({ code: 'STREAM_VERSION_CONFLICT', expectedVersion: 0, actualVersion: 1 });
  });

  it('is ready while PostgreSQL answers', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});

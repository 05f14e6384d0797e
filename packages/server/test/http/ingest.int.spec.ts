import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { anEvent, makeTestApp, tempSqliteStore, type TestApp } from '../support/testApp.ts';

describe('POST /v1/events', () => {
  let t: TestApp;
  let cleanup: () => void;
  beforeEach(async () => {
    const sqlite = await tempSqliteStore();
    cleanup = sqlite.cleanup;
    t = await makeTestApp({ store: sqlite.store, config: { limits: { maxRequestBytes: 64 * 1024, maxEventBytes: 16 * 1024, maxEventsPerRequest: 50 } } });
  });
  afterEach(async () => {
    await t.app.close();
    cleanup();
  });

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/v1/events', headers: { ...t.auth(), ...headers }, payload: payload as object });

  it('appends one event and answers 201 with its id, position, stream, version and hash', async () => {
    const res = await post(anEvent());
    expect(res.statusCode).toBe(201);
    const [result] = res.json().events;
    expect(result).toMatchObject({ position: 1, stream: 'PolicyConfiguration:123', streamVersion: 1 });
    expect(result.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(result.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.duplicate).toBeUndefined();

    const read = await t.app.inject({ method: 'GET', url: `/v1/events/${result.id}`, headers: t.auth() });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id: result.id, tenant: 'default', type: 'configuration.updated', actor: { id: '5' }, hash: result.hash });
  });

  it('appends a batch in order with consecutive positions and versions', async () => {
    const res = await post({ events: [anEvent(), anEvent({ type: 'configuration.deleted' }), anEvent({ entity: { type: 'Other', id: '1' } })] });
    expect(res.statusCode).toBe(201);
    expect(res.json().events.map((e: { position: number; streamVersion: number }) => [e.position, e.streamVersion])).toEqual([[1, 1], [2, 2], [3, 1]]);
    const page = await t.app.inject({ method: 'GET', url: '/v1/events?order=asc', headers: t.auth() });
    expect(page.json().events.map((e: { type: string }) => e.type)).toEqual(['configuration.updated', 'configuration.deleted', 'configuration.updated']);
  });

  it('rejects a batch whose third event has no actor and stores nothing', async () => {
    const res = await post({ events: [anEvent(), anEvent(), { type: 'x.y' }, { type: 'Bad Type', actor: { type: 'user', id: '1' } }] });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('VALIDATION_FAILED');
    const paths = error.details.map((d: { path: string }) => d.path);
    expect(paths.some((p: string) => p.startsWith('/events/2/actor'))).toBe(true);
    expect(paths.some((p: string) => p.startsWith('/events/3/type'))).toBe(true);
    expect(await t.store.headPosition('default')).toBe(0);
  });

  it('answers 413 PAYLOAD_TOO_LARGE in our error format for a body over the request limit', async () => {
    const res = await post({ events: Array.from({ length: 10 }, () => anEvent({ data: { blob: 'x'.repeat(10_000) } })) });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 413 for an event over the per-event size limit and a batch over the event count limit, naming the problem', async () => {
    const big = await post({ events: [anEvent(), anEvent({ data: { blob: 'x'.repeat(20_000) } })] });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(big.json().error.details[0].path).toBe('/events/1');
    const many = await post({ events: Array.from({ length: 51 }, () => anEvent()) });
    expect(many.statusCode).toBe(413);
    expect(many.json().error.details[0].path).toBe('/events');
    expect(await t.store.headPosition('default')).toBe(0);
  });

  it('answers 400 MALFORMED_JSON for a body that is not JSON, without quoting it', async () => {
    const res = await t.app.inject({
      method: 'POST', url: '/v1/events', headers: { ...t.auth(), 'content-type': 'application/json' }, payload: '{"type": "a.b", "actor": sk_live_SECRET',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('MALFORMED_JSON');
    expect(res.body).not.toContain('sk_live_SECRET');
  });

  it('answers 400 MALFORMED_JSON for an empty JSON body and 415 for another content type', async () => {
    const empty = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { ...t.auth(), 'content-type': 'application/json' }, payload: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('MALFORMED_JSON');
    const text = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { ...t.auth(), 'content-type': 'text/plain' }, payload: 'hello' });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('returns the original result with duplicate: true when a request is retried with the same Idempotency-Key', async () => {
    const body = { events: [anEvent(), anEvent()] };
    const first = await post(body, { 'idempotency-key': 'req-1' });
    const again = await post(body, { 'idempotency-key': 'req-1' });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    const a = first.json().events;
    const b = again.json().events;
    expect(b.map((e: { id: string }) => e.id)).toEqual(a.map((e: { id: string }) => e.id));
    expect(b.every((e: { duplicate?: boolean }) => e.duplicate === true)).toBe(true);
    expect(await t.store.headPosition('default')).toBe(2);
  });

  it('answers 409 IDEMPOTENCY_KEY_REUSED when an Idempotency-Key comes back with a different body', async () => {
    await post(anEvent(), { 'idempotency-key': 'req-2' });
    const res = await post(anEvent({ type: 'something.else' }), { 'idempotency-key': 'req-2' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('refuses a malformed Idempotency-Key header', async () => {
    const res = await post(anEvent(), { 'idempotency-key': 'x'.repeat(300) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].path).toBe('/headers/idempotency-key');
  });

  it('deduplicates per-event idempotency keys and refuses a reused key with a different event', async () => {
    const first = await post(anEvent({ idempotencyKey: 'evt-1' }));
    const again = await post(anEvent({ idempotencyKey: 'evt-1' }));
    expect(again.statusCode).toBe(201);
    expect(again.json().events[0]).toMatchObject({ id: first.json().events[0].id, duplicate: true });
    const different = await post(anEvent({ idempotencyKey: 'evt-1', type: 'other.type' }));
    expect(different.statusCode).toBe(409);
    expect(different.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('answers 409 STREAM_VERSION_CONFLICT with the expected and actual versions', async () => {
    await post({ events: [anEvent(), anEvent()] });
    const res = await post(anEvent({ expectedVersion: 1 }));
    expect(res.statusCode).toBe(409);
    const { error } = res.json();
    expect(error.code).toBe('STREAM_VERSION_CONFLICT');
    expect(error.expectedVersion).toBe(1);
    expect(error.actualVersion).toBe(2);
    const ok = await post(anEvent({ expectedVersion: 2 }));
    expect(ok.statusCode).toBe(201);
    expect(ok.json().events[0].streamVersion).toBe(3);
  });

  it('counts ingested and rejected events in /metrics', async () => {
    await post({ events: [anEvent(), anEvent()] });
    await post({ events: [{ type: 'x.y' }, { type: 'x.y' }, { type: 'x.y' }] });
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^vellum_events_ingested_total 2$/m);
    expect(metrics).toMatch(/^vellum_events_rejected_total\{reason="validation_failed"\} 3$/m);
    expect(metrics).toMatch(/^vellum_commit_batch_events_count 1$/m);
  });

  it('never answers 5xx for hostile content', async () => {
    const bodies: unknown[] = [
      null, 42, 'text', [], [anEvent()], { events: null }, { events: {} }, { events: [null] },
      anEvent({ occurredAt: 'yesterday' }), anEvent({ type: 'a'.repeat(500) }),
      anEvent({ changes: 'nope' }), anEvent({ tags: [1, 2] }), anEvent({ actor: { type: 'u', id: 7 } }),
      anEvent({ data: { '\u0000': '\ud800' } }), anEvent({ expectedVersion: -1 }), anEvent({ expectedVersion: 1e300 }),
      { __proto__: { polluted: true }, ...anEvent() }, anEvent({ constructor: { prototype: { x: 1 } } }),
    ];
    for (const body of bodies) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { ...t.auth(), 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      expect(res.statusCode, `${JSON.stringify(body)?.slice(0, 80)} → ${res.body.slice(0, 200)}`).toBeLessThan(500);
      expect(res.json().error?.code ?? 'ok').not.toBe('INTERNAL');
    }
    const raw = ['{"__proto__": {"x": 1}, "type": "a.b", "actor": {"type": "u", "id": "1"}}', '[[[[[[[[[[', '{"a":' + '['.repeat(100_000)];
    for (const payload of raw) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { ...t.auth(), 'content-type': 'application/json' }, payload });
      expect(res.statusCode, `${payload.slice(0, 60)} → ${res.body.slice(0, 300)}`).toBeLessThan(500);
    }
  });

  it('answers 4xx, not 5xx, for data nested thousands of levels deep within the size limits', async () => {
    const roomy = await makeTestApp({ store: t.store });
    try {
      for (const depth of [1_000, 10_000]) {
        const payload = `{"type":"a.b","actor":{"type":"u","id":"1"},"data":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
        const res = await roomy.app.inject({ method: 'POST', url: '/v1/events', headers: { ...roomy.auth(), 'content-type': 'application/json' }, payload });
        expect(res.statusCode, `depth ${depth} → ${res.body.slice(0, 300)}`).toBeLessThan(500);
        expect(res.statusCode).not.toBe(413);
      }
    } finally {
      await roomy.app.close(); // closes the shared store too; closing it again in afterEach is harmless
    }
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '@vellum/core';
import { createMemoryStore } from '../../src/store/createMemoryStore.ts';
import { anEvent, makeTestApp, type TestApp } from '../support/testApp.ts';
import { GatedEventStore, until } from '../support/storeDoubles.ts';

class FlakyPingStore extends InMemoryEventStore {
  down = false;
  override ping(): Promise<void> {
    return this.down ? Promise.reject(new Error('connection refused')) : Promise.resolve();
  }
}

describe('operations routes', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.app.close();
  });

  it('answers /healthz without a key', async () => {
    t = await makeTestApp();
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('is ready while the store answers, and 503 STORE_UNAVAILABLE when it does not', async () => {
    const events = new FlakyPingStore();
    t = await makeTestApp({ store: createMemoryStore(events) });
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { store: 'ok', writer: 'ok', shutdown: 'no' } });
    events.down = true;
    const down = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBeDefined();
    expect(down.json().error).toMatchObject({ code: 'STORE_UNAVAILABLE', checks: { store: 'unreachable' } });
  });

  it('is not ready when events have been queued longer than stuckAfterSeconds without a commit finishing', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const events = new GatedEventStore();
    t = await makeTestApp({ store: createMemoryStore(events), clock: () => now, config: { ingest: { stuckAfterSeconds: 10 } } });
    const pending = t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: anEvent() });
    await until(() => events.held === 1);
    now += 5_000;
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    now += 6_000;
    const stuck = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(stuck.statusCode).toBe(503);
    expect(stuck.json().error.checks.writer).toBe('stuck');
    events.release(true);
    expect((await pending).statusCode).toBe(201);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('exposes our metrics in Prometheus format from its own registry', async () => {
    t = await makeTestApp();
    await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: anEvent() });
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    for (const name of [
      'vellum_events_ingested_total 1',
      'vellum_events_rejected_total',
      'vellum_commit_duration_seconds_bucket',
      'vellum_commit_batch_events_bucket',
      'vellum_ingest_queue_depth 0',
      'vellum_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/v1/events",status_code="201"}',
    ]) {
      expect(res.body).toContain(name);
    }
  });

  it('serves an OpenAPI 3 document in which every operation has a summary and documented responses', async () => {
    t = await makeTestApp();
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.securitySchemes).toHaveProperty('bearer');
    const paths = Object.keys(doc.paths);
    expect(paths).toEqual(expect.arrayContaining(['/v1/events', '/v1/events/{id}', '/v1/streams/{stream}/events', '/v1/stats', '/v1/export', '/healthz', '/readyz', '/metrics', '/openapi.json']));
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, { summary?: string; responses?: Record<string, { description?: string }>; security?: unknown }>>)) {
      for (const [method, op] of Object.entries(operations)) {
        expect(op.summary, `${method} ${path} summary`).toBeTruthy();
        expect(Object.keys(op.responses ?? {}).length, `${method} ${path} responses`).toBeGreaterThan(0);
        for (const [status, response] of Object.entries(op.responses ?? {})) expect(response.description, `${method} ${path} ${status}`).toBeTruthy();
        if (path.startsWith('/v1/')) expect(op.security, `${method} ${path} security`).toBeDefined();
      }
    }
    expect(doc.paths['/v1/events'].post.responses).toHaveProperty('201');
    expect(doc.paths['/v1/events'].post.responses).toHaveProperty('409');
  });
});

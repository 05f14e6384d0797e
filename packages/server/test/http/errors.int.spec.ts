import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '@vellum/core';
import type { AppendBatch, AppendOutcome, SearchPage } from '@vellum/core';
import { createMemoryStore } from '../../src/store/createMemoryStore.ts';
import { anEvent, makeTestApp, type TestApp } from '../support/testApp.ts';

class BrokenStore extends InMemoryEventStore {
  override search(): Promise<SearchPage> {
    return Promise.reject(new Error('unexpected bug in search'));
  }
  override append(_batches: readonly AppendBatch[]): Promise<AppendOutcome[]> {
    return Promise.reject(new Error('database is locked'));
  }
}

describe('error responses', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.app.close();
  });

  it('answers an unknown route with 404 ROUTE_NOT_FOUND in our format', async () => {
    t = await makeTestApp();
    const res = await t.app.inject({ method: 'GET', url: '/v2/nothing' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'ROUTE_NOT_FOUND', message: expect.any(String) } });
  });

  it('answers a known path with the wrong method with 405 and Allow', async () => {
    t = await makeTestApp();
    const res = await t.app.inject({ method: 'DELETE', url: '/v1/events' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toContain('GET');
    expect(res.headers.allow).toContain('POST');
    expect(res.json().error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('turns an unexpected failure into 500 INTERNAL without its message, and logs it with the stack', async () => {
    t = await makeTestApp({ store: createMemoryStore(new BrokenStore()) });
    const res = await t.app.inject({ method: 'GET', url: '/v1/events', headers: t.auth() });
    expect(res.statusCode).toBe(500);
    expect(res.json().error.code).toBe('INTERNAL');
    expect(res.body).not.toContain('unexpected bug');
    const logged = t.logs.map((l) => JSON.parse(l) as { level: number; err?: { stack?: string } }).find((l) => l.level === 50);
    expect(logged?.err?.stack).toContain('unexpected bug in search');
  });

  it('answers 503 STORE_UNAVAILABLE with Retry-After when a commit fails, and logs no request body', async () => {
    t = await makeTestApp({ store: createMemoryStore(new BrokenStore()) });
    const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: anEvent({ data: { note: 'BODY_MARKER_123' } }) });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.json().error.code).toBe('STORE_UNAVAILABLE');
    expect(t.logs.join('\n')).toContain('database is locked');
    expect(t.logs.join('\n')).not.toContain('BODY_MARKER_123');
  });

  it('closes the store again when start-up fails after opening it', async () => {
    const store = createMemoryStore();
    let closed = false;
    store.countKeys = () => Promise.reject(new Error('no such table: api_keys'));
    store.close = async () => {
      closed = true;
    };
    await expect(makeTestApp({ store, config: { bootstrapKey: null } })).rejects.toThrow(/api_keys/);
    expect(closed).toBe(true);
    t = await makeTestApp(); // for afterEach
  });
});

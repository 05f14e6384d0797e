import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/store/createMemoryStore.ts';
import { anEvent, makeTestApp } from '../support/testApp.ts';
import { GatedEventStore, until } from '../support/storeDoubles.ts';

describe('ingestion under load and at shutdown', () => {
  it('answers 503 OVERLOADED with Retry-After at once when the queue is full, and commits what it accepted', async () => {
    const events = new GatedEventStore();
    const t = await makeTestApp({ store: createMemoryStore(events), config: { ingest: { maxQueuedEvents: 2, maxEventsPerCommit: 1, retryAfterSeconds: 3 } } });
    const post = () => t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: anEvent() });
    const inFlight = post();
    await until(() => events.held === 1);
    const queued = [post(), post()];
    await until(() => t.app.writer.queuedEvents === 2);
    const refused = await post();
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('3');
    expect(refused.json().error.code).toBe('OVERLOADED');
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^vellum_ingest_queue_depth 2$/m);
    expect(metrics).toMatch(/^vellum_events_rejected_total\{reason="overloaded"\} 1$/m);
    events.release(true);
    const statuses = (await Promise.all([inFlight, ...queued])).map((r) => r.statusCode);
    expect(statuses).toEqual([201, 201, 201]);
    expect(await events.headPosition('default')).toBe(3);
    await t.app.close();
  });

  it('finishes an in-flight commit before closing the store on shutdown', async () => {
    const events = new GatedEventStore();
    const order: string[] = [];
    const store = createMemoryStore(events);
    const close = store.close;
    store.close = async () => {
      order.push('store closed');
      await close();
    };
    const t = await makeTestApp({ store });
    const pending = t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: anEvent() }).then((res) => {
      order.push(`answered ${res.statusCode}`);
      return res;
    });
    await until(() => events.held === 1);
    const closing = t.app.close().then(() => order.push('app closed'));
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]);
    events.release(true);
    await closing;
    const res = await pending;
    expect(res.statusCode).toBe(201);
    expect(order.indexOf('store closed')).toBeGreaterThan(-1);
    expect(order.indexOf('answered 201')).toBeLessThan(order.indexOf('app closed'));
    expect(await events.headPosition('default')).toBe(1);
  });
});

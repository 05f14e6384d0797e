import { afterEach, describe, it, expect } from 'vitest';
import { makeTestApp, type TestApp } from '../support/testApp.ts';
import { until } from '../support/storeDoubles.ts';
import { startReceiver, type Receiver } from './targets/receiver.ts';

/**
 * The worker inside the app: created through the API, woken by commits (not by its refresh timer), events sent as
 * readers see them (personal fields opened), stats in the API and /metrics, leases released on shutdown.
 */

let t: TestApp | null = null;
let receiver: Receiver | null = null;
afterEach(async () => {
  await t?.app.close();
  await receiver?.close();
  t = null;
  receiver = null;
});

async function setup(): Promise<{ t: TestApp; receiver: Receiver }> {
  receiver = await startReceiver();
  t = await makeTestApp({
    config: {
      delivery: { webhookAllow: ['127.0.0.1'], retrySchedule: ['1s'] },
      personalData: { enabled: true, fields: ['actor.email'] },
    },
  });
  return { t, receiver };
}

const json = (app: TestApp, method: 'GET' | 'POST', url: string, payload?: unknown) =>
  app.app.inject({ method, url, headers: { ...app.auth(), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) }, ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) });

describe('deliveryPlugin', () => {
  it('delivers on commit, with personal fields opened, and reports stats and metrics', async () => {
    const { t, receiver } = await setup();
    const created = await json(t, 'POST', '/v1/subscriptions', { name: 'hook', target: { kind: 'webhook', url: receiver.url('/ok') } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().subscription.id as string;

    const started = Date.now();
    const ingest = await json(t, 'POST', '/v1/events', {
      events: [1, 2, 3].map((n) => ({ type: 'user.login', actor: { type: 'user', id: `u${n}`, email: `u${n}@example.com` } })),
    });
    expect(ingest.statusCode, ingest.body).toBe(201);
    await until(() => receiver.received.length > 0, 3_000);
    // Woken by the commit, well before the 5 s refresh.
    expect(Date.now() - started).toBeLessThan(3_000);
    const body = JSON.parse(receiver.received[0]?.body ?? '{}');
    expect(body.data.events.map((e: { position: number }) => e.position)).toEqual([1, 2, 3]);
    expect(body.data.events[0].actor.email).toBe('u1@example.com');
    expect(receiver.received[0]?.body).not.toContain('"sealed');

    let stats: Record<string, unknown> = {};
    for (let i = 0; i < 100; i += 1) {
      stats = (await json(t, 'GET', `/v1/subscriptions/${id}`)).json().stats;
      if (stats.lastDeliveredAt !== null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(stats).toMatchObject({ lagPositions: 0, lagSeconds: 0, attempts: 1, failures: 0, deadLetters: 0, breaker: 'closed', lastError: null });
    expect(typeof stats.lastDeliveredAt).toBe('string');

    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain(`vellum_delivery_attempts_total{subscription="${id}",outcome="delivered"} 1`);
  });

  it('reports a failing receiver in stats and never puts the receiver\'s answer or the secret in a log line', async () => {
    const { t, receiver } = await setup();
    const created = await json(t, 'POST', '/v1/subscriptions', { name: 'failing', target: { kind: 'webhook', url: receiver.url('/fail') } });
    const id = created.json().subscription.id as string;
    const secret = created.json().secret as string;
    await json(t, 'POST', '/v1/events', { events: [{ type: 'user.login', actor: { type: 'user', id: 'u1' }, data: { note: 'body-marker-123' } }] });
    await until(() => receiver.received.length > 0, 3_000);
    let stats: Record<string, unknown> = {};
    for (let i = 0; i < 100; i += 1) {
      stats = (await json(t, 'GET', `/v1/subscriptions/${id}`)).json().stats;
      if (stats.failures === 1) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(stats).toMatchObject({ attempts: 1, failures: 1, lagPositions: 1 });
    expect(String(stats.lastError)).toContain('500');
    const logs = t.logs.join('\n');
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain('body-marker-123');
  });

  it('releases its leases on shutdown so another node takes over at once', async () => {
    const { t, receiver } = await setup();
    const created = await json(t, 'POST', '/v1/subscriptions', { name: 'lease', target: { kind: 'webhook', url: receiver.url('/ok') } });
    const id = created.json().subscription.id as string;
    await json(t, 'POST', '/v1/events', { events: [{ type: 'user.login', actor: { type: 'user', id: 'u1' } }] });
    await until(() => receiver.received.length > 0, 3_000);
    const now = new Date();
    expect(await t.store.subscriptions.acquireLease(id, 'other-node', now.toISOString(), new Date(now.getTime() + 30_000).toISOString())).toBe(false);
    await t.store.subscriptions.releaseLease(id, 'other-node');
    const store = t.store;
    await t.app.close();
    expect(await store.subscriptions.acquireLease(id, 'other-node', now.toISOString(), new Date(now.getTime() + 30_000).toISOString())).toBe(true);
  });
});

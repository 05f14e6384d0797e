import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { ADMIN_KEY, anEvent, makeTestApp, type TestApp } from '../support/testApp.ts';
import { startReceiver, type Receiver } from '../delivery/targets/receiver.ts';

/**
 * The subscription API with the real delivery worker and a local receiver: what the API says (cursor, status,
 * deliveries, dead letters, stats) follows what the receiver got, signatures verify with the standardwebhooks
 * library under the secret the API showed once, and rotation, resume after 410 and dead-letter retry work end to end.
 */
describe('subscriptions delivering for real', () => {
  let t: TestApp;
  let receiver: Receiver;
  const headers = { authorization: `Bearer ${ADMIN_KEY}` };
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await makeTestApp({
      config: { delivery: { enabled: true, webhookAllow: ['127.0.0.1'], retrySchedule: ['50ms', '50ms'], onExhausted: 'dead-letter', requestTimeoutSeconds: 5 } },
    });
  });
  afterAll(async () => {
    await t?.app.close();
    await receiver?.close();
  });

  async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  async function ingest(n: number, type = 'configuration.updated'): Promise<void> {
    const res = await call('POST', '/v1/events', { events: Array.from({ length: n }, () => anEvent({ type })) });
    expect(res.statusCode, res.body).toBeLessThan(300);
  }
  const get = async (id: string) => (await call('GET', `/v1/subscriptions/${id}`)).json();
  const verifyWith = (secret: string, r: { headers: Record<string, unknown>; body: string }) =>
    new Webhook(secret).verify(r.body, {
      'webhook-id': String(r.headers['webhook-id']), 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']),
    });

  it('delivers from the start point; the shown secret verifies; deliveries and stats follow; rotation signs with both', async () => {
    await ingest(3);
    const created = await call('POST', '/v1/subscriptions', { name: 'ok hook', target: { kind: 'webhook', url: receiver.url('/ok') }, filter: { types: ['configuration.*'] }, startFrom: { position: 2 } });
    expect(created.statusCode, created.body).toBe(201);
    const { subscription, secret } = created.json();
    const sub = await until('the cursor to reach the head', async () => {
      const s = await get(subscription.id);
      return s.cursor === 3 ? s : null;
    });
    const got = receiver.received.filter((r) => r.path === '/ok');
    const positions = got.flatMap((r) => (JSON.parse(r.body).data.events as Array<{ position: number }>).map((e) => e.position));
    expect(positions).toEqual([2, 3]);
    for (const r of got) expect(verifyWith(secret, r)).toMatchObject({ type: 'vellum.events' });
    expect(sub.stats.lastDeliveredAt).toEqual(expect.any(String));
    const deliveries = (await call('GET', `/v1/subscriptions/${subscription.id}/deliveries`)).json().deliveries;
    expect(deliveries[0]).toMatchObject({ outcome: 'delivered', statusCode: 200, toPosition: 3 });

    const rotated = (await call('POST', `/v1/subscriptions/${subscription.id}/rotate-secret`, { graceSeconds: 600 })).json();
    const before = receiver.received.length;
    await ingest(1);
    const next = await until('a delivery after the rotation', async () => receiver.received.slice(before).find((r) => r.path === '/ok'));
    expect(String(next.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyWith(rotated.secret, next)).toBeTruthy();
    expect(verifyWith(secret, next)).toBeTruthy();
    for (const line of t.logs) {
      expect(line).not.toContain(secret.slice(6));
      expect(line).not.toContain(rotated.secret.slice(6));
    }
    await call('DELETE', `/v1/subscriptions/${subscription.id}`);
  });

  it('a 410 disables it with the reason; resume re-enables it and clears the reason', async () => {
    const { subscription } = (await call('POST', '/v1/subscriptions', { name: 'gone hook', target: { kind: 'webhook', url: receiver.url('/gone') }, startFrom: 'beginning' })).json();
    const disabled = await until('the subscription to be disabled', async () => {
      const s = await get(subscription.id);
      return s.status === 'disabled' ? s : null;
    });
    expect(disabled.statusReason).toEqual(expect.stringContaining('410'));
    // Pointed somewhere that takes deliveries (keeping its secret) while still disabled: nothing is sent until resumed.
    const moved = await call('PATCH', `/v1/subscriptions/${subscription.id}`, { target: { kind: 'webhook', url: receiver.url('/accepted') } });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ status: 'disabled' });
    const resumed = await call('POST', `/v1/subscriptions/${subscription.id}/resume`, {});
    expect(resumed.json()).toMatchObject({ status: 'active', statusReason: null });
    const head = (await call('GET', '/v1/events?limit=1')).json().events[0].position as number;
    await until('the backlog to be delivered', async () => (await get(subscription.id)).cursor === head);
    await call('DELETE', `/v1/subscriptions/${subscription.id}`);
  });

  it('exhausted attempts park a dead letter; after fixing the target, retry delivers it under the same webhook-id', async () => {
    const { subscription } = (await call('POST', '/v1/subscriptions', { name: 'failing hook', target: { kind: 'webhook', url: receiver.url('/fail') } })).json();
    await ingest(2, 'user.created');
    const dead = await until('a dead letter', async () => {
      const list = (await call('GET', `/v1/subscriptions/${subscription.id}/dead-letters`)).json().deadLetters as Array<{ id: string; messageId: string; attempts: number }>;
      return list.length > 0 ? list : null;
    });
    expect(dead[0]!.attempts).toBeGreaterThanOrEqual(3);
    expect((await get(subscription.id)).stats.deadLetters).toBeGreaterThanOrEqual(1);

    expect((await call('PATCH', `/v1/subscriptions/${subscription.id}`, { target: { kind: 'webhook', url: receiver.url('/ok') } })).statusCode).toBe(200);
    const before = receiver.received.length;
    const retried = await call('POST', `/v1/subscriptions/${subscription.id}/dead-letters/retry`, { ids: [dead[0]!.id] });
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json().results).toEqual([{ id: dead[0]!.id, delivered: true, error: null }]);
    const resent = receiver.received.slice(before).filter((r) => r.headers['webhook-id'] === dead[0]!.messageId);
    expect(resent.length).toBeGreaterThanOrEqual(1);
    expect((await call('GET', `/v1/subscriptions/${subscription.id}/dead-letters`)).json().deadLetters.map((d: { id: string }) => d.id)).not.toContain(dead[0]!.id);
    const audit = (await call('GET', '/v1/events?tenant=system&type=vellum.subscription.dead_letters_retried')).json().events;
    expect(audit.some((e: { entity?: { id: string } }) => e.entity?.id === subscription.id)).toBe(true);
  });
});

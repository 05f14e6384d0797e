import { describe, it, expect, beforeEach } from 'vitest';
import { uuidv7, type EventFilter, type EventInput, type SubscriptionRecord, type SubscriptionTargetRecord } from '@vellum/core';
import { randomBytes } from 'node:crypto';
import { createMemoryStore } from '../../src/store/createMemoryStore.ts';
import type { VellumStore } from '../../src/store/VellumStore.ts';
import { DeliveryWorker, type DeliveryWorkerOptions } from '../../src/delivery/DeliveryWorker.ts';
import type { DeliveryBatch, DeliveryResult, DeliveryTarget } from '../../src/delivery/DeliveryTarget.ts';
import { batchOf } from '../support/storeDoubles.ts';

/**
 * The worker against the real in-memory store and an in-process target of our own DeliveryTarget interface (it
 * records what it was sent and answers what the test scripts). The clock and the jitter are injected, so retry
 * times are exact; drain() runs everything due now.
 */

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const TENANT = 'acme';

type Answer = DeliveryResult | ((batch: DeliveryBatch) => DeliveryResult | Promise<DeliveryResult>);
const OK: DeliveryResult = { ok: true, statusCode: 204 };
const FAIL = (retryAfterMs: number | null = null): DeliveryResult => ({ ok: false, kind: 'retry', error: 'HTTP 500 from the receiver', statusCode: 500, retryAfterMs });
const GONE: DeliveryResult = { ok: false, kind: 'gone', error: 'HTTP 410 from the receiver', statusCode: 410 };

/** An endpoint: the receiver every subscription targeting it shares (and the breaker counts against). */
class Receiver {
  readonly sent: Array<DeliveryBatch & { subscriptionId: string }> = [];
  answer: Answer = OK;
  inFlight = 0;
  maxInFlight = 0;
  constructor(readonly endpoint: string) {}

  target(retrySchedule: readonly string[] | null): DeliveryTarget {
    return {
      endpoint: this.endpoint,
      retrySchedule,
      deliver: async (batch) => {
        this.inFlight += 1;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        try {
          this.sent.push({ ...batch, subscriptionId: batch.subscription.id });
          return typeof this.answer === 'function' ? await this.answer(batch) : this.answer;
        } finally {
          this.inFlight -= 1;
        }
      },
    };
  }
}

let now = T0;
let store: VellumStore;
let receivers: Map<string, Receiver>;
const silent = { info() {}, warn() {}, error() {} };

function receiver(endpoint = 'https://a.example'): Receiver {
  let r = receivers.get(endpoint);
  if (r === undefined) {
    r = new Receiver(endpoint);
    receivers.set(endpoint, r);
  }
  return r;
}

function worker(overrides: Partial<Omit<DeliveryWorkerOptions, 'config'>> & { config?: Partial<DeliveryWorkerOptions['config']> } = {}): DeliveryWorker {
  const { config, ...rest } = overrides;
  return new DeliveryWorker({
    store,
    targets: {
      open: (t: SubscriptionTargetRecord) => receiver(t.endpoint as string).target((t.retrySchedule as string[] | undefined) ?? null),
    },
    config: {
      batchSize: 10,
      requestTimeoutSeconds: 5,
      retrySchedule: ['10s', '1m'],
      onExhausted: 'dead-letter',
      concurrency: 4,
      breakerFailures: 100,
      breakerCooldownSeconds: 60,
      ...config,
    },
    log: silent,
    clock: () => now,
    random: () => 0.5,
    nodeId: 'node-a',
    ...rest,
  });
}

async function subscribe(name: string, options: { filter?: EventFilter; endpoint?: string; retrySchedule?: string[]; cursor?: number } = {}): Promise<SubscriptionRecord> {
  const at = new Date(now).toISOString();
  const record: SubscriptionRecord = {
    id: uuidv7(now, randomBytes(10)),
    tenant: TENANT,
    name,
    filter: options.filter ?? {},
    target: { kind: 'webhook', endpoint: options.endpoint ?? 'https://a.example', ...(options.retrySchedule === undefined ? {} : { retrySchedule: options.retrySchedule }) },
    status: 'active',
    statusReason: null,
    cursor: options.cursor ?? 0,
    pending: null,
    revision: 1,
    createdAt: at,
    updatedAt: at,
  };
  expect((await store.subscriptions.createSubscription(record)).created).toBe(true);
  return record;
}

async function ingest(count: number, input: Partial<EventInput> = {}): Promise<void> {
  await store.append([batchOf(TENANT, Array.from({ length: count }, () => input))]);
}

const get = async (id: string): Promise<SubscriptionRecord> => (await store.subscriptions.getSubscription(TENANT, id)) as SubscriptionRecord;

async function run(w: DeliveryWorker): Promise<void> {
  await w.refresh();
  await w.drain();
}

beforeEach(() => {
  now = T0;
  store = createMemoryStore();
  receivers = new Map();
});

describe('DeliveryWorker: batches and the cursor', () => {
  it('delivers matching events in position order, in batches of batchSize, and moves the cursor', async () => {
    await ingest(25);
    const sub = await subscribe('all');
    await run(worker());
    const sent = receiver().sent;
    expect(sent.map((b) => [b.fromPosition, b.toPosition, b.events.length])).toEqual([
      [1, 10, 10],
      [11, 20, 10],
      [21, 25, 5],
    ]);
    expect(sent.flatMap((b) => b.events.map((e) => e.position))).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(new Set(sent.map((b) => b.messageId)).size).toBe(3);
    const after = await get(sub.id);
    expect(after.cursor).toBe(25);
    expect(after.pending).toBeNull();
    const deliveries = await store.subscriptions.listDeliveries(TENANT, sub.id, 10);
    expect(deliveries.map((d) => d.outcome)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('sends only what the filter selects and moves the cursor to the head when nothing more matches', async () => {
    await ingest(3, { type: 'user.login' });
    await ingest(4, { type: 'noise.tick' });
    const sub = await subscribe('logins', { filter: { types: ['user.login'] } });
    const w = worker();
    await run(w);
    expect(receiver().sent.map((b) => [b.fromPosition, b.toPosition, b.events.length])).toEqual([[1, 3, 3]]);
    expect((await get(sub.id)).cursor).toBe(7);
    expect(w.dueAt(sub.id)).toBe(Infinity);
    expect((await w.stats(await get(sub.id))).lagPositions).toBe(0);
    // A commit signal makes it look again.
    await ingest(1, { type: 'user.login' });
    w.signal(TENANT, 8);
    await w.drain();
    expect(receiver().sent.at(-1)).toMatchObject({ fromPosition: 8, toPosition: 8 });
  });

  it('writes the pending batch before the first attempt', async () => {
    await ingest(2);
    const sub = await subscribe('p');
    const seen: unknown[] = [];
    receiver().answer = async (batch) => {
      seen.push((await get(sub.id)).pending);
      expect(batch.attempt).toBe(1);
      return OK;
    };
    await run(worker());
    expect(seen).toEqual([expect.objectContaining({ messageId: receiver().sent[0]?.messageId, fromPosition: 1, toPosition: 2, events: 2, attempts: 0 })]);
  });
});

describe('DeliveryWorker: retries', () => {
  it('retries the same range under the same message id after the jittered wait, not before', async () => {
    await ingest(3);
    const sub = await subscribe('r');
    const w = worker();
    receiver().answer = FAIL();
    await run(w);
    const pending = (await get(sub.id)).pending;
    // Full jitter of 10s with random 0.5: 5s.
    expect(pending).toMatchObject({ attempts: 1, nextAttemptAt: new Date(T0 + 5_000).toISOString(), lastError: 'HTTP 500 from the receiver' });
    now = T0 + 4_999;
    await run(w);
    expect(receiver().sent).toHaveLength(1);
    now = T0 + 5_000;
    receiver().answer = OK;
    await run(w);
    const [first, second] = receiver().sent;
    expect(second).toMatchObject({ messageId: first?.messageId, fromPosition: 1, toPosition: 3, attempt: 2 });
    expect(await get(sub.id)).toMatchObject({ cursor: 3, pending: null });
    const stats = await w.stats(await get(sub.id));
    expect(stats).toMatchObject({ attempts: 2, failures: 1, lagPositions: 0 });
    // Another node, which delivered none of it, answers the same: the counts are the store's.
    expect(await worker({ nodeId: 'node-other' }).stats(await get(sub.id))).toMatchObject({ attempts: 2, failures: 1 });
  });

  it('draws the wait uniformly in (0, d]: random 0 gives the whole step', async () => {
    await ingest(1);
    const sub = await subscribe('j');
    receiver().answer = FAIL();
    await run(worker({ random: () => 0 }));
    expect((await get(sub.id)).pending?.nextAttemptAt).toBe(new Date(T0 + 10_000).toISOString());
  });

  it('never retries before the receiver\'s Retry-After', async () => {
    await ingest(1);
    const sub = await subscribe('ra');
    receiver().answer = FAIL(120_000);
    await run(worker());
    expect((await get(sub.id)).pending?.nextAttemptAt).toBe(new Date(T0 + 120_000).toISOString());
  });

  it('uses the target\'s own retry schedule over the server\'s', async () => {
    await ingest(1);
    const sub = await subscribe('own', { retrySchedule: ['2s'] });
    receiver().answer = FAIL();
    await run(worker());
    expect((await get(sub.id)).pending?.nextAttemptAt).toBe(new Date(T0 + 1_000).toISOString());
  });

  it('a second worker takes over after the lease lapses and resends the same batch under the same id', async () => {
    await ingest(4);
    const sub = await subscribe('t');
    receiver().answer = FAIL();
    await run(worker({ nodeId: 'node-a' }));
    // node-a "crashes": it never releases its lease.
    const b = worker({ nodeId: 'node-b' });
    now = T0 + 6_000;
    await run(b);
    expect(receiver().sent).toHaveLength(1);
    now = T0 + 31_000;
    receiver().answer = OK;
    await run(b);
    const [first, second] = receiver().sent;
    expect(second).toMatchObject({ messageId: first?.messageId, fromPosition: first?.fromPosition, toPosition: first?.toPosition, attempt: 2 });
    expect(second?.events.map((e) => e.id)).toEqual(first?.events.map((e) => e.id));
    expect(await get(sub.id)).toMatchObject({ cursor: 4, pending: null });
  });

  it('a user replay meanwhile wins over the attempt\'s result (compare-and-set)', async () => {
    await ingest(3);
    const sub = await subscribe('cas');
    receiver().answer = async () => {
      const current = await get(sub.id);
      await store.subscriptions.updateSubscription(TENANT, sub.id, current.revision, { cursor: 0, pending: null }, new Date(now).toISOString());
      receiver().answer = OK;
      return OK;
    };
    await run(worker());
    // The first batch's success did not overwrite the replay: 1..3 was sent again under a new id.
    const sent = receiver().sent;
    expect(sent.map((b) => [b.fromPosition, b.toPosition])).toEqual([
      [1, 3],
      [1, 3],
    ]);
    expect(sent[0]?.messageId).not.toBe(sent[1]?.messageId);
    expect((await get(sub.id)).cursor).toBe(3);
  });
});

describe('DeliveryWorker: changes made through the API', () => {
  it('a pause stops delivery, a replay seen on refresh sends from the new cursor, a delete forgets it', async () => {
    await ingest(5);
    const sub = await subscribe('api');
    const w = worker();
    await run(w);
    expect(receiver().sent).toHaveLength(1);
    const at = () => new Date(now).toISOString();

    let current = await get(sub.id);
    current = (await store.subscriptions.updateSubscription(TENANT, sub.id, current.revision, { status: 'paused' }, at())) as SubscriptionRecord;
    await ingest(2);
    w.signal(TENANT, 7);
    await run(w);
    expect(receiver().sent).toHaveLength(1);

    await store.subscriptions.updateSubscription(TENANT, sub.id, current.revision, { status: 'active', cursor: 3 }, at());
    await run(w);
    expect(receiver().sent.at(-1)).toMatchObject({ fromPosition: 4, toPosition: 7 });

    await store.subscriptions.deleteSubscription(TENANT, sub.id);
    await ingest(1);
    w.signal(TENANT, 8);
    await run(w);
    expect(receiver().sent).toHaveLength(2);
    expect(w.dueAt(sub.id)).toBeNull();
  });
});

describe('DeliveryWorker: gone and exhausted', () => {
  it('410 disables the subscription and nothing is delivered after it', async () => {
    await ingest(3);
    const sub = await subscribe('g');
    const w = worker();
    receiver().answer = GONE;
    await run(w);
    const after = await get(sub.id);
    expect(after.status).toBe('disabled');
    expect(after.statusReason).toContain('410');
    expect(after.cursor).toBe(0);
    receiver().answer = OK;
    await ingest(5);
    w.signal(TENANT, 8);
    now += 3_600_000;
    await run(w);
    expect(receiver().sent).toHaveLength(1);
    const deliveries = await store.subscriptions.listDeliveries(TENANT, sub.id, 10);
    expect(deliveries.map((d) => [d.outcome, d.statusCode])).toEqual([['gone', 410]]);
  });

  it('after the last scheduled retry the batch goes to dead letters and the cursor moves on', async () => {
    await ingest(12);
    const sub = await subscribe('dl', { retrySchedule: ['2s'] });
    const w = worker();
    receiver().answer = FAIL();
    await run(w);
    now += 1_000;
    receiver().answer = (batch) => (batch.fromPosition === 1 ? FAIL() : OK);
    await run(w);
    const letters = await store.subscriptions.listDeadLetters(TENANT, sub.id, 10);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ fromPosition: 1, toPosition: 10, events: 10, attempts: 2, lastError: 'HTTP 500 from the receiver', messageId: receiver().sent[0]?.messageId });
    expect(await get(sub.id)).toMatchObject({ cursor: 12, pending: null, status: 'active' });
    expect(receiver().sent.map((b) => [b.fromPosition, b.attempt])).toEqual([
      [1, 1],
      [1, 2],
      [11, 1],
    ]);
    expect((await w.stats(await get(sub.id))).deadLetters).toBe(1);

    // Retrying: a failure keeps it, counts the attempt and says why; a success sends it under its message id and removes it.
    const timeout: DeliveryResult = { ok: false, kind: 'retry', error: 'timed out after 10 s', statusCode: null, retryAfterMs: null };
    receiver().answer = () => timeout;
    const failed = await w.retryDeadLetters(await get(sub.id), null, 10);
    expect(failed).toEqual([{ id: letters[0]?.id, delivered: false, error: 'timed out after 10 s' }]);
    expect(await store.subscriptions.listDeadLetters(TENANT, sub.id, 10)).toEqual([{ ...letters[0], attempts: 3, lastError: 'timed out after 10 s' }]);
    expect(receiver().sent.at(-1)).toMatchObject({ messageId: letters[0]?.messageId, attempt: 3 });
    receiver().answer = OK;
    const delivered = await w.retryDeadLetters(await get(sub.id), [letters[0]?.id as string], 10);
    expect(delivered).toEqual([{ id: letters[0]?.id, delivered: true, error: null }]);
    expect(receiver().sent.at(-1)).toMatchObject({ messageId: letters[0]?.messageId, fromPosition: 1, toPosition: 10, attempt: 4 });
    expect(await store.subscriptions.listDeadLetters(TENANT, sub.id, 10)).toHaveLength(0);
  });

  it('with onExhausted pause, the subscription pauses with its reason and keeps the batch', async () => {
    await ingest(2);
    const sub = await subscribe('pause', { retrySchedule: ['2s'] });
    const w = worker({ config: { onExhausted: 'pause' } });
    receiver().answer = FAIL();
    await run(w);
    now += 1_000;
    await run(w);
    const after = await get(sub.id);
    expect(after.status).toBe('paused');
    expect(after.statusReason).toMatch(/2 failed attempts/);
    expect(after.pending).toMatchObject({ attempts: 2, fromPosition: 1, toPosition: 2, messageId: receiver().sent[0]?.messageId });
    expect(after.cursor).toBe(0);
    expect(await store.subscriptions.listDeadLetters(TENANT, sub.id, 10)).toHaveLength(0);
    now += 3_600_000;
    await run(w);
    expect(receiver().sent).toHaveLength(2);

    // Resumed by a user: the same batch again, with the whole schedule before it pauses again.
    await store.subscriptions.updateSubscription(TENANT, sub.id, after.revision, { status: 'active', statusReason: null }, new Date(now).toISOString());
    await run(w);
    expect(receiver().sent.at(-1)).toMatchObject({ messageId: receiver().sent[0]?.messageId, attempt: 3 });
    expect(await get(sub.id)).toMatchObject({ status: 'active', pending: { attempts: 3 } });
    now += 1_000;
    await run(w);
    expect(await get(sub.id)).toMatchObject({ status: 'paused', pending: { attempts: 4 } });
  });
});

describe('DeliveryWorker: circuit breaker', () => {
  it('opens after consecutive failures, skips without counting, lets one trial through after the cool-down', async () => {
    await ingest(1);
    const sub = await subscribe('b', { retrySchedule: ['2s', '2s', '2s', '2s', '2s'] });
    const w = worker({ config: { breakerFailures: 2, breakerCooldownSeconds: 60 } });
    receiver().answer = FAIL();
    await run(w);
    now += 1_000;
    await run(w);
    expect((await w.stats(await get(sub.id))).breaker).toBe('open');
    now += 1_000;
    await run(w);
    // Skipped: not sent, not counted.
    expect(receiver().sent).toHaveLength(2);
    expect((await get(sub.id)).pending?.attempts).toBe(2);
    expect(w.dueAt(sub.id)).toBe(T0 + 1_000 + 60_000);
    // Half-open: the trial fails, it opens again.
    now = T0 + 61_000;
    expect((await w.stats(await get(sub.id))).breaker).toBe('half-open');
    await run(w);
    expect(receiver().sent).toHaveLength(3);
    expect((await w.stats(await get(sub.id))).breaker).toBe('open');
    // The next trial succeeds: closed.
    now = T0 + 122_000;
    receiver().answer = OK;
    await run(w);
    expect(receiver().sent).toHaveLength(4);
    expect((await w.stats(await get(sub.id))).breaker).toBe('closed');
    expect(await get(sub.id)).toMatchObject({ cursor: 1, pending: null });
  });

  it('a store error before a half-open trial does not leave the breaker shut', async () => {
    await ingest(1);
    const sub = await subscribe('trial', { retrySchedule: ['1s', '1s', '1s'] });
    let failOpen = false;
    const w = worker({
      config: { breakerFailures: 1, breakerCooldownSeconds: 60 },
      openEvents: async (events) => {
        if (failOpen) throw new Error('subject keys unavailable');
        return events;
      },
    });
    receiver().answer = FAIL();
    await run(w);
    now = T0 + 60_000;
    failOpen = true;
    await run(w);
    expect(receiver().sent).toHaveLength(1);
    failOpen = false;
    receiver().answer = OK;
    now = T0 + 62_000;
    await run(w);
    expect(receiver().sent).toHaveLength(2);
    expect(await get(sub.id)).toMatchObject({ cursor: 1, pending: null });
  });

  it('is per endpoint: another endpoint keeps delivering', async () => {
    await ingest(1);
    const down = await subscribe('down', { endpoint: 'https://down.example', retrySchedule: ['1s', '1s'] });
    const up = await subscribe('up', { endpoint: 'https://up.example' });
    receiver('https://down.example').answer = FAIL();
    const w = worker({ config: { breakerFailures: 1 } });
    await run(w);
    expect((await w.stats(await get(down.id))).breaker).toBe('open');
    expect((await w.stats(await get(up.id))).breaker).toBe('closed');
    expect((await get(up.id)).cursor).toBe(1);
  });
});

describe('DeliveryWorker: scheduling', () => {
  it('serves high/critical subscriptions before bulk ones', async () => {
    await ingest(1, { severity: 'critical' });
    const bulk1 = await subscribe('bulk1');
    const bulk2 = await subscribe('bulk2', { filter: { severities: ['low', 'critical'] } });
    const alerts = await subscribe('alerts', { filter: { minSeverity: 'high' } });
    const pages = await subscribe('pages', { filter: { severities: ['critical'] } });
    await run(worker({ config: { concurrency: 1 } }));
    const order = receiver().sent.map((b) => b.subscriptionId);
    expect(order.slice(0, 2).sort()).toEqual([alerts.id, pages.id].sort());
    expect(order.slice(2).sort()).toEqual([bulk1.id, bulk2.id].sort());
  });

  it('keeps at most `concurrency` deliveries in flight and one batch per subscription', async () => {
    await ingest(30);
    for (let i = 0; i < 6; i += 1) await subscribe(`s${i}`);
    receiver().answer = async () => {
      await new Promise((r) => setTimeout(r, 5));
      return OK;
    };
    const w = worker({ config: { concurrency: 2 } });
    await run(w);
    expect(receiver().maxInFlight).toBe(2);
    expect(receiver().sent).toHaveLength(18);
    // Per subscription: batches strictly one after another, in order.
    const bySub = new Map<string, number[]>();
    for (const b of receiver().sent) bySub.set(b.subscriptionId, [...(bySub.get(b.subscriptionId) ?? []), b.fromPosition]);
    expect(bySub.size).toBe(6);
    for (const froms of bySub.values()) expect(froms).toEqual([1, 11, 21]);
  });

  it('two workers on one store: leases keep each subscription on one node, every event delivered once', async () => {
    await ingest(40);
    const subs = [];
    for (let i = 0; i < 6; i += 1) subs.push(await subscribe(`l${i}`));
    receiver().answer = async () => {
      await new Promise((r) => setTimeout(r, 2));
      return OK;
    };
    const a = worker({ nodeId: 'node-a', config: { concurrency: 2 } });
    const b = worker({ nodeId: 'node-b', config: { concurrency: 2 } });
    await Promise.all([a.refresh(), b.refresh()]);
    await Promise.all([a.drain(), b.drain()]);
    const sent = receiver().sent;
    for (const sub of subs) {
      const positions = sent.filter((x) => x.subscriptionId === sub.id).flatMap((x) => x.events.map((e) => e.position));
      expect(positions).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect((await get(sub.id)).cursor).toBe(40);
    }
    // No batch was sent twice (each subscription was on one node at a time).
    const ranges = sent.map((x) => `${x.subscriptionId}:${x.fromPosition}`);
    expect(new Set(ranges).size).toBe(ranges.length);
    await a.stop();
    await b.stop();
    // Released on shutdown: a third node takes a lease at once.
    expect(await store.subscriptions.acquireLease(subs[0]?.id as string, 'node-c', new Date(now).toISOString(), new Date(now + 30_000).toISOString())).toBe(true);
  });

  it('stop() takes no new work, lets the delivery in flight finish, then releases the lease', async () => {
    await ingest(15);
    const sub = await subscribe('stop');
    let answer: (r: DeliveryResult) => void = () => {};
    receiver().answer = () => new Promise<DeliveryResult>((resolve) => (answer = resolve));
    const w = worker();
    await w.refresh();
    const draining = w.drain();
    await new Promise((r) => setTimeout(r, 10));
    expect(receiver().sent).toHaveLength(1);
    const stopped = w.stop();
    await new Promise((r) => setTimeout(r, 10));
    answer(OK);
    await stopped;
    await draining;
    expect(receiver().sent).toHaveLength(1);
    expect(await get(sub.id)).toMatchObject({ cursor: 10, pending: null });
    expect(await store.subscriptions.acquireLease(sub.id, 'node-b', new Date(now).toISOString(), new Date(now + 30_000).toISOString())).toBe(true);
  });

  it('survives store errors: logs, waits and tries again without losing the batch', async () => {
    await ingest(2);
    const sub = await subscribe('flaky');
    let failSearch = true;
    const flaky = Object.create(store) as VellumStore;
    Object.defineProperty(flaky, 'subscriptions', { value: store.subscriptions });
    flaky.search = async (...args) => {
      if (failSearch) throw new Error('connection reset');
      return store.search(...args);
    };
    flaky.headPosition = (tenant) => store.headPosition(tenant);
    const lines: string[] = [];
    const w = worker({ store: flaky, log: { info() {}, warn() {}, error: (_f, m) => lines.push(m) } });
    await run(w);
    expect(receiver().sent).toHaveLength(0);
    expect(lines.length).toBeGreaterThan(0);
    failSearch = false;
    now += 1_000;
    await run(w);
    expect((await get(sub.id)).cursor).toBe(2);
  });
});

describe('DeliveryWorker: a node that does not deliver', () => {
  it('delivers nothing when woken before it was started (delivery.enabled false), and does once started', async () => {
    await ingest(3);
    await subscribe('all');
    const w = worker();
    w.wake();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await w.drain();
    expect(receiver().sent).toHaveLength(0);
    w.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await w.drain();
    expect(receiver().sent.flatMap((b) => b.events.map((e) => e.position))).toEqual([1, 2, 3]);
    await w.stop();
  });
});

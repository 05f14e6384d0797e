/**
 * The outbox client against a real `vellum serve` (SQLite store): delivery in order and exactly once, a server
 * that goes away and comes back, 503 with Retry-After, per-event dead letters, auth failures that pause rather
 * than dead-letter, the outbox bound, close() with a timeout, masking before the outbox write, direct mode and
 * the read helpers.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createClient, VellumRecordError, VellumRequestError } from '../src/index.ts';
import type { VellumClient } from '../src/index.ts';
import { freePort, startVellum } from './support/vellumServer.ts';
import type { TestVellum } from './support/vellumServer.ts';
import { recordingProxy } from './support/recordingProxy.ts';

let vellum: TestVellum;
let n = 0;
const clients: VellumClient[] = [];
const outboxPath = (): string => path.join(vellum.dir, `outbox-${++n}.db`);
const open = (options: Partial<Parameters<typeof createClient>[0]> = {}): VellumClient => {
  const c = createClient({ url: vellum.url, apiKey: vellum.key, outbox: outboxPath(), flushIntervalMs: 5, retry: { baseMs: 20, maxMs: 200 }, ...options });
  clients.push(c);
  return c;
};
const actor = { type: 'user', id: '5' };
const waitFor = async (check: () => boolean, ms = 10_000): Promise<void> => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

beforeAll(async () => { vellum = await startVellum(); });
afterEach(async () => { await Promise.all(clients.splice(0).map((c) => c.close({ timeoutMs: 200 }).catch(() => undefined))); });
afterAll(async () => { await vellum.dispose(); });

describe('the outbox client', () => {
  it('delivers every recorded event once, in record order, with its idempotency key', async () => {
    const client = open({ batchSize: 7 });
    const keys: string[] = [];
    for (let i = 0; i < 40; i++) keys.push((await client.record({ type: 'order.placed', actor, data: { run: 'order', i } })).idempotencyKey);
    await client.flush();
    const stored = await vellum.allEvents({ type: 'order.placed' });
    expect(stored.map((e) => e.data?.['i'])).toEqual([...Array(40).keys()]);
    expect(stored.map((e) => e.idempotencyKey)).toEqual(keys);
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    const stats = client.stats();
    expect(stats).toMatchObject({ pending: 0, inFlight: 0, deadLetters: 0 });
    expect(stats.lastFlushAt).toBeInstanceOf(Date);
  });

  it('keeps a canary secret out of the outbox file and out of every request the server received', async () => {
    const proxy = await recordingProxy(vellum.url);
    const file = outboxPath();
    const client = createClient({ url: proxy.url, apiKey: vellum.key, outbox: file, flushIntervalMs: 5 });
    clients.push(client);
    const canary = 'CANARY-7f3b9c2e41d8a6';
    // Hold delivery back so the event is still in the file when its bytes are read.
    proxy.refuseNext(1, 1);
    await client.record({
      type: 'config.updated', actor,
      data: { api_key: canary, nested: { clientSecret: canary } },
      changes: [{ field: 'password', old: canary, new: `${canary}-2` }],
      context: { authorization: `Bearer ${canary}` },
    });
    const bytes = Buffer.concat([readFileSync(file), ...(existsSync(`${file}-wal`) ? [readFileSync(`${file}-wal`)] : [])]);
    expect(bytes.includes(Buffer.from('config.updated'))).toBe(true); // the event is there...
    expect(bytes.includes(Buffer.from(canary))).toBe(false); // ...its secret is not
    await client.flush();
    expect(proxy.bodies.length).toBeGreaterThanOrEqual(2);
    expect(proxy.bodies.join('\n')).not.toContain(canary);
    const [stored] = await vellum.allEvents({ type: 'config.updated' });
    expect(JSON.stringify(stored)).not.toContain(canary);
    expect(stored!.data).toMatchObject({ api_key: '••••••••a6'.replace('a6', canary.slice(-4)) });
    await proxy.close();
  });

  it('keeps events while the server is down and delivers them once it is back', { timeout: 90_000 }, async () => {
    const errors: Error[] = [];
    const client = open({ onError: (e) => errors.push(e) });
    await vellum.stop();
    try {
      for (let i = 0; i < 25; i++) await client.record({ type: 'outage.event', actor, data: { i } });
      await waitFor(() => errors.length >= 2);
      expect(client.stats().pending).toBe(25);
      expect(client.stats().lastError?.name).toBe('VellumNetworkError');
    } finally {
      await vellum.start();
    }
    await client.flush({ timeoutMs: 30_000 });
    const stored = await vellum.allEvents({ type: 'outage.event' });
    expect(stored.map((e) => e.data?.['i'])).toEqual([...Array(25).keys()]);
  });

  it('waits at least the Retry-After of a 503 before sending again', async () => {
    const proxy = await recordingProxy(vellum.url);
    const client = createClient({ url: proxy.url, apiKey: vellum.key, outbox: outboxPath(), flushIntervalMs: 0, retry: { baseMs: 1, maxMs: 5 } });
    clients.push(client);
    proxy.refuseNext(2, 1);
    for (let i = 0; i < 5; i++) await client.record({ type: 'busy.event', actor, data: { i } });
    await client.flush({ timeoutMs: 10_000 });
    // Three requests for the first batch: two refused, one delivered; each retry a whole second later.
    expect(proxy.arrivals.length).toBeGreaterThanOrEqual(3);
    expect(proxy.arrivals[1]! - proxy.arrivals[0]!).toBeGreaterThanOrEqual(990);
    expect(proxy.arrivals[2]! - proxy.arrivals[1]!).toBeGreaterThanOrEqual(990);
    expect((await vellum.allEvents({ type: 'busy.event' })).map((e) => e.data?.['i'])).toEqual([0, 1, 2, 3, 4]);
    expect(client.stats().lastError).toMatchObject({ status: 503, code: 'OVERLOADED' });
    await proxy.close();
  });

  it('dead-letters exactly the invalid event of a batch and stores the rest', async () => {
    const client = open({ batchSize: 10, flushIntervalMs: 50 });
    for (let i = 0; i < 6; i++) {
      await client.record({ type: i === 3 ? 'Not A Valid Type!' : 'batch.mixed', actor, data: { i } });
    }
    await client.flush();
    expect((await vellum.allEvents({ type: 'batch.mixed' })).map((e) => e.data?.['i'])).toEqual([0, 1, 2, 4, 5]);
    const dead = client.deadLetters.list();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', event: { type: 'Not A Valid Type!', data: { i: 3 } } });
    expect(dead[0]!.reason).toMatch(/^\/type: /);
    expect(client.stats().deadLetters).toBe(1);

    // Retry moves it back; the server refuses it again; purge forgets it.
    expect(client.deadLetters.retry()).toBe(1);
    await client.flush();
    expect(client.deadLetters.list()).toHaveLength(1);
    expect(client.deadLetters.purge()).toBe(1);
    expect(client.stats()).toMatchObject({ deadLetters: 0, pending: 0 });
  });

  it('counts dead letters toward maxOutboxEvents until they are purged', async () => {
    const client = open({ maxOutboxEvents: 2 });
    await client.record({ type: 'BAD ONE', actor });
    await client.record({ type: 'BAD TWO', actor });
    await client.flush();
    expect(client.stats()).toMatchObject({ pending: 0, deadLetters: 2 });
    await expect(client.record({ type: 'bounded.dead', actor })).rejects.toThrow(/OUTBOX_FULL|2 of them dead letters/);
    expect(client.deadLetters.purge()).toBe(2);
    await client.record({ type: 'bounded.dead', actor });
    await client.flush();
    expect(await vellum.allEvents({ type: 'bounded.dead' })).toHaveLength(1);
  });

  it('narrows down a refused event the server gives no pointer for (a stream version conflict) and delivers the others in order', async () => {
    const client = open({ batchSize: 10, flushIntervalMs: 50 });
    const stream = `Conflict:${Date.now()}`;
    for (let i = 0; i < 7; i++) {
      await client.record({ type: 'conflict.event', actor, stream, data: { i }, ...(i === 4 ? { expectedVersion: 99 } : {}) });
    }
    await client.flush();
    expect((await vellum.allEvents({ type: 'conflict.event' })).map((e) => e.data?.['i'])).toEqual([0, 1, 2, 3, 5, 6]);
    const dead = client.deadLetters.list();
    expect(dead.map((d) => [d.status, d.code, (d.event as { data: { i: number } }).data.i])).toEqual([[409, 'STREAM_VERSION_CONFLICT', 4]]);
  });

  it('pauses on a rejected API key instead of dead-lettering, and delivers once a good key is used', async () => {
    const file = outboxPath();
    const errors: Error[] = [];
    const bad = createClient({ url: vellum.url, apiKey: 'vk_not_a_real_key_000000000000000000', outbox: file, flushIntervalMs: 0, authPauseMs: 60_000, onError: (e) => errors.push(e) });
    await bad.record({ type: 'auth.paused', actor });
    await waitFor(() => errors.length > 0);
    expect(errors[0]).toMatchObject({ status: 401 });
    expect(errors[0]!.message).not.toContain('vk_not_a_real_key');
    expect(bad.stats()).toMatchObject({ pending: 1, deadLetters: 0 });
    expect(await bad.close({ timeoutMs: 100 })).toEqual({ drained: false, pending: 1 });

    const good = createClient({ url: vellum.url, apiKey: vellum.key, outbox: file, flushIntervalMs: 0 });
    clients.push(good);
    await good.flush({ timeoutMs: 5000 });
    expect(await vellum.allEvents({ type: 'auth.paused' })).toHaveLength(1);
  });

  it('refuses record() with OUTBOX_FULL once maxOutboxEvents wait, and accepts again after delivery', async () => {
    const port = await freePort(); // nothing listens there
    const file = outboxPath();
    const client = createClient({ url: `http://127.0.0.1:${port}`, apiKey: vellum.key, outbox: file, maxOutboxEvents: 5, retry: { baseMs: 50, maxMs: 50 } });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => client.record({ type: 'bounded.event', actor, data: { i } })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as VellumRecordError);
    expect(refused).toHaveLength(3);
    expect(refused[0]).toBeInstanceOf(VellumRecordError);
    expect(refused[0]!.code).toBe('OUTBOX_FULL');
    expect(await client.close({ timeoutMs: 100 })).toEqual({ drained: false, pending: 5 });

    const later = createClient({ url: vellum.url, apiKey: vellum.key, outbox: file, maxOutboxEvents: 5, flushIntervalMs: 0 });
    clients.push(later);
    await later.flush({ timeoutMs: 5000 });
    await later.record({ type: 'bounded.event', actor, data: { i: 99 } });
    await later.flush();
    expect((await vellum.allEvents({ type: 'bounded.event' })).map((e) => e.data?.['i'])).toEqual([0, 1, 2, 3, 4, 99]);
  });

  it('refuses an event over maxEventBytes or without an actor at the call, before it reaches the outbox', async () => {
    const client = open({ maxEventBytes: 1024 });
    await expect(client.record({ type: 'big.event', actor, data: { blob: 'x'.repeat(2000) } })).rejects.toMatchObject({ code: 'EVENT_TOO_LARGE' });
    await expect(client.record({ type: 'anon.event' })).rejects.toMatchObject({ code: 'NO_ACTOR' });
    expect(client.stats().pending).toBe(0);
  });
});

describe('direct mode', () => {
  it('returns the server result, and a duplicate for a reused idempotency key', async () => {
    const client = createClient({ url: vellum.url, apiKey: vellum.key });
    clients.push(client);
    const first = await client.record({ type: 'direct.event', actor, entity: { type: 'Direct', id: String(Date.now()) }, idempotencyKey: `direct-${Date.now()}` });
    expect(first.result).toMatchObject({ position: expect.any(Number), streamVersion: 1 });
    const again = await client.record({ type: 'direct.event', actor, entity: { type: 'Direct', id: first.result!.stream.split(':')[1]! }, idempotencyKey: first.idempotencyKey });
    expect(again.result).toMatchObject({ id: first.result!.id, duplicate: true });
  });

  it('rejects an invalid event with the server details', async () => {
    const client = createClient({ url: vellum.url, apiKey: vellum.key });
    clients.push(client);
    const error = await client.record({ type: 'BAD', actor, severity: 'loud' as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VellumRequestError);
    expect((error as VellumRequestError).details.map((d) => d.path).sort()).toEqual(['/events/0/severity', '/events/0/type']);
  });
});

describe('read helpers', () => {
  it('pages through search results and trails, and reads one event', async () => {
    const client = createClient({ url: vellum.url, apiKey: vellum.key });
    clients.push(client);
    const stream = `Invoice:${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await client.record({ type: 'invoice.touched', actor, stream, data: { i } })).result!.id);
    const searched: number[] = [];
    for await (const e of client.search({ type: 'invoice.touched', order: 'asc', limit: 2 })) searched.push(e.data?.['i'] as number);
    expect(searched).toEqual([0, 1, 2, 3, 4]);
    const pages: number[] = [];
    for await (const page of client.searchPages({ type: 'invoice.touched', limit: 2 })) pages.push(page.events.length);
    expect(pages).toEqual([2, 2, 1]);
    const forward: number[] = [];
    for await (const e of client.trail(stream, { limit: 2 })) forward.push(e.streamVersion);
    expect(forward).toEqual([1, 2, 3, 4, 5]);
    const backward: number[] = [];
    for await (const e of client.trail(stream, { direction: 'backward', limit: 2 })) backward.push(e.streamVersion);
    expect(backward).toEqual([5, 4, 3, 2, 1]);
    expect(await client.getEvent(ids[2]!)).toMatchObject({ id: ids[2], data: { i: 2 } });
    expect(await client.getEvent('0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b')).toBeUndefined();
  });
});

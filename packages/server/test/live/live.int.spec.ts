/**
 * GET /v1/live (SSE) and GET /v1/ws (WebSocket) against a real server on a real PostgreSQL store: filters,
 * resume without gap or duplicate while ingestion goes on, tenant isolation and viewer restrictions, bad
 * input, the per-key connection limit, slow consumers, heartbeats, clean-up, and a prompt shutdown.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, anEvent, makeTestApp, type TestApp } from '../support/testApp.ts';
import { service } from '../support/services.ts';
import { postgresStoreFactory } from '../store/storeFactories.ts';
import { liveHubs } from '../../src/live/livePlugin.ts';
import { ingest, openSse, openWs, range, waitUntil } from './liveSupport.ts';

const pgUrl = await service('postgres');

const admin = (tenant: string) => ({ authorization: `Bearer ${ADMIN_KEY}`, 'vellum-tenant': tenant });

async function startServer(config: NonNullable<Parameters<typeof makeTestApp>[0]>['config'] = {}) {
  const { store, close } = await postgresStoreFactory(pgUrl!, 'live')();
  const t = await makeTestApp({ store, config: { logLevel: 'warn', rateLimits: { perKeyPerSecond: 100_000, perKeyBurst: 100_000, perTenantPerSecond: 100_000, perTenantBurst: 100_000 }, ...config } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  for (const id of ['acme', 'globex']) {
    const res = await fetch(`${base}/v1/tenants`, { method: 'POST', headers: { ...admin('default'), 'content-type': 'application/json' }, body: JSON.stringify({ id }) });
    expect(res.status).toBe(201);
  }
  return {
    t,
    base,
    ws: base.replace('http', 'ws'),
    hub: () => liveHubs.get(t.app.server)!,
    async createKey(tenant: string, scopes: string[]): Promise<string> {
      const res = await fetch(`${base}/v1/keys`, { method: 'POST', headers: { ...admin(tenant), 'content-type': 'application/json' }, body: JSON.stringify({ name: `live ${scopes.join(' ')}`, scopes }) });
      expect(res.status).toBe(201);
      return ((await res.json()) as { secret: string }).secret;
    },
    async close() {
      await t.app.close();
      await close().catch(() => undefined);
    },
  };
}
type Server = Awaited<ReturnType<typeof startServer>>;

const typed = (type: string, extra: Record<string, unknown> = {}) => anEvent({ type, ...extra });
const many = (n: number, type = 'order.placed') => Array.from({ length: n }, (_, i) => typed(type, { data: { i } }));
const metric = async (s: Server, name: string) => (await s.t.app.metrics.registry.getSingleMetricAsString(name));

describe.skipIf(!pgUrl)('live streams', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer({ live: { heartbeatSeconds: 1, maxConnectionsPerKey: 3 } });
  });
  afterAll(async () => s?.close());

  it('SSE: streams only events matching the filters, framed with id, event and data', async () => {
    const sse = await openSse(`${s.base}/v1/live?type=configuration.*&minSeverity=high`, admin('acme'));
    expect(sse.status).toBe(200);
    expect(sse.headers['content-type']).toMatch(/^text\/event-stream/);
    const acked = await ingest(s.base, admin('acme'), [
      typed('configuration.updated', { severity: 'high' }),
      typed('configuration.updated', { severity: 'info' }),
      typed('order.placed', { severity: 'critical' }),
      typed('configuration.deleted', { severity: 'critical' }),
    ]);
    await sse.waitFor(() => sse.positions().length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(sse.positions()).toEqual([acked[0], acked[3]]);
    const first = JSON.parse(sse.frames[0]!.data!);
    expect(first).toMatchObject({ type: 'configuration.updated', severity: 'high', position: acked[0], tenant: 'acme' });
    expect(sse.frames[0]!.event).toBe('audit');
    sse.destroy();
  });

  it('streams events exactly as the store reads them, personal data opened (or erased once forgotten), live from this node\'s commits and on catch-up alike', async () => {
    // Events this node commits reach its streams without being read back: they must read exactly as a search does.
    const person = (id: string) => ({ type: 'user', id, name: `Person ${id}`, email: `p${id}@example.com` });
    const subjects = [`live-${Math.random().toString(16).slice(2, 8)}`, `live-${Math.random().toString(16).slice(2, 8)}`];
    const forgetRes = await ingest(s.base, admin('acme'), [typed('user.login', { actor: person(subjects[1]!) })]);
    expect(forgetRes).toHaveLength(1);
    const forgot = await fetch(`${s.base}/v1/subjects/${encodeURIComponent(`user:${subjects[1]}`)}/forget`, { method: 'POST', headers: admin('acme') });
    expect(forgot.status).toBe(200);
    const from = forgetRes[0]!;
    const live = await openSse(`${s.base}/v1/live?type=user.*`, admin('acme'));
    const events = [
      typed('user.login', { actor: person(subjects[0]!), context: { ip: '203.0.113.7' } }),
      typed('user.login', { actor: person(subjects[1]!), context: { ip: '203.0.113.8' } }),
    ];
    const acked = await ingest(s.base, admin('acme'), events);
    await live.waitFor(() => live.positions().length >= 2);
    const caughtUp = await openSse(`${s.base}/v1/live?type=user.*&from=${from}`, admin('acme'));
    await caughtUp.waitFor(() => caughtUp.positions().includes(acked[1]!));
    const res = await fetch(`${s.base}/v1/events?type=user.*&limit=100`, { headers: admin('acme') });
    expect(res.status).toBe(200);
    const stored = ((await res.json()) as { events: Array<{ position: number }> }).events.filter((e) => acked.includes(e.position)).sort((a, b) => a.position - b.position);
    expect(stored.map((e) => e.position)).toEqual(acked);
    const frames = (c: typeof live) => c.frames.filter((f) => f.event === 'audit').map((f) => JSON.parse(f.data!)).filter((e) => acked.includes(e.position));
    expect(frames(live)).toEqual(stored);
    expect(frames(caughtUp)).toEqual(stored);
    expect(stored[0]).toMatchObject({ actor: { name: `Person ${subjects[0]}`, email: `p${subjects[0]}@example.com` }, context: { ip: '203.0.113.7' } });
    // A forgotten subject's new events are stored erased: the live stream must not show what the store does not hold.
    expect(stored[1]).toMatchObject({ actor: { name: '[erased]', email: '[erased]' }, context: { ip: '[erased]' } });
    live.destroy();
    caughtUp.destroy();
  });

  it('SSE: refuses bad filters with 400 listing every problem, before any stream starts', async () => {
    const bad = await openSse(`${s.base}/v1/live?severity=loud&minSeverity=nope&limit=5&from=yesterday`, admin('acme'));
    expect(bad.status).toBe(400);
    const body = JSON.parse(bad.body());
    expect(body.error.code).toBe('VALIDATION_FAILED');
    const paths = body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['/query/severity', '/query/minSeverity', '/query/limit', '/query/from']));
    const all = await openSse(`${s.base}/v1/live?tenant=*`, admin('acme'));
    expect(all.status).toBe(400);
    expect(all.body()).toContain('/query/tenant');
    const header = await openSse(`${s.base}/v1/live`, { ...admin('acme'), 'last-event-id': 'abc' });
    expect(header.status).toBe(400);
    expect(header.body()).toContain('/headers/last-event-id');
    const future = await openSse(`${s.base}/v1/live?from=999999999`, admin('acme'));
    expect(future.status).toBe(400);
    expect(future.body()).toContain("past the log's head");
    await expect(openWs(`${s.ws}/v1/ws?severity=loud`, admin('acme'))).rejects.toMatchObject({ status: 400 });
    expect(s.hub().stats()).toMatchObject({ streams: 0, reserved: 0 });
  });

  for (const via of ['from', 'last-event-id'] as const) {
    it(`SSE: resumes after a position (${via}) with ingestion going on during the catch-up: contiguous, no gap, no duplicate`, async () => {
      const before = await ingest(s.base, admin('globex'), many(600));
      const resumeAfter = before[99]!;
      const url = via === 'from' ? `${s.base}/v1/live?from=${resumeAfter}` : `${s.base}/v1/live`;
      const headers = via === 'from' ? admin('globex') : { ...admin('globex'), 'last-event-id': String(resumeAfter) };
      const writing = ingest(s.base, admin('globex'), many(800));
      const sse = await openSse(url, headers);
      const during = await writing;
      const last = during[during.length - 1]!;
      await sse.waitFor(() => (sse.positions().at(-1) ?? 0) >= last, 20_000);
      expect(sse.positions()).toEqual(range(resumeAfter + 1, last));
      sse.destroy();
    }, 60_000);
  }

  it('WebSocket: filters, resumes from `from` during ingestion, JSON messages in position order', async () => {
    const start = (await ingest(s.base, admin('acme'), many(50, 'user.login')))[49]!;
    const writing = ingest(s.base, admin('acme'), [...many(300, 'user.login'), ...many(100, 'user.logout')]);
    const ws = await openWs(`${s.ws}/v1/ws?from=${start - 20}&type=user.login`, admin('acme'));
    const acked = await writing;
    const logins = acked.slice(0, 300);
    await ws.waitFor(() => (ws.positions().at(-1) ?? 0) >= logins.at(-1)!, 20_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(ws.positions()).toEqual([...range(start - 19, start), ...logins]);
    expect(ws.messages[0]).toMatchObject({ type: 'event', position: start - 19, event: { type: 'user.login', position: start - 19 } });
    ws.socket.close();
    await ws.closeCode;
  }, 60_000);

  it('keeps tenants apart and holds a viewer token to its restriction', async () => {
    const globexKey = await s.createKey('globex', ['events:read']);
    const other = await openSse(`${s.base}/v1/live`, { authorization: `Bearer ${globexKey}` });
    const trying = await openSse(`${s.base}/v1/live?tenant=acme`, { authorization: `Bearer ${globexKey}` });
    expect(trying.status).toBe(403);
    const tokenRes = await fetch(`${s.base}/v1/viewer-tokens`, {
      method: 'POST',
      headers: { ...admin('acme'), 'content-type': 'application/json' },
      body: JSON.stringify({ ttlSeconds: 300, actor: { type: 'user', id: '5' } }),
    });
    expect(tokenRes.status).toBe(201);
    const { token } = (await tokenRes.json()) as { token: string };
    const viewer = await openSse(`${s.base}/v1/live`, { authorization: `Bearer ${token}` });
    const viewerWs = await openWs(`${s.ws}/v1/ws`, { authorization: `Bearer ${token}` });
    const naming = await openSse(`${s.base}/v1/live?actorId=6`, { authorization: `Bearer ${token}` });
    expect(naming.status).toBe(403);

    const acked = await ingest(s.base, admin('acme'), [
      anEvent({ type: 'doc.read', actor: { type: 'user', id: '5' } }),
      anEvent({ type: 'doc.read', actor: { type: 'user', id: '6' } }),
      anEvent({ type: 'doc.read', actor: { type: 'user', id: '5' } }),
    ]);
    const globexAcked = await ingest(s.base, admin('globex'), [anEvent({ type: 'globex.only' })]);
    await viewer.waitFor(() => viewer.positions().length >= 2);
    await viewerWs.waitFor(() => viewerWs.positions().length >= 2);
    await other.waitFor(() => other.positions().length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(viewer.positions()).toEqual([acked[0], acked[2]]);
    expect(viewerWs.positions()).toEqual([acked[0], acked[2]]);
    expect(other.positions()).toEqual(globexAcked);
    expect(other.frames.map((f) => JSON.parse(f.data!).tenant)).toEqual(['globex']);
    for (const f of viewer.frames) expect(JSON.parse(f.data!)).toMatchObject({ tenant: 'acme', actor: { id: '5' } });
    viewer.destroy();
    other.destroy();
    viewerWs.socket.close();
    // Streams opened with a viewer token are self-audited in the system tenant, like its searches.
    await waitUntil(() => s.hub().stats().streams === 0, 5_000, 'the viewer streams to close');
    const routes = async () => {
      const res = await fetch(`${s.base}/v1/events?tenant=system&type=vellum.viewer.read&limit=100`, { headers: admin('default') });
      return ((await res.json()) as { events: Array<{ data: { route: string } }> }).events.map((e) => e.data.route);
    };
    let seen: string[] = [];
    await waitUntil(() => {
      void routes().then((r) => (seen = r));
      return seen.includes('/v1/live') && seen.includes('/v1/ws');
    }, 5_000, 'viewer reads in the system tenant').catch((err: Error) => { throw new Error(`${err.message}; seen: ${JSON.stringify(seen)}`); });
  });

  it('refuses a key its (maxConnectionsPerKey + 1)th stream on a node with 429, over SSE and WebSocket alike', async () => {
    const key = await s.createKey('acme', ['events:read']);
    const auth = { authorization: `Bearer ${key}` };
    const a = await openSse(`${s.base}/v1/live`, auth);
    const b = await openSse(`${s.base}/v1/live`, auth);
    const c = await openWs(`${s.ws}/v1/ws`, auth);
    const refused = await openSse(`${s.base}/v1/live`, auth);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body()).error.code).toBe('RATE_LIMITED');
    await expect(openWs(`${s.ws}/v1/ws`, auth)).rejects.toMatchObject({ status: 429 });
    // Another key is not affected.
    const other = await openSse(`${s.base}/v1/live`, admin('acme'));
    expect(other.status).toBe(200);
    other.destroy();
    // Closing one frees its slot.
    a.destroy();
    await waitUntil(() => s.hub().stats().streams <= 3);
    const again = await openSse(`${s.base}/v1/live`, auth);
    expect(again.status).toBe(200);
    for (const x of [b, again]) x.destroy();
    c.socket.close();
  });

  it('sends heartbeats (SSE comments, WebSocket pings) on idle streams', async () => {
    const sse = await openSse(`${s.base}/v1/live?type=never.happens`, admin('acme'));
    const ws = await openWs(`${s.ws}/v1/ws?type=never.happens`, admin('acme'));
    await new Promise((r) => setTimeout(r, 2_300));
    expect(sse.comments.filter((c) => c === 'heartbeat').length).toBeGreaterThanOrEqual(2);
    expect(ws.pings).toBeGreaterThanOrEqual(2);
    sse.destroy();
    ws.socket.close();
  });

  it('releases everything when clients disconnect: streams, slots, tails, metrics', async () => {
    await waitUntil(() => s.hub().stats().streams === 0, 5_000, 'earlier streams to go');
    const listeners = s.hub().stats().signalListeners;
    const key = await s.createKey('globex', ['events:read']);
    const clients = await Promise.all([1, 2, 3].map(() => openSse(`${s.base}/v1/live?type=x.*`, { authorization: `Bearer ${key}` })));
    const sockets = await Promise.all([1, 2].map(() => openWs(`${s.ws}/v1/ws`, admin('acme'))));
    await waitUntil(() => s.hub().stats().streams === 5);
    expect(s.hub().stats().tails).toBe(2);
    for (const c of clients) c.destroy();
    for (const w of sockets) w.socket.terminate();
    await waitUntil(() => s.hub().stats().streams === 0, 5_000, 'streams to be released');
    expect(s.hub().stats()).toEqual({ tails: 0, streams: 0, reserved: 0, signalListeners: listeners });
    expect(await metric(s, 'vellum_live_connections')).toMatch(/vellum_live_connections\{transport="sse"\} 0/);
    expect(await metric(s, 'vellum_live_connections')).toMatch(/vellum_live_connections\{transport="ws"\} 0/);
    expect(await metric(s, 'vellum_live_catching_up')).toMatch(/vellum_live_catching_up 0/);
  });
});

describe.skipIf(!pgUrl)('slow consumers', () => {
  const padded = (n: number) => Array.from({ length: n }, (_, i) => anEvent({ type: 'bulk.row', data: { i, pad: 'x'.repeat(3_000) } }));

  it('a client that stops reading slows neither ingestion nor a fast client, and later receives everything in order', async () => {
    const s = await startServer({ live: { bufferEvents: 50, maxLagEvents: 1_000_000 } });
    try {
      const slow = await openSse(`${s.base}/v1/live`, admin('acme'));
      const fast = await openSse(`${s.base}/v1/live`, admin('acme'));
      slow.pause();
      const started = performance.now();
      const acked = await ingest(s.base, admin('acme'), padded(6_000));
      const ingestMs = performance.now() - started;
      await fast.waitFor(() => fast.positions().length >= acked.length, 30_000);
      const fastDoneMs = performance.now() - started;
      // The stalled client is detached from the tail and reads from the store at its own pace.
      expect(await metric(s, 'vellum_live_catching_up')).toMatch(/vellum_live_catching_up 1/);
      console.log(`slow consumer: 6000 events ingested in ${ingestMs.toFixed(0)} ms, fast client had them all after ${fastDoneMs.toFixed(0)} ms, slow client had ${slow.positions().length}`);
      expect(slow.positions().length).toBeLessThan(acked.length);
      expect(fast.positions()).toEqual(acked);
      slow.resume();
      await slow.waitFor(() => slow.positions().length >= acked.length, 30_000);
      expect(slow.positions()).toEqual(acked);
      // Back at the tail: new events still arrive live.
      const more = await ingest(s.base, admin('acme'), padded(3));
      await slow.waitFor(() => slow.positions().length >= acked.length + 3);
      expect(slow.positions().slice(-3)).toEqual(more);
      expect(await metric(s, 'vellum_live_catching_up')).toMatch(/vellum_live_catching_up 0/);
      slow.destroy();
      fast.destroy();
    } finally {
      await s.close();
    }
  }, 120_000);

  it('closes a stream more than maxLagEvents behind the head with the position to resume from (SSE event, WS 4008)', async () => {
    const s = await startServer({ live: { bufferEvents: 20, maxLagEvents: 500 } });
    try {
      const sse = await openSse(`${s.base}/v1/live`, admin('acme'));
      const ws = await openWs(`${s.ws}/v1/ws`, admin('acme'));
      sse.pause();
      // A WebSocket client that stops reading: pause the underlying socket.
      (ws.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
      const acked = await ingest(s.base, admin('acme'), padded(5_000));
      sse.resume();
      (ws.socket as unknown as { _socket: { resume(): void } })._socket.resume();
      await sse.ended;
      const closed = sse.frames.at(-1)!;
      expect(closed.event).toBe('closed');
      const { reason, resumeFrom } = JSON.parse(closed.data!);
      expect(reason).toBe('lagging');
      // Everything up to resumeFrom was received, in order, and nothing after it.
      expect(sse.positions()).toEqual(range(acked[0]!, resumeFrom));
      expect(resumeFrom).toBeLessThan(acked.at(-1)!);
      expect(await ws.closeCode).toBe(4008);
      const wsClosed = ws.messages.at(-1)!;
      expect(wsClosed).toMatchObject({ type: 'closed', reason: 'lagging' });
      expect(ws.positions()).toEqual(range(acked[0]!, wsClosed.resumeFrom!));
      expect(await metric(s, 'vellum_live_lag_closed_total')).toMatch(/vellum_live_lag_closed_total 2/);
      // Resuming from there delivers the rest.
      const resumed = await openSse(`${s.base}/v1/live?from=${resumeFrom}`, admin('acme'));
      await resumed.waitFor(() => (resumed.positions().at(-1) ?? 0) >= acked.at(-1)!, 30_000);
      expect(resumed.positions()).toEqual(range(resumeFrom + 1, acked.at(-1)!));
      resumed.destroy();
    } finally {
      await s.close();
    }
  }, 120_000);
});

describe.skipIf(!pgUrl)('shutdown', () => {
  it('closes live streams promptly, telling clients where to resume', async () => {
    const s = await startServer({ shutdownTimeoutSeconds: 30 } as never);
    const sse = await openSse(`${s.base}/v1/live`, admin('acme'));
    const ws = await openWs(`${s.ws}/v1/ws`, admin('acme'));
    const acked = await ingest(s.base, admin('acme'), many(5));
    await sse.waitFor(() => sse.positions().length === 5);
    await ws.waitFor(() => ws.positions().length === 5);
    const started = performance.now();
    await s.close();
    expect(performance.now() - started).toBeLessThan(3_000);
    await sse.ended;
    expect(JSON.parse(sse.frames.at(-1)!.data!)).toEqual({ reason: 'shutting-down', resumeFrom: acked.at(-1) });
    expect(await ws.closeCode).toBe(1001);
    expect(ws.messages.at(-1)).toEqual({ type: 'closed', reason: 'shutting-down', resumeFrom: acked.at(-1) });
  }, 30_000);
});

/**
 * The live routes' contract without a database: OpenAPI entries, a plain GET on the WebSocket route, and the
 * NATS subject that keeps deployments sharing one NATS server apart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../support/testApp.ts';
import { createMemoryStore } from '../../src/store/createMemoryStore.ts';
import { liveSubject } from '../../src/live/natsBridge.ts';
import { anEvent } from '../support/testApp.ts';
import type { AddressInfo } from 'node:net';
import { openSse } from './liveSupport.ts';

describe('live routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(async () => t.app.close());

  it('documents GET /v1/live and GET /v1/ws in the OpenAPI document, filters and resume included', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of ['/v1/live', '/v1/ws']) {
      const op = doc.paths[path]?.get;
      expect(op, path).toBeDefined();
      const names = op.parameters.map((p: { name: string }) => p.name);
      expect(names).toEqual(expect.arrayContaining(['type', 'severity', 'minSeverity', 'actorId', 'entityType', 'from', 'tenant']));
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '401', '403', '429']));
    }
  });

  it('answers a plain GET /v1/ws (no upgrade) with 400 naming the Upgrade header, and holds no slot', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/ws', headers: t.auth() });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([{ path: '/headers/upgrade', message: 'must be websocket' }]);
  });

  it('needs a key with events:read', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/v1/live' })).statusCode).toBe(401);
  });

  it('derives one NATS subject per deployment: stable for a store, different for another store', async () => {
    const a = createMemoryStore();
    const b = createMemoryStore();
    const first = await liveSubject(a);
    expect(await liveSubject(a)).toBe(first);
    expect(first).toMatch(/^vellum\.live\.[0-9a-f]{32}$/);
    expect(await liveSubject(b)).not.toBe(first);
    await a.close();
    await b.close();
  });

  it('starts, streams and closes promptly with NATS unreachable (nats.url pointing at nothing)', async () => {
    const started = performance.now();
    const down = await makeTestApp({ config: { logLevel: 'warn', nats: { url: 'nats://127.0.0.1:1' } } });
    expect(performance.now() - started).toBeLessThan(5_000);
    await down.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(down.app.server.address() as AddressInfo).port}`;
    expect(down.app.logSignal.hearsOtherNodes).toBe(false);
    const sse = await openSse(`${base}/v1/live`, down.auth());
    const res = await down.app.inject({ method: 'POST', url: '/v1/events', headers: down.auth(), payload: anEvent() });
    expect(res.statusCode).toBe(201);
    await sse.waitFor(() => sse.positions().length === 1, 5_000);
    const closing = performance.now();
    await down.app.close();
    expect(performance.now() - closing).toBeLessThan(3_000);
    await sse.ended;
    expect(sse.frames.at(-1)?.event).toBe('closed');
  });
});

/**
 * The live routes' contract without a database: OpenAPI entries, a plain GET on the WebSocket route, and the
 * NATS subject that keeps deployments sharing one NATS server apart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../support/testApp.ts';
import { createMemoryStore } from '../../src/store/createMemoryStore.ts';
import { liveSubject } from '../../src/live/natsBridge.ts';

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
});

/**
 * Request context through the Fastify plugin and the Express middleware: events recorded in a handler, and in
 * async work the handler started after answering, carry actor, ip, user agent, route, source, request id and
 * correlation id (the traceparent's trace id when present); explicit event fields win. Stored by a real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import express from 'express';
import { createClient, vellumExpress, vellumFastify, withContext } from '../src/index.ts';
import type { VellumClient } from '../src/index.ts';
import { startVellum } from './support/vellumServer.ts';
import type { TestVellum } from './support/vellumServer.ts';

let vellum: TestVellum;
let client: VellumClient;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const traceparent = `00-${TRACE}-00f067aa0ba902b7-01`;

beforeAll(async () => {
  vellum = await startVellum();
  client = createClient({ url: vellum.url, apiKey: vellum.key, outbox: path.join(vellum.dir, 'mw.db'), flushIntervalMs: 5 });
});
afterAll(async () => {
  await client.close();
  await vellum.dispose();
});

/** Records one event in the handler and one from a timer after the answer, like a job the request queued. */
function work(tag: string, later: Promise<void>[]): void {
  void client.record({ type: `${tag}.in_handler`, entity: { type: 'Policy', id: '1' } });
  later.push(new Promise((resolve, reject) => {
    setTimeout(() => {
      Promise.all([
        client.record({ type: `${tag}.later`, entity: { type: 'Policy', id: '1' } }),
        // Explicit fields beat the context.
        client.record({ type: `${tag}.explicit`, actor: { type: 'service', id: 'billing' }, source: 'system', context: { route: 'custom' } }),
      ]).then(() => resolve(), reject);
    }, 30);
  }));
}

const byType = async (prefix: string) => {
  await client.flush();
  const events = await vellum.allEvents({ type: `${prefix}.*` });
  return Object.fromEntries(events.map((e) => [e.type.slice(prefix.length + 1), e]));
};

describe('vellumFastify', () => {
  it('attaches the request context to events recorded in the handler and in async work it started', async () => {
    const later: Promise<void>[] = [];
    const app = Fastify();
    await app.register(vellumFastify(client, {
      actor: (req) => (req.headers['x-user'] ? { type: 'user', id: String(req.headers['x-user']) } : undefined),
      sources: [{ pathPrefix: '/admin', source: 'ui' }, { header: 'x-console', source: 'console' }],
    }));
    app.put('/admin/policies/:id', async (req) => {
      work('fastify', later);
      return { ok: true, body: req.body };
    });
    app.get('/plain', async () => {
      void client.record({ type: 'fastifyplain.hit' });
      return {};
    });

    // A real socket, not inject(): the body then arrives on socket events, outside the hook's async context.
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${base}/admin/policies/1?x=1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-user': '5', 'user-agent': 'TestAgent/1.0', traceparent, 'x-request-id': 'req-abc' },
      body: JSON.stringify({ hours_before: 48 }),
    });
    expect(res.status).toBe(200);
    await Promise.all(later);
    const got = await byType('fastify');
    for (const name of ['in_handler', 'later']) {
      expect(got[name]).toMatchObject({
        actor: { type: 'user', id: '5' },
        source: 'ui',
        correlationId: TRACE,
        context: { ip: '127.0.0.1', userAgent: 'TestAgent/1.0', route: 'PUT /admin/policies/:id', requestId: 'req-abc' },
      });
    }
    expect(got['explicit']).toMatchObject({ actor: { type: 'service', id: 'billing' }, source: 'system', context: { route: 'custom', requestId: 'req-abc' } });

    // Without traceparent the correlation id is the request id; the header rule picks the source.
    await fetch(`${base}/plain`, { headers: { 'x-user': '6', 'x-console': '1' } });
    // Closing the app waits for what was recorded (no client.flush() here).
    await app.close();
    const [plain] = await vellum.allEvents({ type: 'fastifyplain.hit' });
    expect(plain).toMatchObject({ actor: { id: '6' }, source: 'console', context: { route: 'GET /plain' } });
    expect(plain!.correlationId).toBe(plain!.context!.requestId);
  });
});

describe('vellumExpress', () => {
  it('attaches the request context to events recorded in the handler and in async work it started', async () => {
    const later: Promise<void>[] = [];
    const app = express();
    app.use(express.json());
    app.use(vellumExpress(client, {
      actor: (req) => (req.get('x-user') ? { type: 'user', id: req.get('x-user')! } : undefined),
      sources: (req) => (req.path.startsWith('/admin') ? 'ui' : undefined),
      defaultSource: 'api',
    }));
    const router = express.Router();
    router.put('/policies/:id', (req, res) => {
      work('express', later);
      res.json({ ok: true, body: req.body as unknown });
    });
    app.use('/admin', router);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const res = await fetch(`${base}/admin/policies/1`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-user': '7', 'user-agent': 'ExpressAgent/2', traceparent },
        body: JSON.stringify({ hours_before: 48 }),
      });
      expect(res.status).toBe(200);
      await Promise.all(later);
    } finally {
      server.close();
    }
    const got = await byType('express');
    for (const name of ['in_handler', 'later']) {
      expect(got[name]).toMatchObject({
        actor: { type: 'user', id: '7' },
        source: 'ui',
        correlationId: TRACE,
        context: { ip: '127.0.0.1', userAgent: 'ExpressAgent/2', route: 'PUT /admin/policies/:id' },
      });
      expect(got[name]!.context!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(got['explicit']).toMatchObject({ actor: { id: 'billing' }, source: 'system', context: { route: 'custom' } });
  });
});

describe('withContext', () => {
  it('gives jobs a context, nested contexts merging with the inner one winning', async () => {
    await withContext({ actor: { type: 'system', id: 'nightly' }, source: 'system', correlationId: 'job-1' }, async () => {
      await client.record({ type: 'job.outer' });
      await withContext({ correlationId: 'job-1-step', extra: { step: 2 } }, () => client.record({ type: 'job.inner' }));
    });
    const got = await byType('job');
    expect(got['outer']).toMatchObject({ actor: { id: 'nightly' }, source: 'system', correlationId: 'job-1' });
    expect(got['inner']).toMatchObject({ actor: { id: 'nightly' }, source: 'system', correlationId: 'job-1-step', context: { step: 2 } });
  });
});

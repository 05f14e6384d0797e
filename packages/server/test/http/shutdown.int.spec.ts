/**
 * Graceful shutdown is not held up by connections that never sent a request: a bare TCP connection, and the spare
 * connection Node's fetch opens after a client aborts a live stream it was reading.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY, makeTestApp } from '../support/testApp.ts';

describe('shutdown', () => {
  it('closes promptly although clients hold connections without a request on them', async () => {
    const t = await makeTestApp({ config: { logLevel: 'silent' } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const silent = net.connect(port, '127.0.0.1');
    await new Promise((r) => silent.once('connect', r));
    const abort = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/v1/live`, { headers: { authorization: `Bearer ${ADMIN_KEY}` }, signal: abort.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    abort.abort();
    await reader.read().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await t.app.close();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(silent.destroyed || (await new Promise((r) => silent.once('close', () => r(true))))).toBe(true);
  }, 20_000);
});

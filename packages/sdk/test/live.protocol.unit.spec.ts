/**
 * client.live()'s reconnect rules against a scripted SSE endpoint (node:http in this process), for what a real
 * server only does rarely: `event: closed` with a resumeFrom past the last matching event (a lagging stream),
 * an event sent again after a resume, a 503 with Retry-After, a connection that goes silent, and the start
 * position the opening comment gives when the caller passed no `from`. The real server is covered by
 * live.e2e.spec.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from '../src/index.ts';
import type { StoredEvent } from '../src/index.ts';

type Script = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;
const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); })));
});

/** Serves the n-th request (0-based) with script(n); records each request's Last-Event-ID. */
async function scripted(script: Script): Promise<{ url: string; lastEventIds: (string | undefined)[] }> {
  const lastEventIds: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    lastEventIds.push(req.headers['last-event-id'] as string | undefined);
    script(req, res, lastEventIds.length - 1);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lastEventIds };
}

const sse = (res: http.ServerResponse): void => { res.writeHead(200, { 'content-type': 'text/event-stream' }); };
const frame = (position: number): string => `id: ${position}\nevent: audit\ndata: ${JSON.stringify({ position, type: 'a.b' })}\n\n`;

async function take(url: string, count: number, options: { from?: number; idleTimeoutMs?: number } = {}): Promise<number[]> {
  const client = createClient({ url, apiKey: 'vlm_test_key', retry: { baseMs: 10, maxMs: 20 } });
  const out: number[] = [];
  for await (const event of client.live({}, options) as AsyncIterable<StoredEvent>) {
    out.push(event.position);
    if (out.length === count) break;
  }
  await client.close({ timeoutMs: 50 });
  return out;
}

describe('client.live() reconnects', () => {
  it('after event: closed, from its resumeFrom, and skips an event sent again', async () => {
    const { url, lastEventIds } = await scripted((_req, res, n) => {
      sse(res);
      if (n === 0) res.end(`: vellum live stream, after position 3\n\n${frame(4)}${frame(5)}event: closed\ndata: {"reason":"lagging","resumeFrom":9}\n\n`);
      else res.end(`${frame(9)}${frame(10)}${frame(11)}`);
    });
    expect(await take(url, 4)).toEqual([4, 5, 10, 11]);
    expect(lastEventIds).toEqual([undefined, '9']);
  });

  it('without from, resumes after the position the first stream opened at, not at the new head', async () => {
    const { url, lastEventIds } = await scripted((_req, res, n) => {
      sse(res);
      if (n === 0) res.end(': vellum live stream, after position 41\nretry: 2000\n\n');
      else res.end(frame(42));
    });
    expect(await take(url, 1)).toEqual([42]);
    expect(lastEventIds).toEqual([undefined, '41']);
  });

  it('after a 503, waiting at least its Retry-After', async () => {
    const at: number[] = [];
    const { url, lastEventIds } = await scripted((_req, res, n) => {
      at.push(Date.now());
      if (n === 0) {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end('{"error":{"code":"SHUTTING_DOWN","message":"stopping","details":[]}}');
      } else {
        sse(res);
        res.end(frame(8));
      }
    });
    expect(await take(url, 1, { from: 7 })).toEqual([8]);
    expect(lastEventIds).toEqual(['7', '7']);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(950);
  });

  it('when the connection goes silent for idleTimeoutMs', async () => {
    const { url, lastEventIds } = await scripted((_req, res, n) => {
      sse(res);
      if (n === 0) res.write(frame(2)); // then nothing, not even a heartbeat, and no close
      else res.end(frame(3));
    });
    expect(await take(url, 2, { from: 1, idleTimeoutMs: 300 })).toEqual([2, 3]);
    expect(lastEventIds).toEqual(['1', '2']);
  });

  it('but not after a 403: the iteration ends with it', async () => {
    const { url, lastEventIds } = await scripted((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"FORBIDDEN","message":"missing scope events:read","details":[]}}');
    });
    await expect(take(url, 1)).rejects.toMatchObject({ name: 'VellumRequestError', status: 403, code: 'FORBIDDEN' });
    expect(lastEventIds).toHaveLength(1);
  });

  it('refuses arguments that cannot work when live() is called', () => {
    const client = createClient({ url: 'http://127.0.0.1:1', apiKey: 'k' });
    expect(() => client.live({ from: '12' })).toThrow(/filter.from is a time/);
    expect(() => client.live({ limit: 5 } as never)).toThrow(/filter.limit does not apply/);
    expect(() => client.live({}, { from: -1 })).toThrow(/options.from/);
  });
});

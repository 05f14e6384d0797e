/**
 * A local HTTP receiver for webhook tests: answers by path (`/ok`, `/fail`, `/gone`, `/busy`, `/unavailable`,
 * `/redirect`, `/hang`, `/reset`, `/big`) and keeps every request it got.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StoredEvent } from '@vellum/core';
import type { DeliveryBatch } from '../../../src/delivery/DeliveryTarget.ts';

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  remotePort: number | undefined;
}

export interface Receiver {
  port: number;
  url: (path: string) => string;
  received: Received[];
  close: () => Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), remotePort: req.socket.remotePort });
      switch (path) {
        case '/ok': return void res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
        case '/accepted': return void res.writeHead(204).end();
        case '/fail': return void res.writeHead(500, { 'content-type': 'text/plain' }).end('database\u0000 exploded\nat line 3 ' + 'x'.repeat(500));
        case '/gone': return void res.writeHead(410).end('no more');
        case '/busy': return void res.writeHead(429, { 'retry-after': '7' }).end();
        case '/unavailable': return void res.writeHead(503, { 'retry-after': new Date(Date.now() + 120_000).toUTCString() }).end();
        case '/unavailable-bare': return void res.writeHead(503).end();
        case '/redirect': return void res.writeHead(302, { location: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ok` }).end();
        case '/hang': hanging.add(res); return;
        case '/reset': return void req.socket.destroy();
        case '/big': return void res.writeHead(200).end(Buffer.alloc(2 * 1024 * 1024, 'a'));
        default: return void res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function testEvent(n: number, overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    id: `0193a0b0-0000-7000-8000-${String(n).padStart(12, '0')}`,
    tenant: 'acme', position: n, stream: 'PolicyConfiguration:123', streamVersion: n,
    type: 'configuration.updated', severity: 'info', actor: { type: 'user', id: '5' },
    entity: { type: 'PolicyConfiguration', id: '123' },
    data: { company_id: 123 },
    occurredAt: '2026-11-22T10:00:00.000Z', recordedAt: '2026-11-22T10:00:00.010Z', hash: 'ab'.repeat(32),
    ...overrides,
  };
}

export function testBatch(events: StoredEvent[], messageId = 'msg_0193a0b0000070008000000000000001', attempt = 1): DeliveryBatch {
  return {
    subscription: { id: '0193a0b0-0000-7000-8000-00000000aaaa', tenant: 'acme', name: 'hooks' },
    messageId,
    fromPosition: events[0]?.position ?? 1,
    toPosition: events[events.length - 1]?.position ?? 1,
    events,
    attempt,
  };
}

/** A log that keeps every line, so tests can check nothing secret was written. */
export function recordingLog(): { lines: string[]; info: (f: object, m: string) => void; warn: (f: object, m: string) => void; error: (f: object, m: string) => void } {
  const lines: string[] = [];
  const write = (f: object, m: string) => void lines.push(`${m} ${JSON.stringify(f)}`);
  return { lines, info: write, warn: write, error: write };
}

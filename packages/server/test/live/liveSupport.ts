/**
 * Clients for live-stream tests: a raw SSE reader on node:http (so a test can stop reading and let the
 * socket's buffers fill, as a stalled browser would) and a WebSocket reader on `ws`.
 */
import http from 'node:http';
import WebSocket from 'ws';

export interface SseFrame {
  /** performance.now() when the frame was parsed. */
  at: number;
  id?: string;
  event?: string;
  data?: string;
}

export interface SseClient {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Frames with data (events and the final `closed`), in arrival order. */
  frames: SseFrame[];
  /** Comment lines (heartbeats), without the colon. */
  comments: string[];
  /** The raw body of a non-200 answer. */
  body(): string;
  positions(): number[];
  ended: Promise<void>;
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  pause(): void;
  resume(): void;
  destroy(): void;
}

export async function waitUntil(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function openSse(url: string, headers: Record<string, string>): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const frames: SseFrame[] = [];
      const comments: string[] = [];
      let raw = '';
      let pending = '';
      let endResolve!: () => void;
      const ended = new Promise<void>((r) => (endResolve = r));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (res.statusCode !== 200) {
          raw += chunk;
          return;
        }
        pending += chunk;
        let cut: number;
        while ((cut = pending.indexOf('\n\n')) >= 0) {
          const block = pending.slice(0, cut);
          pending = pending.slice(cut + 2);
          const frame: SseFrame = { at: performance.now() };
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) frame.id = line.slice(4);
            else if (line.startsWith('event: ')) frame.event = line.slice(7);
            else if (line.startsWith('data: ')) frame.data = line.slice(6);
          }
          if (frame.data !== undefined) frames.push(frame);
        }
      });
      res.on('end', () => endResolve());
      res.on('close', () => endResolve());
      res.on('error', () => endResolve());
      const client: SseClient = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        frames,
        comments,
        body: () => raw,
        positions: () => frames.filter((f) => f.event === 'audit').map((f) => Number(f.id)),
        ended,
        waitFor: (predicate, timeoutMs) => waitUntil(predicate, timeoutMs, 'SSE frames'),
        pause: () => res.pause(),
        resume: () => res.resume(),
        destroy: () => req.destroy(),
      };
      if (res.statusCode !== 200) {
        res.on('end', () => resolve(client));
        return;
      }
      resolve(client);
    });
    req.on('error', reject);
  });
}

export interface WsClient {
  socket: WebSocket;
  messages: Array<{ type: string; position?: number; event?: Record<string, unknown>; reason?: string; resumeFrom?: number }>;
  pings: number;
  closeCode: Promise<number>;
  positions(): number[];
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
}

/** Resolves once open, or rejects with the HTTP status of a refused upgrade (`unexpected-response`). */
export function openWs(url: string, headers: Record<string, string>): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    const client: WsClient = {
      socket,
      messages: [],
      pings: 0,
      closeCode: new Promise((r) => socket.once('close', (code) => r(code))),
      positions: () => client.messages.filter((m) => m.type === 'event').map((m) => m.position!),
      waitFor: (predicate, timeoutMs) => waitUntil(predicate, timeoutMs, 'WebSocket messages'),
    };
    socket.on('message', (data) => client.messages.push(JSON.parse(String(data))));
    socket.on('ping', () => (client.pings += 1));
    socket.once('open', () => resolve(client));
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body })));
    });
    socket.once('error', (err) => reject(err));
  });
}

/** POSTs events in batches of up to 100, returning the positions acknowledged. */
export async function ingest(baseUrl: string, headers: Record<string, string>, events: Array<Record<string, unknown>>): Promise<number[]> {
  const positions: number[] = [];
  for (let i = 0; i < events.length; i += 100) {
    const res = await fetch(`${baseUrl}/v1/events`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ events: events.slice(i, i + 100) }),
    });
    const text = await res.text();
    if (res.status !== 201 && res.status !== 200) throw new Error(`ingest answered ${res.status}: ${text}`);
    const body = JSON.parse(text) as { events?: Array<{ position: number }> };
    for (const r of body.events ?? []) positions.push(r.position);
  }
  return positions;
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

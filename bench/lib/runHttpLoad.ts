/**
 * A tiny closed-loop HTTP load generator: N clients, each with its own keep-alive connection, each sending
 * its next request when the previous one is answered. Loopback only. Two engines: `undici` (the default,
 * a mainstream client) and `raw` (RawHttpConnection: pre-built request bytes, a cross-check that the
 * client's own cost is not what limits a figure on two shared cores).
 */
import { Pool } from 'undici';
import { RawHttpConnection } from './RawHttpConnection.ts';
import { runWorkers, type OpOutcome, type RunResult } from './runWorkers.ts';

export type HttpEngine = 'raw' | 'undici';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Benchmarks may only ever load a server on this machine. */
export function assertLoopback(url: string): URL {
  const u = new URL(url);
  if (!LOOPBACK.has(u.hostname) && !u.hostname.startsWith('127.')) throw new Error(`refusing to load ${u.hostname}: benchmarks target loopback addresses only`);
  return u;
}

interface Answer {
  status: number;
  text: string;
  retryAfter: string | undefined;
}

interface Client {
  send(worker: number, method: 'GET' | 'POST', path: string, body?: Buffer): Promise<Answer>;
  close(): Promise<void>;
}

function openClient(url: string, apiKey: string, connections: number, engine: HttpEngine): Client {
  const u = assertLoopback(url);
  if (engine === 'undici') {
    const pool = new Pool(u.origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
    return {
      async send(_w, method, path, body) {
        const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
        if (body) headers['content-type'] = 'application/json';
        const res = await pool.request({ origin: u.origin, path, method, headers, ...(body ? { body } : {}) });
        const h = res.headers['retry-after'];
        return { status: res.statusCode, text: await res.body.text(), retryAfter: Array.isArray(h) ? h[0] : h };
      },
      close: () => pool.close(),
    };
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const conns = Array.from({ length: connections }, () => new RawHttpConnection(host, Number(u.port || 80)));
  const common = `host: ${u.host}\r\nauthorization: Bearer ${apiKey}\r\n`;
  return {
    async send(w, method, path, body) {
      const head = `${method} ${path} HTTP/1.1\r\n${common}${body ? 'content-type: application/json\r\n' : ''}`;
      const res = await conns[w]!.request(head, body);
      return { status: res.status, text: res.body.toString('utf8'), retryAfter: /\r\nretry-after:\s*([^\r]+)/i.exec(res.head)?.[1] };
    },
    close: async () => { for (const c of conns) c.close(); },
  };
}

interface Bounded {
  url: string;
  apiKey: string;
  clients: number;
  maxOps?: number;
  durationMs?: number;
  engine?: HttpEngine;
  onTick?: (p: { ops: number; events: number; elapsedMs: number }) => void;
}

async function run(options: Bounded, op: (client: Client, seq: number, worker: number) => Promise<OpOutcome>): Promise<RunResult> {
  const client = openClient(options.url, options.apiKey, options.clients, options.engine ?? 'undici');
  try {
    return await runWorkers({
      workers: options.clients,
      ...(options.maxOps !== undefined ? { maxOps: options.maxOps } : {}),
      ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
      ...(options.onTick ? { onTick: options.onTick } : {}),
      op: (seq, worker) => op(client, seq, worker),
    });
  } finally {
    await client.close();
  }
}

export interface HttpIngestOptions extends Bounded {
  /** The POST /v1/events body for request `seq`, and how many events it carries. */
  request: (seq: number) => { body: Buffer; events: number };
}

/** POST /v1/events load: a request counts only when a 201 acknowledges every event it carried. */
export function runHttpIngest(options: HttpIngestOptions): Promise<RunResult> {
  return run(options, async (client, seq, worker) => {
    const { body, events } = options.request(seq);
    const res = await client.send(worker, 'POST', '/v1/events', body);
    if (res.status === 201) {
      const acked = (JSON.parse(res.text) as { events?: unknown[] }).events?.length ?? 0;
      return acked === events ? { events } : { events: 0, error: `201 acknowledging ${acked}/${events}` };
    }
    return { events: 0, error: `status ${res.status}`, ...backoff(res) };
  });
}

export interface HttpGetOptions extends Bounded {
  /** Path and query of GET request `seq`. */
  path: (seq: number) => string;
}

/** GET load, for query latency: every request must answer 200; `events` counts the events returned. */
export function runHttpGets(options: HttpGetOptions): Promise<RunResult> {
  return run(options, async (client, seq, worker) => {
    const res = await client.send(worker, 'GET', options.path(seq));
    if (res.status !== 200) return { events: 0, error: `status ${res.status}`, ...backoff(res) };
    return { events: (JSON.parse(res.text) as { events?: unknown[] }).events?.length ?? 0 };
  });
}

/** 429/503 carry Retry-After; a well-behaved client waits (capped, so a bench never stalls). */
function backoff(res: Answer): { backoffMs?: number } {
  if (res.status !== 429 && res.status !== 503) return {};
  const seconds = Number(res.retryAfter);
  return { backoffMs: Number.isFinite(seconds) ? Math.min(2000, Math.max(10, seconds * 1000)) : 100 };
}

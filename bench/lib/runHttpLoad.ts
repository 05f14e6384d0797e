/**
 * A tiny closed-loop HTTP load generator on undici: N clients, each with its own keep-alive connection,
 * each sending its next request when the previous one is answered. Loopback only.
 */
import { Pool } from 'undici';
import { runWorkers, type RunResult } from './runWorkers.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Benchmarks may only ever load a server on this machine. */
export function assertLoopback(url: string): URL {
  const u = new URL(url);
  if (!LOOPBACK.has(u.hostname) && !u.hostname.startsWith('127.')) throw new Error(`refusing to load ${u.hostname}: benchmarks target loopback addresses only`);
  return u;
}

export interface HttpLoadOptions {
  url: string;
  apiKey: string;
  clients: number;
  maxRequests?: number;
  durationMs?: number;
  /** The POST /v1/events body for request `seq`, and how many events it carries. */
  request: (seq: number) => { body: Buffer; events: number };
  onTick?: (p: { ops: number; events: number; elapsedMs: number }) => void;
}

export async function runHttpIngest(options: HttpLoadOptions): Promise<RunResult> {
  const origin = assertLoopback(options.url).origin;
  const pool = new Pool(origin, { connections: options.clients, pipelining: 1, keepAliveTimeout: 60_000 });
  const headers = { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' };
  try {
    return await runWorkers({
      workers: options.clients,
      ...(options.maxRequests !== undefined ? { maxOps: options.maxRequests } : {}),
      ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
      ...(options.onTick ? { onTick: options.onTick } : {}),
      op: async (seq) => {
        const { body, events } = options.request(seq);
        const res = await pool.request({ origin, path: '/v1/events', method: 'POST', headers, body });
        const text = await res.body.text();
        if (res.statusCode === 201) {
          // A 201 must acknowledge every event of the batch; anything else is a failure, not a success.
          const acked = (JSON.parse(text) as { events?: unknown[] }).events?.length ?? 0;
          return acked === events ? { events } : { events: 0, error: `201 acknowledging ${acked}/${events}` };
        }
        return { events: 0, error: `status ${res.statusCode}`, ...retryAfter(res.statusCode, res.headers['retry-after']) };
      },
    });
  } finally {
    await pool.close();
  }
}

export interface HttpGetOptions {
  url: string;
  apiKey: string;
  clients: number;
  maxRequests?: number;
  durationMs?: number;
  /** Path and query of GET request `seq`. */
  path: (seq: number) => string;
}

/** GET load, for query latency: every request must answer 200. */
export async function runHttpGets(options: HttpGetOptions): Promise<RunResult> {
  const origin = assertLoopback(options.url).origin;
  const pool = new Pool(origin, { connections: options.clients, pipelining: 1, keepAliveTimeout: 60_000 });
  const headers = { authorization: `Bearer ${options.apiKey}` };
  try {
    return await runWorkers({
      workers: options.clients,
      ...(options.maxRequests !== undefined ? { maxOps: options.maxRequests } : {}),
      ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
      op: async (seq) => {
        const res = await pool.request({ origin, path: options.path(seq), method: 'GET', headers });
        const text = await res.body.text();
        if (res.statusCode !== 200) return { events: 0, error: `status ${res.statusCode}` };
        const returned = (JSON.parse(text) as { events?: unknown[] }).events?.length ?? 0;
        return { events: returned };
      },
    });
  } finally {
    await pool.close();
  }
}

/** 429/503 carry Retry-After; a well-behaved client waits (capped, so a bench never stalls). */
function retryAfter(status: number, header: string | string[] | undefined): { backoffMs?: number } {
  if (status !== 429 && status !== 503) return {};
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  return { backoffMs: Number.isFinite(seconds) ? Math.min(2000, Math.max(10, seconds * 1000)) : 100 };
}

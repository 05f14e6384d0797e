/**
 * client.live(): GET /v1/live (Server-Sent Events) as an async iterator that outlives its connections. It tracks
 * the last position it handed out and, after a network error, the server closing the stream or an
 * `event: closed` frame, reconnects with backoff and resumes after that position (Last-Event-ID), so the caller
 * sees every matching event once, in order. Errors that retrying cannot fix (400, 401, 403, 404) end the
 * iteration with the VellumRequestError; breaking out of the loop or aborting the signal closes the connection.
 */
import type { StoredEvent } from '@vellum/core';
import { VellumRequestError } from '../errors.ts';
import { backoffDelay } from '../http/backoff.ts';
import type { RetryPolicy } from '../http/backoff.ts';
import { isRetryable, toRequestError } from '../http/VellumHttp.ts';
import { filterQuery, type SearchFilter } from './readEvents.ts';

/** The search filters, without what only pages have. `from`/`to` are occurredAt bounds (RFC 3339), as in search. */
export type LiveFilter = Omit<SearchFilter, 'limit' | 'order' | 'cursor'>;

export interface LiveOptions {
  /** Resume after this position (events with a greater position only). Default: the head when the stream opens. */
  from?: number;
  /** Aborting it closes the connection and ends the iteration (without an error). */
  signal?: AbortSignal;
  /**
   * With nothing received for this long, not even a heartbeat comment, the connection is taken for dead and
   * replaced. Default 45,000 ms: three of the server's default heartbeats (live.heartbeatSeconds 15).
   */
  idleTimeoutMs?: number;
}

/** What live() needs from the client: where, with which key, and how to back off. */
export interface LiveConnection {
  url: string;
  apiKey: string;
  tenant: string | undefined;
  retry: RetryPolicy;
  /** Ceiling for waiting on the response headers of one attempt. */
  requestTimeoutMs: number;
}

// ---------------------------------------------------------------------------------------------------------------
// SSE parsing (the WHATWG event-stream format, the parts Vellum uses): lines end in \n, \r\n or \r, possibly
// split across chunks; `field: value` lines build a message, a blank line dispatches it; `:` lines are comments.
// ---------------------------------------------------------------------------------------------------------------

export interface SseMessage {
  /** `event:`, or 'message' when the frame named none. */
  event: string;
  /** The `data:` lines joined with \n. */
  data: string;
  /** `id:` of this frame, if it had one. */
  id: string | undefined;
}

export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | undefined;
  private skipLineFeed = false;

  /** @param onComment sees comment lines (without the colon); the parser otherwise ignores them. */
  constructor(private readonly onComment?: (text: string) => void) {}

  /** Feeds decoded text; returns the messages it completed. */
  push(text: string): SseMessage[] {
    const out: SseMessage[] = [];
    let i = 0;
    // A \r ended the previous chunk: a \n opening this one belongs to the same line end.
    if (this.skipLineFeed && text.startsWith('\n')) i = 1;
    this.skipLineFeed = false;
    let start = i;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(this.buffer + text.slice(start, i), out);
      this.buffer = '';
      if (c === 13) {
        if (i + 1 === text.length) this.skipLineFeed = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    this.buffer += text.slice(start);
    // One line without an end cannot grow for ever: a server (or proxy) sending that is broken.
    if (this.buffer.length > 16 * 1024 * 1024) throw new Error('an SSE line longer than 16 MiB');
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') {
      if (this.data.length > 0) out.push({ event: this.event === '' ? 'message' : this.event, data: this.data.join('\n'), id: this.id });
      this.event = '';
      this.data = [];
      this.id = undefined;
      return;
    }
    if (line.startsWith(':')) {
      this.onComment?.(line.slice(1).replace(/^ /, ''));
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    // retry: and unknown fields are ignored: the reconnect delay is the client's retry policy.
  }
}

// ---------------------------------------------------------------------------------------------------------------

const OPENING = /^vellum live stream, after position (\d+)/;
/** A connection that lived this long (or delivered an event) was healthy: the next failure starts backoff over. */
const HEALTHY_MS = 10_000;

function checkArguments(filter: LiveFilter, options: LiveOptions): void {
  const bad: string[] = [];
  for (const key of ['limit', 'order', 'cursor']) if (key in filter) bad.push(`filter.${key} does not apply to a live stream`);
  // Digits alone in `from` would be read by the server as a position, not a time.
  if (typeof filter.from === 'string' && /^\d+$/.test(filter.from)) bad.push('filter.from is a time (RFC 3339); a position goes in options.from');
  if (options.from !== undefined && !(Number.isSafeInteger(options.from) && options.from >= 0)) bad.push('options.from must be a whole number >= 0');
  if (options.idleTimeoutMs !== undefined && !(Number.isFinite(options.idleTimeoutMs) && options.idleTimeoutMs > 0)) bad.push('options.idleTimeoutMs must be > 0');
  if (bad.length > 0) throw new TypeError(`client.live(): ${bad.join('; ')}`);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Checks the arguments at once (a TypeError from live() itself), then streams lazily: nothing connects before the first next(). */
export function liveEvents(conn: LiveConnection, filter: LiveFilter = {}, options: LiveOptions = {}): AsyncGenerator<StoredEvent, void, undefined> {
  checkArguments(filter, options);
  return stream(conn, filter, options);
}

async function* stream(conn: LiveConnection, filter: LiveFilter, options: LiveOptions): AsyncGenerator<StoredEvent, void, undefined> {
  const base = conn.url.replace(/\/+$/, '');
  const path = `/v1/live${filterQuery(filter)}`;
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  const signal = options.signal;
  /** Resume after this; undefined until the first stream told us where it started. */
  let after: number | undefined = options.from;
  let attempt = 0;

  while (!signal?.aborted) {
    const connection = new AbortController();
    const abortConnection = (): void => connection.abort();
    signal?.addEventListener('abort', abortConnection, { once: true });
    let idle: NodeJS.Timeout | undefined;
    const touch = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => connection.abort(new Error('idle')), idleTimeoutMs);
      idle.unref?.();
    };
    const openedAt = Date.now();
    let delivered = false;
    let retryAfterMs: number | undefined;
    try {
      const headers: Record<string, string> = { authorization: `Bearer ${conn.apiKey}`, accept: 'text/event-stream' };
      if (conn.tenant !== undefined) headers['vellum-tenant'] = conn.tenant;
      if (after !== undefined) headers['last-event-id'] = String(after);
      let response: Response;
      // The headers must come within requestTimeoutMs; the body may then stay open for as long as it is alive.
      const headerTimer = setTimeout(() => connection.abort(new Error('timeout')), conn.requestTimeoutMs);
      try {
        response = await fetch(base + path, { headers, signal: connection.signal });
      } finally {
        clearTimeout(headerTimer);
      }
      if (!response.ok) {
        const error = toRequestError(response.status, await response.text().catch(() => ''), response.headers.get('retry-after'));
        // A bad key, scope, filter or URL stays bad: end the iteration instead of hammering the server.
        if (!isRetryable(error)) throw error;
        retryAfterMs = error.retryAfterMs;
      } else if (response.body !== null) {
        touch();
        let closedFrame = false;
        const parser = new SseParser((comment) => {
          const m = OPENING.exec(comment);
          // Where the server started this stream: resuming from there, not from "the head at reconnect time",
          // keeps the events committed while we were away.
          if (m && after === undefined) after = Number(m[1]);
        });
        const decoder = new TextDecoder();
        const reader = response.body.getReader();
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            touch();
            for (const message of parser.push(decoder.decode(value, { stream: true }))) {
              if (message.event === 'audit') {
                const event = JSON.parse(message.data) as StoredEvent;
                const position = Number.isSafeInteger(event.position) ? event.position : Number(message.id);
                if (!Number.isSafeInteger(position)) throw new Error('an audit frame without a position');
                // Never twice, whatever a resume or a proxy replays.
                if (after !== undefined && position <= after) continue;
                after = position;
                delivered = true;
                // A caller taking its time over one event is not a dead connection.
                clearTimeout(idle);
                yield event;
                touch();
              } else if (message.event === 'closed') {
                const { resumeFrom } = JSON.parse(message.data) as { resumeFrom?: unknown };
                // Every matching event up to resumeFrom was sent: skip re-reading what matched nothing.
                if (typeof resumeFrom === 'number' && (after === undefined || resumeFrom > after)) after = resumeFrom;
                closedFrame = true;
              }
            }
            if (closedFrame) break;
          }
        } finally {
          // Reached on break/return of the caller's loop too: close the connection, not just stop reading.
          connection.abort();
          await reader.cancel().catch(() => undefined);
        }
      }
    } catch (e) {
      if (signal?.aborted) return;
      if (e instanceof VellumRequestError) throw e;
      // Anything else (refused or reset connections, idle or header timeouts, an unreadable frame): reconnect
      // from the last position, after backoff.
    } finally {
      clearTimeout(idle);
      signal?.removeEventListener('abort', abortConnection);
      connection.abort();
    }
    if (signal?.aborted) return;
    attempt = delivered || Date.now() - openedAt >= HEALTHY_MS ? 1 : attempt + 1;
    await sleep(backoffDelay(conn.retry, attempt, Math.random(), retryAfterMs), signal);
  }
}

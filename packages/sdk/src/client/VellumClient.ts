/**
 * The client's public shape, the same in both modes, and createClient, which picks the mode: with `outbox`,
 * record() resolves once the event is safe on disk and a background flusher delivers it; without, record()
 * awaits the server (scripts, tests).
 */
import { compileMasking } from '@vellum/core';
import type { AppendResult, StoredEvent } from '@vellum/core';
import type { RecordInput } from '../context/requestContext.ts';
import { VellumHttp } from '../http/VellumHttp.ts';
import { resolveOptions } from '../options.ts';
import type { ClientOptions } from '../options.ts';
import type { DeadLetter } from '../outbox/SqliteOutbox.ts';
import type { SearchFilter, SearchPage, TrailOptions, TrailPage } from '../read/readEvents.ts';
import type { LiveFilter, LiveOptions } from '../read/liveEvents.ts';
import { DirectClient } from './DirectClient.ts';
import { OutboxClient } from './OutboxClient.ts';

export interface RecordReceipt {
  /** The event's idempotency key: the caller's, or a UUIDv7 the client gave it. */
  idempotencyKey: string;
  /** Direct mode only: the server's answer for the event. */
  result?: AppendResult;
}

export interface ClientStats {
  /** Events recorded and not yet acknowledged (direct mode: requests in progress). */
  pending: number;
  /** Events in the request being sent now. */
  inFlight: number;
  deadLetters: number;
  lastError: Error | undefined;
  lastFlushAt: Date | undefined;
}

export interface CloseResult {
  /** True when every recorded event was delivered or dead-lettered before the timeout. */
  drained: boolean;
  /** Events left in the outbox; they are sent when a client opens the same file again. */
  pending: number;
}

export interface DeadLetters {
  /** The oldest dead letters first, with the server's reasons. */
  list(options?: { limit?: number }): DeadLetter[];
  /** Moves dead letters (all, or those seqs) back to the outbox to be sent again; returns how many. */
  retry(seqs?: number[]): number;
  /** Deletes dead letters for good (all, or those seqs); returns how many. */
  purge(seqs?: number[]): number;
}

export interface VellumClient {
  readonly mode: 'outbox' | 'direct';
  /**
   * Records an event. Outbox mode: resolves once it is durable in the outbox (it survives kill -9), never
   * waiting for the server. Direct mode: resolves with the server's result after retries.
   * @example
   * await client.record({ type: 'invoice.paid', actor: { type: 'user', id: '5' }, entity: { type: 'Invoice', id: '42' } });
   */
  record(event: RecordInput): Promise<RecordReceipt>;
  /** Resolves when everything recorded so far is acknowledged (or dead-lettered); rejects after `timeoutMs`. */
  flush(options?: { timeoutMs?: number }): Promise<void>;
  /** Stops taking events, drains for up to `timeoutMs` (default closeTimeoutMs), stops the flusher and closes the outbox. */
  close(options?: { timeoutMs?: number }): Promise<CloseResult>;
  stats(): ClientStats;
  readonly deadLetters: DeadLetters;
  getEvent(id: string): Promise<StoredEvent | undefined>;
  /** Every event matching the filter, following cursors page by page. */
  search(filter?: SearchFilter): AsyncIterable<StoredEvent>;
  searchPages(filter?: SearchFilter): AsyncIterable<SearchPage>;
  /** An entity's trail: the events of one stream by version. */
  trail(stream: string, options?: TrailOptions): AsyncIterable<StoredEvent>;
  trailPages(stream: string, options?: TrailOptions): AsyncIterable<TrailPage>;
  /**
   * New matching events as they commit (GET /v1/live), for ever: reconnects by itself with backoff after a
   * network error or a server restart and resumes after the last event it yielded, so each event comes once, in
   * order. 400/401/403/404 end it with a VellumRequestError; `break` or aborting `signal` closes the connection.
   * @example
   * for await (const event of client.live({ type: 'configuration.*', minSeverity: 'high' })) alert(event);
   */
  live(filter?: LiveFilter, options?: LiveOptions): AsyncIterable<StoredEvent>;
}

/**
 * @example
 * const client = createClient({ url: 'http://127.0.0.1:7070', apiKey: process.env.VELLUM_KEY!, outbox: './data/vellum-outbox.db' });
 * await client.record({ type: 'policy.updated', actor: { type: 'user', id: '5' }, changes: diff(before, after) });
 * process.on('SIGTERM', () => void client.close());
 */
export function createClient(options: ClientOptions): VellumClient {
  const resolved = resolveOptions(options);
  // A bad masking rule fails here, at start-up, not at the first record().
  const masker = compileMasking(resolved.masking);
  const http = new VellumHttp({ url: resolved.url, apiKey: resolved.apiKey, tenant: resolved.tenant, requestTimeoutMs: resolved.requestTimeoutMs });
  return resolved.outbox === undefined
    ? new DirectClient(http, resolved, masker)
    : new OutboxClient(http, resolved, masker, resolved.outbox);
}

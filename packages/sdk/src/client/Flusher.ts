/**
 * The background sender of an outbox: batches in record order, POSTs them, forgets what the server
 * acknowledged, and decides what to do with a failure:
 *
 * - no answer, 408/425/429, 5xx: wait (exponential backoff with full jitter, at least the Retry-After) and
 *   send the same batch again; the idempotency keys make a resend of an already stored event a `duplicate`.
 * - 401/403/404/405: the key or URL is wrong, not the events: pause for authPauseMs, report, keep the events.
 * - any other 4xx naming events (`/events/N/...`): exactly those events go to the dead letters; the rest is
 *   sent again at once.
 * - any other 4xx naming no event (a 409 from a store that gives no pointer, a 413): halve the batch until
 *   the refused event is alone, then dead-letter it. The others are delivered in order meanwhile.
 */
import type { AppendResult, ErrorDetail } from '@vellum/core';
import { VellumRequestError } from '../errors.ts';
import { backoffDelay } from '../http/backoff.ts';
import { isConfigurationError, isRetryable } from '../http/VellumHttp.ts';
import type { VellumHttp } from '../http/VellumHttp.ts';
import type { ResolvedOptions } from '../options.ts';
import type { OutboxRow, SqliteOutbox } from '../outbox/SqliteOutbox.ts';

const EVENT_POINTER = /^\/events\/(\d+)(\/.*)?$/;

export interface FlusherState {
  inFlight: number;
  lastError: Error | undefined;
  lastFlushAt: Date | undefined;
}

export class Flusher {
  readonly state: FlusherState = { inFlight: 0, lastError: undefined, lastFlushAt: undefined };
  private stopped = false;
  private attempt = 0;
  private batchLimit: number;
  private bisectUntilSeq = 0;
  /** Ends the idle wait or the batch-gathering wait: new events, flush() or stop(). */
  private wake: (() => void) | undefined;
  /** Ends a backoff or auth pause early: stop() only, so new events never make the client retry sooner. */
  private interruptPause: (() => void) | undefined;
  private urgent = false;
  private readonly progress = new Set<() => void>();
  /** Aborts the request in flight on stop(): its batch stays in the outbox and its resend is deduplicated. */
  private readonly abort = new AbortController();
  private readonly loop: Promise<void>;

  constructor(
    private readonly outbox: SqliteOutbox,
    private readonly http: VellumHttp,
    private readonly options: ResolvedOptions,
    /** Called when events leave the outbox (delivered, or dead-lettered), to keep the counts. */
    private readonly onSettled: (count: number, deadLettered: boolean) => void,
  ) {
    this.batchLimit = options.batchSize;
    this.loop = this.run();
  }

  /** New events are waiting. `urgent` skips the wait that gathers a batch (flush and close). */
  kick(urgent = false): void {
    if (urgent) this.urgent = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Resolves at the next change of the outbox (a batch settled) or a stop. */
  nextProgress(): Promise<void> {
    return new Promise((resolve) => this.progress.add(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.kick();
    this.interruptPause?.();
    this.abort.abort();
    this.notifyProgress();
    await this.loop;
  }

  private notifyProgress(): void {
    const waiters = [...this.progress];
    this.progress.clear();
    for (const w of waiters) w();
  }

  /**
   * Waits `ms`, ending early on kick() (`wakeOnKick`, the batch-gathering wait) or on stop() only (backoff and
   * auth pauses). Timers are unref'd so a forgotten client never holds the process open.
   */
  private sleep(ms: number, wakeOnKick: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        if (this.interruptPause === done) this.interruptPause = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      if (wakeOnKick) this.wake = done;
      else this.interruptPause = done;
    });
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => { this.wake = resolve; });
  }

  private nextBatch(): OutboxRow[] {
    const rows = this.outbox.take(0, this.batchLimit);
    let bytes = 12;
    const batch: OutboxRow[] = [];
    for (const row of rows) {
      bytes += Buffer.byteLength(row.body) + 1;
      if (batch.length > 0 && bytes > this.options.maxBatchBytes) break;
      batch.push(row);
    }
    return batch;
  }

  private report(error: Error, events: number, retryInMs?: number, during: 'flush' | 'dead-letter' = 'flush'): void {
    this.state.lastError = error;
    try {
      this.options.onError?.(error, { during, events, ...(retryInMs === undefined ? {} : { retryInMs }) });
    } catch {
      // A throwing hook must not stop delivery.
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let batch = this.nextBatch();
      if (batch.length === 0) {
        this.urgent = false;
        await this.idle();
        continue;
      }
      // Gather a fuller batch unless one is already full or someone waits on flush()/close().
      if (batch.length < this.batchLimit && !this.urgent && this.options.flushIntervalMs > 0 && this.attempt === 0) {
        await this.sleep(this.options.flushIntervalMs, true);
        if (this.stopped) break;
        batch = this.nextBatch();
        if (batch.length === 0) continue;
      }
      await this.send(batch);
    }
  }

  private async send(batch: OutboxRow[]): Promise<void> {
    this.state.inFlight = batch.length;
    let results: { events: AppendResult[] } | undefined;
    let failure: unknown;
    try {
      results = await this.http.request<{ events: AppendResult[] }>('POST', '/v1/events', `{"events":[${batch.map((r) => r.body).join(',')}]}`, this.abort.signal);
    } catch (e) {
      failure = e;
    }
    this.state.inFlight = 0;
    // After close() the file is shut: whatever this batch did, it is resent (and deduplicated) on the next start.
    if (this.stopped) return;
    if (results !== undefined) {
      this.outbox.remove(batch.map((r) => r.seq));
      this.onSettled(batch.length, false);
      this.attempt = 0;
      this.state.lastFlushAt = new Date();
      if (batch[batch.length - 1]!.seq >= this.bisectUntilSeq) this.batchLimit = this.options.batchSize;
      this.notifyProgress();
      return;
    }
    const error = failure instanceof Error ? failure : new Error(String(failure));
    if (isRetryable(error)) {
      this.attempt++;
      const retryAfter = error instanceof VellumRequestError ? error.retryAfterMs : undefined;
      const delay = backoffDelay(this.options.retry, this.attempt, Math.random(), retryAfter);
      this.report(error, batch.length, delay);
      await this.sleep(delay, false);
      return;
    }
    if (isConfigurationError(error)) {
      this.report(error, batch.length, this.options.authPauseMs);
      await this.sleep(this.options.authPauseMs, false);
      return;
    }
    this.attempt = 0;
    this.rejected(batch, error instanceof VellumRequestError ? error : new VellumRequestError(0, 'UNKNOWN', error.message, [], undefined));
    this.notifyProgress();
  }

  private rejected(batch: OutboxRow[], error: VellumRequestError): void {
    const byIndex = new Map<number, ErrorDetail[]>();
    for (const d of error.details) {
      const m = EVENT_POINTER.exec(d.path);
      if (!m) continue;
      const i = Number(m[1]);
      if (i >= batch.length) continue;
      const list = byIndex.get(i) ?? [];
      list.push({ path: m[2] ?? '', message: d.message });
      byIndex.set(i, list);
    }
    if (byIndex.size === 0 && batch.length > 1) {
      // The server did not say which event it refused: narrow it down by halves.
      this.batchLimit = Math.ceil(batch.length / 2);
      this.bisectUntilSeq = Math.max(this.bisectUntilSeq, batch[batch.length - 1]!.seq);
      this.report(error, batch.length);
      return;
    }
    const victims = byIndex.size === 0 ? new Map([[0, [{ path: '', message: error.message }]]]) : byIndex;
    for (const [i, details] of victims) {
      const row = batch[i]!;
      const reason = details.map((d) => (d.path === '' ? d.message : `${d.path}: ${d.message}`)).join('; ');
      this.outbox.deadLetter(row, error.status, error.code, reason);
    }
    this.onSettled(victims.size, true);
    this.report(error, victims.size, undefined, 'dead-letter');
    this.batchLimit = this.options.batchSize;
  }
}

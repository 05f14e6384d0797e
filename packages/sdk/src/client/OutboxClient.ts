/** Outbox mode: record() writes to the SQLite outbox (one fsync per group of concurrent calls); the Flusher sends. */
import type { Masker } from '@vellum/core';
import type { RecordInput } from '../context/requestContext.ts';
import { VellumRecordError, VellumTimeoutError } from '../errors.ts';
import type { VellumHttp } from '../http/VellumHttp.ts';
import type { ResolvedOptions } from '../options.ts';
import { SqliteOutbox } from '../outbox/SqliteOutbox.ts';
import { Flusher } from './Flusher.ts';
import { prepareRecord } from './prepareRecord.ts';
import type { PreparedRecord } from './prepareRecord.ts';
import { ClientBase } from './ClientBase.ts';
import type { ClientStats, CloseResult, DeadLetters, RecordReceipt, VellumClient } from './VellumClient.ts';

interface QueuedWrite {
  record: PreparedRecord;
  resolve: (receipt: RecordReceipt) => void;
  reject: (error: Error) => void;
}

export class OutboxClient extends ClientBase implements VellumClient {
  readonly mode = 'outbox' as const;
  private readonly outbox: SqliteOutbox;
  private readonly flusher: Flusher;
  private pending: number;
  /** Dead letters count toward maxOutboxEvents too: the file stays bounded even when the server refuses everything. */
  private dead: number;
  private queue: QueuedWrite[] = [];
  private writeScheduled = false;
  private writesDone: Promise<void> = Promise.resolve();
  private closed = false;
  /** The outbox file is shut: close() finished. */
  private finished = false;
  private closing: Promise<CloseResult> | undefined;
  readonly deadLetters: DeadLetters;

  constructor(http: VellumHttp, private readonly options: ResolvedOptions, private readonly masker: Masker, file: string) {
    super(http, options);
    this.outbox = new SqliteOutbox(file);
    this.pending = this.outbox.pendingCount();
    this.dead = this.outbox.deadLetterCount();
    this.flusher = new Flusher(this.outbox, http, options, (n, deadLettered) => {
      this.pending -= n;
      if (deadLettered) this.dead += n;
    });
    const outbox = this.outbox;
    const open = (): void => {
      if (this.finished) throw new VellumRecordError('CLOSED', 'The client is closed; open a new one on the outbox to manage its dead letters');
    };
    this.deadLetters = {
      list: (o) => { open(); return outbox.listDeadLetters(Math.min(Math.max(o?.limit ?? 100, 1), 10_000)); },
      retry: (seqs) => {
        open();
        const n = outbox.retryDeadLetters(seqs);
        this.pending += n;
        this.dead -= n;
        if (n > 0) this.flusher.kick();
        return n;
      },
      purge: (seqs) => {
        open();
        const n = outbox.purgeDeadLetters(seqs);
        this.dead -= n;
        return n;
      },
    };
  }

  record(event: RecordInput): Promise<RecordReceipt> {
    if (this.closed) return Promise.reject(new VellumRecordError('CLOSED', 'The client is closed; events can no longer be recorded'));
    let record: PreparedRecord;
    try {
      record = prepareRecord(event, this.masker, this.options.tenant ?? '', this.options.maxEventBytes);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    const held = this.pending + this.queue.length + this.dead;
    if (held >= this.options.maxOutboxEvents) {
      const why = this.dead > 0
        ? `${this.dead} of them dead letters (list, retry or purge them with client.deadLetters)`
        : 'the server has not accepted events for a while';
      const last = this.flusher.state.lastError ? `; last error: ${this.flusher.state.lastError.message}` : '';
      return Promise.reject(new VellumRecordError(
        'OUTBOX_FULL',
        `The outbox holds ${held} events, its limit (maxOutboxEvents ${this.options.maxOutboxEvents}): ${why}${last}`,
      ));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      if (!this.writeScheduled) {
        this.writeScheduled = true;
        // Concurrent record() calls of one tick share one transaction, so one fsync.
        this.writesDone = new Promise((done) => setImmediate(() => { this.writeQueued(); done(); }));
      }
    });
  }

  private writeQueued(): void {
    this.writeScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    try {
      this.outbox.append(batch.map((q) => q.record));
    } catch (e) {
      const error = new Error(`The outbox ${this.outbox.file} could not store the event: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      for (const q of batch) q.reject(error);
      return;
    }
    this.pending += batch.length;
    for (const q of batch) q.resolve({ idempotencyKey: q.record.idempotencyKey });
    this.flusher.kick();
  }

  async flush(options: { timeoutMs?: number } = {}): Promise<void> {
    await this.writesDone;
    if (this.finished) return;
    const target = this.outbox.maxSeq();
    const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
    for (;;) {
      if (this.outbox.pendingUpTo(target) === 0) return;
      this.flusher.kick(true);
      const progress = this.flusher.nextProgress();
      if (deadline === undefined) {
        await progress;
      } else {
        const left = deadline - Date.now();
        if (left <= 0) throw new VellumTimeoutError(`flush() timed out after ${options.timeoutMs} ms with ${this.outbox.pendingUpTo(target)} events still waiting (${this.flusher.state.lastError?.message ?? 'no error yet'}); they stay in the outbox`);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([progress, new Promise<void>((r) => { timer = setTimeout(r, left); })]);
        clearTimeout(timer);
      }
      if (this.finished) return;
    }
  }

  close(options: { timeoutMs?: number } = {}): Promise<CloseResult> {
    this.closing ??= this.doClose(options.timeoutMs ?? this.options.closeTimeoutMs);
    return this.closing;
  }

  private async doClose(timeoutMs: number): Promise<CloseResult> {
    this.closed = true;
    let drained = true;
    try {
      await this.flush({ timeoutMs });
    } catch (e) {
      if (!(e instanceof VellumTimeoutError)) throw e;
      drained = false;
    }
    await this.flusher.stop();
    const pending = this.outbox.pendingCount();
    this.outbox.close();
    this.finished = true;
    return { drained, pending };
  }

  stats(): ClientStats {
    const s = this.flusher.state;
    return {
      pending: this.pending + this.queue.length,
      inFlight: s.inFlight,
      deadLetters: this.dead,
      lastError: s.lastError,
      lastFlushAt: s.lastFlushAt,
    };
  }
}

import { Worker } from 'node:worker_threads';
import { VellumError } from '@vellum/core';
import type { AppendBatch, AppendOutcome } from '@vellum/core';
import type { FromWriter, ToWriter } from './appendWorker.ts';
import { errorFromWire, outcomeFromWire } from './appendWire.ts';
import type { Appender } from './InlineAppender.ts';
import type { WriterCall } from './writerCalls.ts';

type Request = ToWriter extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

interface Pending {
  resolve(reply: Extract<FromWriter, { type: 'done' }>): void;
  reject(error: unknown): void;
}

/**
 * The process's SQLite writer thread. better-sqlite3 is synchronous: inline, every commit (sealing,
 * inserts, fsync) would stall the event loop that serves HTTP; on its own thread it overlaps with the main
 * thread's work on the requests that will form the next commit. One thread serves every store the process
 * opens, so its start-up (loading tsx and the sources) is paid once.
 *
 * Requests are answered in the order they were sent: the thread handles one message at a time.
 */
class WriterThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #failure: unknown;

  constructor() {
    // execArgv: [] so the worker doesn't inherit loader flags (--import tsx, the test runner's): the entry
    // registers tsx itself, once. VELLUM_WRITER_CPU_PROF=<dir> profiles the thread under a bench (bench/README.md).
    const profileDir = process.env['VELLUM_WRITER_CPU_PROF'];
    const execArgv = profileDir === undefined || profileDir === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
    this.#worker = new Worker(new URL('./appendWorkerEntry.mjs', import.meta.url), { execArgv });
    // Only an unanswered request keeps the process alive (ref'd in send, unref'd when idle).
    this.#worker.unref();
    this.#worker.on('message', (reply: FromWriter) => this.#onReply(reply));
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => this.#fail(new Error(`the SQLite writer thread exited (code ${code})`)));
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  get failure(): unknown {
    return this.#failure;
  }

  send(request: Request): Promise<Extract<FromWriter, { type: 'done' }>> {
    if (this.#failure !== undefined) return Promise.reject(unavailable(this.#failure));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage({ ...request, id } as ToWriter);
    });
  }

  #onReply(reply: FromWriter): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.type === 'done') pending.resolve(reply);
    else pending.reject(errorFromWire(reply.error));
  }

  #fail(error: unknown): void {
    this.#failure ??= error;
    for (const pending of this.#pending.values()) pending.reject(unavailable(error));
    this.#pending.clear();
    this.#worker.unref();
    if (shared === this) shared = undefined; // the next store opened starts a fresh thread
  }
}

let shared: WriterThread | undefined;
let nextStore = 1;

/**
 * A store's appends, sent to the writer thread over the store's own connection there. The connection is
 * opened by the first message; appends sent meanwhile queue behind it.
 */
export class ThreadAppender implements Appender {
  /** The thread answers in order, one message at a time: the next commit can wait there while one is written. */
  readonly pipelineDepth = 2;
  readonly #thread: WriterThread;
  readonly #store = nextStore++;
  readonly #opened: Promise<unknown>;
  #closed: Promise<void> | undefined;

  constructor(path: string) {
    shared ??= new WriterThread();
    this.#thread = shared;
    this.#opened = this.#thread.send({ type: 'open', store: this.#store, path });
    this.#opened.catch(() => { /* reported by every append */ });
  }

  async append(batches: readonly AppendBatch[]): Promise<AppendOutcome[]> {
    if (this.#closed !== undefined) throw new VellumError('STORE_UNAVAILABLE', { message: 'The store is closed.' });
    const [, reply] = await Promise.all([this.#opened, this.#thread.send({ type: 'append', store: this.#store, batches: batches as AppendBatch[] })]);
    return (reply.outcomes ?? []).map(outcomeFromWire);
  }

  async call(call: WriterCall): Promise<unknown> {
    if (this.#closed !== undefined) throw new VellumError('STORE_UNAVAILABLE', { message: 'The store is closed.' });
    const [, reply] = await Promise.all([this.#opened, this.#thread.send({ type: 'call', store: this.#store, call })]);
    return reply.result;
  }

  /** Resolves once this store's connection on the thread is open; rejects once the thread has failed. */
  async ping(): Promise<void> {
    if (this.#thread.failed) throw unavailable(this.#thread.failure);
    await this.#opened;
  }

  /** Lets the appends already sent finish (the thread answers in order), then closes the connection. */
  close(): Promise<void> {
    this.#closed ??= this.#thread.failed
      ? Promise.resolve()
      : this.#thread.send({ type: 'close', store: this.#store }).then(() => undefined, () => undefined);
    return this.#closed;
  }
}

const unavailable = (cause: unknown): VellumError =>
  new VellumError('STORE_UNAVAILABLE', { message: 'The SQLite writer thread failed; restart the server.', cause });

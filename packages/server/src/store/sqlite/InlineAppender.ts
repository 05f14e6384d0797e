import type { AppendBatch, AppendOutcome } from '@vellum/core';
import { appendBatches, prepareAppendStatements, type AppendStatements } from './appendBatches.ts';
import type { SqliteConnection } from './SqliteConnection.ts';
import { runWriterCall, writerStatements, type WriterCall, type WriterStatements } from './writerCalls.ts';

/** How the store appends: on the calling thread (InlineAppender) or on a writer thread (AppendThread). */
export interface Appender {
  /** EventStore.appendPipelineDepth: how many appends may be outstanding at once. */
  readonly pipelineDepth: number;
  append(batches: readonly AppendBatch[]): Promise<AppendOutcome[]>;
  /** Runs one of the store's other writes on the appending connection (writerCalls.ts). */
  call(call: WriterCall): Promise<unknown>;
  /** Rejects when appends can no longer succeed (the writer thread died), so /readyz reports it. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Appends on the calling thread, through the store's own connection. For ':memory:' (one connection can't
 * be shared with a thread) and for measuring the append path without the thread hop.
 */
export class InlineAppender implements Appender {
  /** An inline append is finished when it returns. */
  readonly pipelineDepth = 1;
  readonly #db: SqliteConnection;
  readonly #statements: AppendStatements;
  readonly #writes: WriterStatements;

  constructor(db: SqliteConnection) {
    this.#db = db;
    this.#statements = prepareAppendStatements(db);
    this.#writes = writerStatements(db);
  }

  call(call: WriterCall): Promise<unknown> {
    try {
      return Promise.resolve(runWriterCall(this.#writes, call));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  append(batches: readonly AppendBatch[]): Promise<AppendOutcome[]> {
    try {
      return Promise.resolve(appendBatches(this.#db, this.#statements, batches, Date.now()));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The writer thread's body (see WriterThread). It owns the connections that append: sealing (canonical
 * JSON + SHA-256), the inserts and the fsync at COMMIT all run here, on their own core, while the main
 * thread keeps parsing, validating and masking the next requests — which then form the next group commit.
 * One thread serves every store the process opens, each through its own connection. The store's other writes
 * (keys, Merkle trees, subject keys: writerCalls.ts) run here too, so the main thread never waits on a write lock.
 */
import { writeFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { AppendBatch } from '@vellum/core';
import { appendBatches, prepareAppendStatements, type AppendStatements } from './appendBatches.ts';
import { errorToWire, outcomeToWire, type WireError, type WireOutcome } from './appendWire.ts';
import { applyWriterPragmas } from './pragmas.ts';
import type { SqliteConnection } from './SqliteConnection.ts';
import { runWriterCall, writerStatements, type WriterCall, type WriterStatements } from './writerCalls.ts';

export type ToWriter =
  | { type: 'open'; id: number; store: number; path: string }
  | { type: 'append'; id: number; store: number; batches: AppendBatch[] }
  | { type: 'call'; id: number; store: number; call: WriterCall }
  | { type: 'close'; id: number; store: number };

export type FromWriter =
  | { type: 'done'; id: number; outcomes?: WireOutcome[]; result?: unknown }
  | { type: 'failed'; id: number; error: WireError };

const port = parentPort;
if (port === null) throw new Error('appendWorker.ts runs as a worker thread only');

// Every thread of a Node process is called "node"; naming this one lets `top -H`, `ps -L` and the benchmarks'
// CPU split (bench/lib/threadCpu.ts) tell the writer from the main thread. Linux only; elsewhere it stays unnamed.
try {
  writeFileSync('/proc/thread-self/comm', 'vellum-writer');
} catch {
  // not Linux, or /proc not mounted: the name is a convenience
}

const stores = new Map<number, { db: SqliteConnection; statements: AppendStatements; writes: WriterStatements }>();

function handle(message: ToWriter): FromWriter {
  switch (message.type) {
    case 'open': {
      const db = new Database(message.path, { fileMustExist: true }) as unknown as SqliteConnection;
      try {
        applyWriterPragmas(db);
        stores.set(message.store, { db, statements: prepareAppendStatements(db), writes: writerStatements(db) });
      } catch (error) {
        db.close();
        throw error;
      }
      return { type: 'done', id: message.id };
    }
    case 'append': {
      const store = stores.get(message.store);
      if (store === undefined) throw new Error(`store ${message.store} is not open on the writer thread`);
      const outcomes = appendBatches(store.db, store.statements, message.batches, Date.now());
      return { type: 'done', id: message.id, outcomes: outcomes.map(outcomeToWire) };
    }
    case 'call': {
      const store = stores.get(message.store);
      if (store === undefined) throw new Error(`store ${message.store} is not open on the writer thread`);
      return { type: 'done', id: message.id, result: runWriterCall(store.writes, message.call) };
    }
    case 'close': {
      stores.get(message.store)?.db.close();
      stores.delete(message.store);
      return { type: 'done', id: message.id };
    }
  }
}

port.on('message', (message: ToWriter) => {
  let reply: FromWriter;
  try {
    reply = handle(message);
  } catch (error) {
    reply = { type: 'failed', id: message.id, error: errorToWire(error) };
  }
  port.postMessage(reply);
});

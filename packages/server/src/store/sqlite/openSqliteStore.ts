import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ThreadAppender } from './WriterThread.ts';
import { InlineAppender } from './InlineAppender.ts';
import { applyReaderPragmas, applyWriterPragmas, QUERY_CACHE_MIB, WRITER_CACHE_MIB } from './pragmas.ts';
import { SqliteEventStore } from './SqliteEventStore.ts';
import type { SqliteConnection } from './SqliteConnection.ts';
import { migrate, schemaVersion } from './schema/migrations.ts';

export interface SqliteStoreOptions {
  /** A file path (parent directories are created) or ':memory:' for tests. */
  path: string;
  /** Open an existing store for reading only: no migrations, no writes. */
  readonly?: boolean;
  /**
   * Append on a writer thread (default for files) or on the calling thread (`false`; always so for
   * ':memory:', which one connection can't share with a thread).
   */
  writerThread?: boolean;
}

/**
 * Opens (and unless readonly, creates and migrates) a SQLite event store. The schema is migrated on this
 * thread before the writer thread starts, so the writer only ever sees a current schema.
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteEventStore {
  const memory = options.path === ':memory:' || options.path === '';
  if (options.readonly === true) {
    if (memory) throw new Error('A readonly store needs a file path, not :memory:');
    const db = new Database(options.path, { readonly: true, fileMustExist: true }) as unknown as SqliteConnection;
    applyReaderPragmas(db);
    const store = new SqliteEventStore(db, undefined);
    store.migrationsApplied = { applied: [], current: schemaVersion(db) };
    return store;
  }
  if (!memory) fs.mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true });
  const db = new Database(options.path) as unknown as SqliteConnection;
  const threaded = !memory && options.writerThread !== false;
  try {
    // With a writer thread this connection only migrates, queries and stores keys: a smaller cache.
    applyWriterPragmas(db, threaded ? QUERY_CACHE_MIB : WRITER_CACHE_MIB);
    const migration = migrate(db);
    const store = new SqliteEventStore(db, threaded ? new ThreadAppender(path.resolve(options.path)) : new InlineAppender(db));
    store.migrationsApplied = migration;
    return store;
  } catch (error) {
    db.close();
    throw error;
  }
}

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { applyReaderPragmas, applyWriterPragmas } from './pragmas.ts';
import { SqliteEventStore } from './SqliteEventStore.ts';
import type { SqliteConnection } from './SqliteConnection.ts';
import { migrate, schemaVersion } from './schema/migrations.ts';

export interface SqliteStoreOptions {
  /** A file path (parent directories are created) or ':memory:' for tests. */
  path: string;
  /** Open an existing store for reading only: no migrations, no writes. */
  readonly?: boolean;
}

/**
 * Opens (and unless readonly, creates and migrates) a SQLite event store. A file store gets a second,
 * read-only connection for queries; ':memory:' cannot be shared between connections, so it uses one.
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteEventStore {
  const memory = options.path === ':memory:' || options.path === '';
  if (options.readonly === true) {
    if (memory) throw new Error('A readonly store needs a file path, not :memory:');
    const reader = new Database(options.path, { readonly: true, fileMustExist: true }) as unknown as SqliteConnection;
    applyReaderPragmas(reader);
    const store = new SqliteEventStore(undefined, reader);
    store.migrationsApplied = { applied: [], current: schemaVersion(reader) };
    return store;
  }
  if (!memory) fs.mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true });
  const writer = new Database(options.path) as unknown as SqliteConnection;
  let reader: SqliteConnection | undefined;
  try {
    applyWriterPragmas(writer);
    // Migrate before the store prepares its statements: they need the tables.
    const migration = migrate(writer);
    if (!memory) {
      reader = new Database(options.path, { readonly: true }) as unknown as SqliteConnection;
      applyReaderPragmas(reader);
    }
    const store = new SqliteEventStore(writer, reader ?? writer);
    store.migrationsApplied = migration;
    return store;
  } catch (error) {
    reader?.close();
    writer.close();
    throw error;
  }
}

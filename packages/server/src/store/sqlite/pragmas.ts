import type { SqliteConnection } from './SqliteConnection.ts';

/**
 * Connection settings, chosen for an append-heavy log that must be durable per commit.
 *
 * - journal_mode=WAL: readers never block the writer and a commit is one sequential WAL append.
 * - synchronous=FULL: the WAL is fsynced at every commit, so an acknowledged append survives power loss
 *   (NORMAL would only survive a process crash). Group commit amortises the fsync over many requests.
 * - busy_timeout: another process (`vellum migrate`, a CLI reader) may hold the lock briefly; wait, don't fail.
 * - page_size=4096: the secondary indexes (stream, actor, entity) take inserts at scattered leaves, and every
 *   touched page is rewritten whole into the WAL; small pages keep that write amplification down. Only
 *   effective before the first table exists.
 * - cache_size=64 MiB: keeps the interior pages of every index, plus the hot leaves (index tails), in memory
 *   as the log grows to tens of millions of rows, so an insert costs no read I/O.
 * - mmap_size=1 GiB: reads of cold pages come straight from the OS page cache without a copy.
 * - wal_autocheckpoint=4000 pages (16 MiB): a checkpoint runs inside some commit and fsyncs the main file;
 *   doing it less often lets hot pages (index tails) that were rewritten many times be copied back once.
 * - journal_size_limit=64 MiB: truncate the WAL after a checkpoint so a burst doesn't leave it huge forever.
 * - temp_store=MEMORY: sorts for stats and multi-range searches never touch disk.
 */
export function applyWriterPragmas(db: SqliteConnection): void {
  db.pragma('page_size = 4096');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  applyCommonPragmas(db);
  db.pragma('wal_autocheckpoint = 4000');
  db.pragma('journal_size_limit = 67108864');
}

/** For the read connection (and a readonly store): cache and I/O settings only; it never writes. */
export function applyReaderPragmas(db: SqliteConnection): void {
  applyCommonPragmas(db);
  db.pragma('query_only = ON');
}

function applyCommonPragmas(db: SqliteConnection): void {
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  db.pragma('mmap_size = 1073741824');
  db.pragma('temp_store = MEMORY');
}

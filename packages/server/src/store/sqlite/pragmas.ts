import type { SqliteConnection } from './SqliteConnection.ts';

/** The page cache of the connection that appends (the writer thread's). */
export const WRITER_CACHE_MIB = 32;
/** The page cache of a connection that only reads, migrates and stores keys. */
export const QUERY_CACHE_MIB = 16;

/**
 * Connection settings, chosen for an append-heavy log that must be durable per commit, measured with
 * bench/sqlite-store-append.ts.
 *
 * - journal_mode=WAL: readers never block the writer and a commit is one sequential WAL append.
 * - synchronous=FULL: the WAL is fsynced at every commit, so an acknowledged append survives power loss
 *   (NORMAL would only survive a process crash). Group commit amortises the fsync over many requests.
 * - busy_timeout: another connection (the other thread's, `vellum migrate`, a CLI reader) may hold the
 *   write lock for one commit; wait for it rather than fail.
 * - page_size=4096: the scattered indexes (stream, actor, tags) dirty about one page per event and commit,
 *   and every dirty page is written whole into the WAL and again at checkpoint: small pages keep those
 *   writes small (1 KiB pages measured slower: deeper trees, overflowing rows). Only effective before the
 *   first table exists.
 * - cache_size: the writer keeps the index tails it appends to and the interior pages in memory: 32 MiB
 *   (WRITER_CACHE_MIB). 16 MiB and 1 GiB measured no different at 400k events; 32 and 64 MiB the same over 2M
 *   (bench/sqlite-store-append.ts, 3,200 and 3,196 rows/s), while 64 cost 34 MiB of RSS under batch load. The
 *   query connection gets 16 MiB; the OS page cache holds the rest. Both count in the server's RSS, which the
 *   issue caps at 300 MB (the writer thread's own isolate adds ~35 MB).
 * - mmap_size=0: mapped pages of the file would count in RSS as the log grows past it, and reads through
 *   the map measured no faster than through the page cache here.
 * - wal_autocheckpoint=16384 pages (64 MiB): a checkpoint copies every page written since the last one back
 *   into the database file, inside some commit. Hot pages (index tails, interior pages) are rewritten by
 *   many commits; a longer interval copies each of them once for many commits (at 4 MiB the checkpoints
 *   measured a quarter of the append cost).
 * - journal_size_limit=64 MiB: the WAL file is truncated back to this after a checkpoint resets it.
 * - temp_store=MEMORY: the sorts of stats and merged entity searches never touch disk.
 */
export function applyWriterPragmas(db: SqliteConnection, cacheMiB = WRITER_CACHE_MIB): void {
  db.pragma('page_size = 4096');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  applyCommonPragmas(db, cacheMiB);
  db.pragma('wal_autocheckpoint = 16384');
  db.pragma('journal_size_limit = 67108864');
}

/** For a readonly store: cache and I/O settings only; it never writes. */
export function applyReaderPragmas(db: SqliteConnection): void {
  applyCommonPragmas(db, QUERY_CACHE_MIB);
  db.pragma('query_only = ON');
}

function applyCommonPragmas(db: SqliteConnection, cacheMiB: number): void {
  db.pragma('busy_timeout = 5000');
  db.pragma(`cache_size = ${-cacheMiB * 1024}`);
  db.pragma('mmap_size = 0');
  db.pragma('temp_store = MEMORY');
}

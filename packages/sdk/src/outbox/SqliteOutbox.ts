/**
 * The durable local queue: one SQLite file per process, in WAL mode with synchronous=FULL so that an event whose
 * record() resolved is on disk and survives kill -9 or a power cut. Events wait in `outbox` in record order
 * (`seq`); the ones the server refuses move to `dead_letters` with the reason.
 *
 * The file is opened with locking_mode=EXCLUSIVE: the connection keeps SQLite's file lock until it closes, so a
 * second process (or client) opening the same file fails at once, and the operating system drops the lock when
 * the process dies, so a crash never leaves a stale lock behind.
 */
import Database from 'better-sqlite3';
import { VellumOutboxLockedError } from '../errors.ts';

export interface OutboxRow {
  seq: number;
  idempotencyKey: string;
  /** The masked event as JSON, exactly as it will be sent. */
  body: string;
}

export interface DeadLetter {
  seq: number;
  idempotencyKey: string;
  event: unknown;
  recordedAt: string;
  /** HTTP status of the refusal. */
  status: number;
  code: string;
  /** The server's reasons for this event (`/events/N/...` details, re-based to the event). */
  reason: string;
  deadAt: string;
}

const SCHEMA_VERSION = 1;

export class SqliteOutbox {
  private readonly db: Database.Database;
  private readonly insertStmt: Database.Statement<[string, string, string]>;
  private readonly takeStmt: Database.Statement<[number, number]>;
  private readonly deleteStmt: Database.Statement<[number]>;
  private readonly countStmt: Database.Statement<[]>;
  private readonly maxSeqStmt: Database.Statement<[]>;
  private readonly pendingUpToStmt: Database.Statement<[number]>;

  constructor(readonly file: string) {
    let db: Database.Database;
    try {
      db = new Database(file, { timeout: 0 });
    } catch (e) {
      throw new Error(`Cannot open the outbox ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      // The first write takes the exclusive lock, and the connection holds it from then on.
      db.exec('BEGIN EXCLUSIVE; COMMIT');
    } catch (e) {
      db.close();
      if (e instanceof Error && /SQLITE_BUSY|database is locked/i.test(`${(e as { code?: string }).code ?? ''} ${e.message}`)) {
        throw new VellumOutboxLockedError(file, { cause: e });
      }
      throw new Error(`Cannot open the outbox ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    this.db = db;
    this.migrate();
    this.insertStmt = db.prepare('INSERT INTO outbox (idempotency_key, body, recorded_at) VALUES (?, ?, ?)');
    this.takeStmt = db.prepare('SELECT seq, idempotency_key AS idempotencyKey, body FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?');
    this.deleteStmt = db.prepare('DELETE FROM outbox WHERE seq = ?');
    this.countStmt = db.prepare('SELECT count(*) AS n FROM outbox');
    this.maxSeqStmt = db.prepare("SELECT coalesce(max(seq), 0) AS n FROM outbox");
    this.pendingUpToStmt = db.prepare('SELECT count(*) AS n FROM outbox WHERE seq <= ?');
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      this.db.close();
      throw new Error(`The outbox ${this.file} was written by a newer SDK (schema ${version}); upgrade @vellum/sdk`);
    }
    if (version === SCHEMA_VERSION) return;
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        idempotency_key TEXT NOT NULL,
        body TEXT NOT NULL,
        recorded_at TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS dead_letters (
        seq INTEGER PRIMARY KEY,
        idempotency_key TEXT NOT NULL,
        body TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        status INTEGER NOT NULL,
        code TEXT NOT NULL,
        reason TEXT NOT NULL,
        dead_at TEXT NOT NULL
      );
      PRAGMA user_version = ${SCHEMA_VERSION};
    `);
  }

  /** Appends events in one transaction (one fsync for all of them). */
  append(rows: { idempotencyKey: string; body: string }[]): void {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      for (const row of rows) this.insertStmt.run(row.idempotencyKey, row.body, now);
    })();
  }

  /** The oldest `limit` events after `afterSeq`, in record order. */
  take(afterSeq: number, limit: number): OutboxRow[] {
    return this.takeStmt.all(afterSeq, limit) as OutboxRow[];
  }

  /** Forgets acknowledged events. */
  remove(seqs: number[]): void {
    this.db.transaction(() => {
      for (const seq of seqs) this.deleteStmt.run(seq);
    })();
  }

  pendingCount(): number {
    return (this.countStmt.get() as { n: number }).n;
  }

  maxSeq(): number {
    return (this.maxSeqStmt.get() as { n: number }).n;
  }

  pendingUpTo(seq: number): number {
    return (this.pendingUpToStmt.get(seq) as { n: number }).n;
  }

  /** Moves one event from the outbox to the dead letters, with why. */
  deadLetter(row: OutboxRow, status: number, code: string, reason: string): void {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      const recorded = this.db.prepare('SELECT recorded_at AS r FROM outbox WHERE seq = ?').get(row.seq) as { r: string } | undefined;
      if (recorded === undefined) return;
      this.db
        .prepare('INSERT INTO dead_letters (seq, idempotency_key, body, recorded_at, status, code, reason, dead_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(row.seq, row.idempotencyKey, row.body, recorded.r, status, code, reason, now);
      this.deleteStmt.run(row.seq);
    })();
  }

  deadLetterCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM dead_letters').get() as { n: number }).n;
  }

  listDeadLetters(limit: number): DeadLetter[] {
    const rows = this.db
      .prepare('SELECT seq, idempotency_key, body, recorded_at, status, code, reason, dead_at FROM dead_letters ORDER BY seq LIMIT ?')
      .all(limit) as { seq: number; idempotency_key: string; body: string; recorded_at: string; status: number; code: string; reason: string; dead_at: string }[];
    return rows.map((r) => ({
      seq: r.seq,
      idempotencyKey: r.idempotency_key,
      event: JSON.parse(r.body) as unknown,
      recordedAt: r.recorded_at,
      status: r.status,
      code: r.code,
      reason: r.reason,
      deadAt: r.dead_at,
    }));
  }

  /**
   * Moves dead letters back to the end of the outbox (all, or those with the given seqs), keeping their
   * idempotency keys; returns how many moved. They are sent after the events already waiting.
   */
  retryDeadLetters(seqs?: number[]): number {
    return this.db.transaction(() => {
      const where = seqs === undefined ? '' : ` WHERE seq IN (${seqs.map(() => '?').join(',') || 'NULL'})`;
      const rows = this.db.prepare(`SELECT seq, idempotency_key, body, recorded_at FROM dead_letters${where} ORDER BY seq`).all(...(seqs ?? [])) as {
        seq: number; idempotency_key: string; body: string; recorded_at: string;
      }[];
      const del = this.db.prepare('DELETE FROM dead_letters WHERE seq = ?');
      for (const r of rows) {
        this.insertStmt.run(r.idempotency_key, r.body, r.recorded_at);
        del.run(r.seq);
      }
      return rows.length;
    })();
  }

  /** Deletes dead letters for good (all, or those with the given seqs); returns how many. */
  purgeDeadLetters(seqs?: number[]): number {
    if (seqs === undefined) return this.db.prepare('DELETE FROM dead_letters').run().changes;
    return this.db.transaction(() => {
      const del = this.db.prepare('DELETE FROM dead_letters WHERE seq = ?');
      let n = 0;
      for (const seq of seqs) n += del.run(seq).changes;
      return n;
    })();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

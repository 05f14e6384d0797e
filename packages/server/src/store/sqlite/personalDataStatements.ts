import type { SqliteConnection } from './SqliteConnection.ts';
import type { StatementCache } from './StatementCache.ts';

const SQL = {
  offerKey: `INSERT INTO subject_keys (tenant, subject, key, created_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (tenant, subject) DO NOTHING`,
  key: 'SELECT key, forgotten_at FROM subject_keys WHERE tenant = ? AND subject = ?',
  keys: `SELECT subject, key FROM subject_keys WHERE tenant = ? AND subject IN (SELECT value FROM json_each(?))`,
  deleteKey: 'DELETE FROM subject_keys WHERE tenant = ? AND subject = ?',
  tombstone: `INSERT INTO subject_keys (tenant, subject, key, created_at, forgotten_at) VALUES (?, ?, NULL, ?, ?)`,
} as const;

interface KeyRow {
  key: Uint8Array | null;
  forgotten_at: string | null;
}

const bytes = (key: Uint8Array | null): Uint8Array | null => (key === null ? null : new Uint8Array(key));

/** The PersonalDataStore's SQL on SQLite (table from migration 5); synchronous, like accessStatements.ts. */
export class SqlitePersonalDataStatements {
  readonly #db: SqliteConnection;
  readonly #statements: StatementCache;

  constructor(db: SqliteConnection, statements: StatementCache) {
    this.#db = db;
    this.#statements = statements;
  }

  subjectKey(tenant: string, subject: string, candidate: Uint8Array, now: string): Uint8Array | null {
    this.#statements.get(SQL.offerKey).run(tenant, subject, Buffer.from(candidate), now);
    const row = this.#statements.get(SQL.key).get(tenant, subject) as KeyRow | undefined;
    return bytes(row?.key ?? null);
  }

  /** One IMMEDIATE transaction for all the offers: one commit (and fsync) however many subjects are new. */
  subjectKeysOrCreate(tenant: string, candidates: ReadonlyMap<string, Uint8Array>, now: string): Map<string, Uint8Array | null> {
    const offer = this.#statements.get(SQL.offerKey);
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      for (const [subject, candidate] of candidates) offer.run(tenant, subject, Buffer.from(candidate), now);
      this.#db.exec('COMMIT');
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
    const stored = this.subjectKeys(tenant, [...candidates.keys()]);
    return new Map([...candidates.keys()].map((subject) => [subject, stored.get(subject) ?? null]));
  }

  subjectKeys(tenant: string, subjects: readonly string[]): Map<string, Uint8Array | null> {
    const keys = new Map<string, Uint8Array | null>();
    if (subjects.length === 0) return keys;
    const rows = this.#statements.get(SQL.keys).all(tenant, JSON.stringify(subjects)) as Array<{ subject: string; key: Uint8Array | null }>;
    for (const row of rows) keys.set(row.subject, bytes(row.key));
    return keys;
  }

  /**
   * Deletes the key's row with `secure_delete` on (SQLite overwrites the freed cell with zeros instead of leaving
   * it in the page), inserts the tombstone, then checkpoints the WAL into the database file and truncates it: the
   * frames that carried the key (its insert, and the page before the delete) are gone from both files. When a
   * reader holds an old snapshot the truncation can't complete; the key's page is then overwritten at the next
   * checkpoint (the WAL is truncated at every checkpoint down to journal_size_limit, pragmas.ts).
   */
  forgetSubject(tenant: string, subject: string, at: string): { forgotten: boolean; forgottenAt: string } {
    const secure = this.#db.pragma('secure_delete', { simple: true }) as number;
    this.#db.pragma('secure_delete = ON');
    let result: { forgotten: boolean; forgottenAt: string };
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const row = this.#statements.get(SQL.key).get(tenant, subject) as KeyRow | undefined;
        if (row?.forgotten_at != null) {
          result = { forgotten: false, forgottenAt: row.forgotten_at };
        } else {
          if (row !== undefined) this.#statements.get(SQL.deleteKey).run(tenant, subject);
          this.#statements.get(SQL.tombstone).run(tenant, subject, at, at);
          result = { forgotten: row !== undefined, forgottenAt: at };
        }
        this.#db.exec('COMMIT');
      } catch (error) {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      this.#db.pragma(`secure_delete = ${secure === 1 ? 'ON' : 'OFF'}`);
    }
    if (result.forgotten) this.#db.pragma('wal_checkpoint(TRUNCATE)');
    return result;
  }
}

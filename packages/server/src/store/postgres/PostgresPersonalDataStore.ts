import type { PersonalDataStore } from '@vellum/core';
import { columnText } from './eventColumns.ts';
import type { TableNames } from './sqlNames.ts';
import { run, statement, type Statement } from './statement.ts';
import type { TenantPool } from './TenantPool.ts';

interface KeyRow {
  subject: string;
  key: Buffer | null;
  forgotten_at: Date | null;
}

const bytes = (key: Buffer | null): Uint8Array | null => (key === null ? null : new Uint8Array(key));

/** Subject keys on PostgreSQL (migration 8), each statement under its tenant's row scope. */
export class PostgresPersonalDataStore implements PersonalDataStore {
  readonly #pool: TenantPool;
  readonly #t: TableNames;
  readonly #sql: { offer: Statement; offerMany: Statement; read: Statement; readMany: Statement; remove: Statement; tombstone: Statement };

  constructor(pool: TenantPool, t: TableNames) {
    this.#pool = pool;
    this.#t = t;
    const k = t.subjectKeys;
    this.#sql = {
      // As with server secrets (accessSql.ts): offer, then read in a second statement with a fresh snapshot.
      offer: statement(`INSERT INTO ${k} (tenant, subject, key, created_at) VALUES ($1, $2, $3, now()) ON CONFLICT (tenant, subject) DO NOTHING`),
      offerMany: statement(`INSERT INTO ${k} (tenant, subject, key, created_at)
        SELECT $1, s, k, now() FROM unnest($2::text[], $3::bytea[]) AS o(s, k) ON CONFLICT (tenant, subject) DO NOTHING`),
      read: statement(`SELECT subject, key, forgotten_at FROM ${k} WHERE tenant = $1 AND subject = $2`),
      readMany: statement(`SELECT subject, key, forgotten_at FROM ${k} WHERE tenant = $1 AND subject = ANY($2::text[])`),
      // Deleting only a live key (not a tombstone); its row lock orders concurrent forgets of one subject.
      remove: statement(`DELETE FROM ${k} WHERE tenant = $1 AND subject = $2 AND forgotten_at IS NULL`),
      tombstone: statement(`INSERT INTO ${k} (tenant, subject, key, created_at, forgotten_at) VALUES ($1, $2, NULL, $3::timestamptz, $3::timestamptz)
        ON CONFLICT (tenant, subject) DO NOTHING`),
    };
  }

  async subjectKey(tenant: string, subject: string, candidate: Uint8Array): Promise<Uint8Array | null> {
    const t = columnText(tenant);
    const s = columnText(subject);
    await this.#pool.query(t, run(this.#sql.offer, [t, s, Buffer.from(candidate)]));
    const [row] = await this.#pool.rows<KeyRow>(t, run(this.#sql.read, [t, s]));
    return bytes(row?.key ?? null);
  }

  async subjectKeysOrCreate(tenant: string, candidates: ReadonlyMap<string, Uint8Array>): Promise<Map<string, Uint8Array | null>> {
    // Offered in one order, whoever offers: an insert waits for any other transaction holding one of its new
    // subjects, so two offers naming the same subjects in opposite orders would each wait for the other (a deadlock
    // PostgreSQL breaks after a second by failing one of them).
    const subjects = [...candidates.keys()];
    if (subjects.length === 0) return new Map();
    const t = columnText(tenant);
    const offered = subjects.map((s) => ({ column: columnText(s), key: Buffer.from(candidates.get(s)!) }))
      .sort((a, b) => (a.column < b.column ? -1 : a.column > b.column ? 1 : 0));
    await this.#pool.query(t, run(this.#sql.offerMany, [t, offered.map((o) => o.column), offered.map((o) => o.key)]));
    const stored = await this.subjectKeys(tenant, subjects);
    return new Map(subjects.map((subject) => [subject, stored.get(subject) ?? null]));
  }

  async subjectKeys(tenant: string, subjects: readonly string[]): Promise<Map<string, Uint8Array | null>> {
    const keys = new Map<string, Uint8Array | null>();
    if (subjects.length === 0) return keys;
    const t = columnText(tenant);
    const rows = await this.#pool.rows<KeyRow>(t, run(this.#sql.readMany, [t, subjects.map(columnText)]));
    for (const row of rows) keys.set(row.subject, bytes(row.key));
    return keys;
  }

  async forgetSubject(tenant: string, subject: string, at: string): Promise<{ forgotten: boolean; forgottenAt: string }> {
    const t = columnText(tenant);
    const s = columnText(subject);
    const result = await this.#pool.transaction(t, async (client): Promise<{ forgotten: boolean; forgottenAt: string }> => {
      const removed = await client.query(run(this.#sql.remove, [t, s]));
      const inserted = await client.query(run(this.#sql.tombstone, [t, s, at]));
      if (inserted.rowCount === 1) return { forgotten: removed.rowCount === 1, forgottenAt: at };
      // Already forgotten (by an earlier or a concurrent call): its tombstone's time stands.
      const [other] = (await client.query<KeyRow>(run(this.#sql.read, [t, s]))).rows;
      return { forgotten: false, forgottenAt: other?.forgotten_at?.toISOString() ?? at };
    });
    // The DELETE left the key's row version dead in its page; a VACUUM of this small table prunes it now instead of
    // whenever autovacuum gets to it (see personalDataMigration.ts). Only the owner may VACUUM, and a failure
    // here does not undo the forget (autovacuum still comes), so it is best-effort.
    if (result.forgotten) {
      await this.#pool.asOwner((owner) => owner.query({ text: `VACUUM ${this.#t.subjectKeys}` })).catch(() => undefined);
    }
    return result;
  }
}

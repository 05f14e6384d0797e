import Database from 'better-sqlite3';
import { SEVERITIES, type Severity, type StoredEvent } from '@vellum/core';
import type { SqliteConnection } from '../../../src/store/sqlite/SqliteConnection.ts';
import { searchEvents } from '../../../src/store/sqlite/searchQuery.ts';
import { StatementCache } from '../../../src/store/sqlite/StatementCache.ts';
import { readAsVerifier, type ForgedRow, type TamperOp, type TamperTarget } from './target.ts';

const severityRank = (s: unknown): number => Math.max(0, SEVERITIES.indexOf(s as Severity));
const epochMs = (iso: unknown): number => (typeof iso === 'string' && Number.isFinite(Date.parse(iso)) ? Date.parse(iso) : 0);

/** The events table's columns, filled from a forged event the way the store fills them from a real one. */
function forgedColumns(row: ForgedRow): unknown[] {
  const e = row.event;
  return [
    row.tenant, row.position, e.id, e.stream, e.streamVersion, e.type, severityRank(e.severity), e.outcome ?? null,
    e.actor.type, e.actor.id, e.entity?.type ?? null, e.entity?.id ?? null, e.source ?? null, e.correlationId ?? null,
    epochMs(e.occurredAt), epochMs(e.recordedAt), null, null, JSON.stringify(e),
  ];
}
const INSERT = `INSERT INTO events (tenant, position, id, stream, stream_version, type, severity, outcome, actor_type, actor_id,
  entity_type, entity_id, source, correlation_id, occurred_at, recorded_at, idempotency_key, fingerprint, body)
  VALUES (${Array.from({ length: 19 }, () => '?').join(', ')})`;


/** Drops every trigger on the events table: with the file in hand, the append-only triggers are just schema. */
export function dropEventTriggers(db: Database.Database): string[] {
  const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'").pluck().all() as string[];
  for (const name of names) db.exec(`DROP TRIGGER "${name.replaceAll('"', '""')}"`);
  return names;
}

/** Applies tamper operations on an open connection (inside whatever transaction the caller holds). */
export function applySqlite(db: Database.Database, ops: readonly TamperOp[]): void {
  for (const op of ops) {
    switch (op.op) {
      case 'update': {
        const sets: string[] = [];
        const values: unknown[] = [];
        if (op.set.tenant !== undefined) (sets.push('tenant = ?'), values.push(op.set.tenant));
        if (op.set.position !== undefined) (sets.push('position = ?'), values.push(op.set.position));
        if (op.set.body !== undefined) (sets.push('body = ?'), values.push(op.set.body));
        const { changes } = db.prepare(`UPDATE events SET ${sets.join(', ')} WHERE tenant = ? AND position = ?`).run(...values, op.tenant, op.position);
        if (changes !== 1) throw new Error(`update of ${op.tenant}#${op.position} changed ${changes} rows`);
        break;
      }
      case 'delete': {
        const { changes } = db.prepare('DELETE FROM events WHERE tenant = ? AND position = ?').run(op.tenant, op.position);
        if (changes !== 1) throw new Error(`delete of ${op.tenant}#${op.position} changed ${changes} rows`);
        break;
      }
      case 'deleteFrom':
        db.prepare('DELETE FROM events WHERE tenant = ? AND position >= ?').run(op.tenant, op.position);
        break;
      case 'insert': {
        db.prepare(INSERT).run(...forgedColumns(op.row));
        // The side rows too, as the store writes them: a careful forgery leaves `vellum verify`'s column pass nothing.
        const { tenant, position, event } = op.row;
        for (const tag of event.tags ?? []) db.prepare('INSERT OR IGNORE INTO event_tags (tenant, tag, position) VALUES (?, ?, ?)').run(tenant, tag, position);
        for (const { field } of event.changes ?? []) db.prepare('INSERT OR IGNORE INTO event_fields (tenant, field, position) VALUES (?, ?, ?)').run(tenant, field, position);
        break;
      }
      case 'replaceById': {
        const e = op.event;
        const { changes } = db.prepare('UPDATE events SET type = ?, actor_type = ?, actor_id = ?, body = ? WHERE id = ?').run(e.type, e.actor.type, e.actor.id, JSON.stringify(e), op.id);
        if (changes !== 1) throw new Error(`replacing ${op.id} changed ${changes} rows`);
        break;
      }
      case 'moveToEnd':
        db.prepare('UPDATE events SET seq = (SELECT MAX(seq) + 1 FROM events) WHERE id = ?').run(op.id);
        break;
      case 'dropUniqueness':
        db.exec('DROP INDEX events_tenant_position; DROP INDEX events_stream_version');
        break;
    }
  }
}

/** A tenant's events through the SQLite store's own search (searchQuery.ts), read as the CLI reads them. */
export function readSqlite(db: Database.Database, tenant: string): Promise<StoredEvent[]> {
  // A cache per read: the schema may have changed since (dropped triggers and indexes, rolled back).
  const statements = new StatementCache(db as unknown as SqliteConnection);
  return readAsVerifier((t, query) => searchEvents(statements, t, query), tenant);
}

/**
 * The SQLite file opened directly (the server is stopped): each trial is one transaction that drops the triggers,
 * tampers, is read back through the same connection, and is rolled back — DDL included, so the next trial starts
 * from the pristine file.
 */
export function sqliteTarget(file: string): TamperTarget {
  const db = new Database(file);
  return {
    name: 'SQLite',
    bypasses: ['DROP TRIGGER (every trigger on events)'],
    async begin() {
      db.exec('BEGIN IMMEDIATE');
      if (dropEventTriggers(db).length === 0) throw new Error('no triggers on events: nothing to bypass?');
    },
    async apply(ops) {
      applySqlite(db, ops);
    },
    async read(tenant) {
      return readSqlite(db, tenant);
    },
    async rollback() {
      if (db.inTransaction) db.exec('ROLLBACK');
    },
    async close() {
      db.close();
    },
  };
}

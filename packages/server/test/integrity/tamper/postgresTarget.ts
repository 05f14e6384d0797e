import pg from 'pg';
import { SEVERITIES, type Severity, type StoredEvent } from '@vellum/core';
import { searchPage, searchSql } from '../../../src/store/postgres/searchEvents.ts';
import { quoteLiteral, tableNames } from '../../../src/store/postgres/sqlNames.ts';
import { readAsVerifier, type ForgedRow, type TamperOp, type TamperTarget } from './target.ts';

// PostgreSQL text holds no U+0000: the store puts U+FFFD in indexed columns (the body keeps JSON's \u0000 escape).
const columnText = (s: string): string => s.replaceAll('\u0000', '\uFFFD');
const textArrayLiteral = (values: readonly string[] | undefined): string | null =>
  values === undefined || values.length === 0 ? null : `{${values.map((v) => `"${columnText(v).replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
const lit = (v: string | number | null): string => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : quoteLiteral(v));
const text = (v: string | undefined | null): string => (v === undefined || v === null ? 'NULL' : lit(columnText(v)));

function insertSql(events: string, row: ForgedRow): string {
  const e = row.event;
  const fields = e.changes === undefined ? undefined : [...new Set(e.changes.map((c) => c.field))];
  const severity = Math.max(0, SEVERITIES.indexOf(e.severity as Severity));
  const occurredAt = typeof e.occurredAt === 'string' && Number.isFinite(Date.parse(e.occurredAt)) ? e.occurredAt : '2026-11-22T10:00:00.000Z';
  return `INSERT INTO ${events} (tenant, position, id, stream, stream_version, type, severity, outcome, source, actor_type, actor_id,
      entity_type, entity_id, correlation_id, occurred_at, idempotency_key, fingerprint, tags, fields, body)
    VALUES (${text(row.tenant)}, ${row.position}, ${text(e.id)}, ${text(e.stream)}, ${Number(e.streamVersion) || 1}, ${text(e.type)},
      ${severity}, ${text(e.outcome)}, ${text(e.source)}, ${text(e.actor.type)}, ${text(e.actor.id)}, ${text(e.entity?.type)},
      ${text(e.entity?.id)}, ${text(e.correlationId)}, ${lit(occurredAt)}, NULL, NULL, ${lit(textArrayLiteral(e.tags))}::text[],
      ${lit(textArrayLiteral(fields))}::text[], ${lit(JSON.stringify(e))})`;
}

/** The tamper operations as one SQL script (one round trip, however many rows a renumbering touches). */
export function postgresScript(schema: string, ops: readonly TamperOp[]): string {
  const events = tableNames(schema).events;
  const statements = ops.map((op) => {
    switch (op.op) {
      case 'update': {
        const sets: string[] = [];
        if (op.set.tenant !== undefined) sets.push(`tenant = ${lit(op.set.tenant)}`);
        if (op.set.position !== undefined) sets.push(`position = ${op.set.position}`);
        if (op.set.body !== undefined) sets.push(`body = ${lit(op.set.body)}`);
        return `UPDATE ${events} SET ${sets.join(', ')} WHERE tenant = ${lit(op.tenant)} AND position = ${op.position}`;
      }
      case 'delete':
        return `DELETE FROM ${events} WHERE tenant = ${lit(op.tenant)} AND position = ${op.position}`;
      case 'deleteFrom':
        return `DELETE FROM ${events} WHERE tenant = ${lit(op.tenant)} AND position >= ${op.position}`;
      case 'insert':
        return insertSql(events, op.row);
      case 'replaceById':
        return `UPDATE ${events} SET type = ${text(op.event.type)}, actor_type = ${text(op.event.actor.type)}, actor_id = ${text(op.event.actor.id)}, ` +
          `body = ${lit(JSON.stringify(op.event))} WHERE id = ${lit(op.id)}`;
      case 'moveToEnd':
        // An identity column takes DEFAULT on update: a new seq, and the new tuple lands at the end of the heap.
        return `UPDATE ${events} SET seq = DEFAULT WHERE id = ${lit(op.id)}`;
      case 'dropUniqueness':
        return `ALTER TABLE ${events} DROP CONSTRAINT events_pkey; DROP INDEX ${tableNames(schema).schema}.events_stream`;
    }
  });
  return statements.join(';\n');
}

/**
 * The PostgreSQL schema through a superuser connection (the server is stopped or not: row locks aside, nothing
 * stops a superuser). A superuser bypasses row-level security, FORCE or not; the append-only triggers are
 * bypassed per trial, by replication mode or by disabling them, inside a transaction that is rolled back after the
 * tampered rows were read back through the same connection.
 */
export async function postgresTarget(url: string, schema: string): Promise<TamperTarget> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows: [me] } = await client.query<{ super: boolean }>("SELECT rolsuper AS super FROM pg_roles WHERE rolname = current_user");
  if (me?.super !== true) throw new Error('the PostgreSQL tamper test needs a superuser connection');
  const names = tableNames(schema);
  const events = names.events;
  return {
    name: 'PostgreSQL',
    bypasses: ['SET LOCAL session_replication_role = replica', 'ALTER TABLE events DISABLE TRIGGER ALL'],
    async begin(bypass) {
      await client.query('BEGIN');
      if (bypass.startsWith('SET LOCAL')) await client.query('SET LOCAL session_replication_role = replica');
      else await client.query(`ALTER TABLE ${events} DISABLE TRIGGER ALL`);
    },
    async apply(ops) {
      if (ops.length > 0) await client.query(postgresScript(schema, ops));
    },
    async read(tenant) {
      // The PostgreSQL store's own search (searchEvents.ts) on this transaction's connection, read as the CLI reads.
      return readAsVerifier(async (t, query) => {
        const { text, values } = searchSql(names, t, query);
        return searchPage((await client.query<{ k: string; body: string }>(text, values as unknown[])).rows, t, query);
      }, tenant);
    },
    async rollback() {
      await client.query('ROLLBACK');
    },
    async close() {
      await client.end();
    },
  };
}

import { statement, type Statement } from './statement.ts';
import type { TableNames } from './sqlNames.ts';
import { EVENT_COLUMNS } from './eventColumns.ts';

export interface AppendStatements {
  /** Locks the tenants and reads what deciding the commit needs (migration 3, lock_heads). */
  lockHeads: Statement;
  /** Inserts a chunk of events. */
  insertEvents: Statement;
  /** Inserts the last chunk of events, the request keys and the tenants' new heads. */
  write: Statement;
}

export function appendStatements(t: TableNames): AppendStatements {
  const n = EVENT_COLUMNS.length;
  const unnestArgs = EVENT_COLUMNS.map(([, type], i) => `$${i + 1}::${type === 'text[]' ? 'text' : type}[]`).join(', ');
  const columnNames = EVENT_COLUMNS.map(([name]) => name);
  const selectList = EVENT_COLUMNS.map(([name, type]) => (type === 'text[]' ? `x.${name}::text[]` : `x.${name}`)).join(', ');
  const insertEvents = `INSERT INTO ${t.events} (${columnNames.join(', ')})
        SELECT ${selectList} FROM unnest(${unnestArgs}) AS x(${columnNames.join(', ')})`;
  return {
    lockHeads: statement(`SELECT kind, tenant, name, version, fingerprint, payload
      FROM ${t.schema}.lock_heads($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])`),
    insertEvents: statement(insertEvents),
    write: statement(`
      WITH ev AS (${insertEvents}), rk AS (
        INSERT INTO ${t.requestKeys} (tenant, key, fingerprint, results)
        SELECT * FROM unnest($${n + 1}::text[], $${n + 2}::text[], $${n + 3}::text[], $${n + 4}::text[])
      )
      UPDATE ${t.tenantHeads} h SET position = u.p
        FROM unnest($${n + 5}::text[], $${n + 6}::bigint[]) AS u(t, p) WHERE h.tenant = u.t`),
  };
}

import { statement, type Statement } from './statement.ts';
import type { TableNames } from './sqlNames.ts';
import { EVENT_COLUMNS } from './eventColumns.ts';

export interface AppendStatements {
  lockTenants: Statement;
  createTenants: Statement;
  readState: Statement;
  write: Statement;
}

export function appendStatements(t: TableNames): AppendStatements {
  const n = EVENT_COLUMNS.length;
  const unnestArgs = EVENT_COLUMNS.map(([, type], i) => `$${i + 1}::${type === 'text[]' ? 'text' : type}[]`).join(', ');
  const columnNames = EVENT_COLUMNS.map(([name]) => name);
  const selectList = EVENT_COLUMNS.map(([name, type]) => (type === 'text[]' ? `x.${name}::text[]` : `x.${name}`)).join(', ');
  return {
    // ORDER BY under FOR UPDATE locks in that order: every node takes tenant locks in the same order.
    lockTenants: statement(`SELECT tenant, position FROM ${t.tenantHeads} WHERE tenant = ANY($1::text[]) ORDER BY tenant FOR UPDATE`),
    createTenants: statement(`INSERT INTO ${t.tenantHeads} (tenant, position) SELECT x, 0 FROM unnest($1::text[]) AS x ORDER BY x ON CONFLICT DO NOTHING`),
    // Read under the tenant locks, so nothing can change until COMMIT. The LIMIT 1 subqueries keep each lookup
    // a single index probe, whatever the planner thinks of the array sizes.
    readState: statement(`
      SELECT 's' AS kind, s.t AS tenant, s.n AS name,
             (SELECT e.stream_version FROM ${t.events} e WHERE e.tenant = s.t AND e.stream = s.n
               ORDER BY e.stream_version DESC LIMIT 1) AS version,
             NULL AS fingerprint, NULL AS payload
        FROM unnest($1::text[], $2::text[]) AS s(t, n)
      UNION ALL
      SELECT 'e', q.t, q.k, NULL, e.fingerprint, e.body
        FROM unnest($3::text[], $4::text[]) AS q(t, k)
        CROSS JOIN LATERAL (SELECT fingerprint, body FROM ${t.events}
          WHERE tenant = q.t AND idempotency_key = q.k AND idempotency_key IS NOT NULL LIMIT 1) e
      UNION ALL
      SELECT 'r', q.t, q.k, NULL, r.fingerprint, r.results
        FROM unnest($5::text[], $6::text[]) AS q(t, k)
        CROSS JOIN LATERAL (SELECT fingerprint, results FROM ${t.requestKeys} WHERE tenant = q.t AND key = q.k LIMIT 1) r`),
    // Every write of the commit in one statement: the events, the request keys, the tenants' new heads.
    write: statement(`
      WITH ev AS (
        INSERT INTO ${t.events} (${columnNames.join(', ')})
        SELECT ${selectList} FROM unnest(${unnestArgs}) AS x(${columnNames.join(', ')})
      ), rk AS (
        INSERT INTO ${t.requestKeys} (tenant, key, fingerprint, results)
        SELECT * FROM unnest($${n + 1}::text[], $${n + 2}::text[], $${n + 3}::text[], $${n + 4}::text[])
      )
      UPDATE ${t.tenantHeads} h SET position = u.p
        FROM unnest($${n + 5}::text[], $${n + 6}::bigint[]) AS u(t, p) WHERE h.tenant = u.t`),
  };
}

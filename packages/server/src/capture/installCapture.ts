import type { ErrorDetail } from '@vellum/core';
import { VellumError } from '@vellum/core';
import { dropTriggerSql, qualifiedName, schemaSql, triggerSql, validateCaptureTarget } from './captureSql.ts';
import type { CaptureTarget } from './captureSql.ts';

/** The slice of a node-postgres client that install and uninstall use. */
export interface SqlClient {
  query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

const invalid = (details: ErrorDetail[]): VellumError => new VellumError('VALIDATION_FAILED', { details });

/** Columns of the table that do not exist, each reported; also refuses a missing table. */
async function checkColumns(db: SqlClient, t: CaptureTarget): Promise<ErrorDetail[]> {
  const { rows } = await db.query<{ oid: string | null }>('SELECT to_regclass($1)::oid::text AS oid', [qualifiedName(t.table)]);
  const oid = rows[0]?.oid ?? null;
  if (oid === null) return [{ path: '--table', message: `table ${t.table} does not exist in this database` }];
  const found = await db.query<{ attname: string }>(
    'SELECT attname FROM pg_attribute WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped',
    [oid],
  );
  const names = new Set(found.rows.map((r) => r.attname));
  const details: ErrorDetail[] = [];
  if (!names.has(t.idColumn)) details.push({ path: '--id-column', message: `${t.table} has no column ${t.idColumn}` });
  t.columns.forEach((c, i) => {
    if (!names.has(c)) details.push({ path: `--columns/${i}`, message: `${t.table} has no column ${c}` });
  });
  return details;
}

/**
 * Installs (or re-installs with a new column list) capture on one table, in one transaction: a failed install
 * leaves the previous trigger in place. Throws VALIDATION_FAILED listing every problem before touching anything.
 */
export async function installCapture(db: SqlClient, target: CaptureTarget): Promise<void> {
  const shape = validateCaptureTarget(target);
  if (shape.length > 0) throw invalid(shape);
  await db.query('BEGIN');
  try {
    const missing = await checkColumns(db, target);
    if (missing.length > 0) throw invalid(missing);
    // Two installs at once would race on CREATE SCHEMA / CREATE OR REPLACE; a transaction lock serialises them.
    await db.query("SELECT pg_advisory_xact_lock(hashtext('vellum_capture_install'))");
    await db.query(schemaSql(target.schema));
    await db.query(triggerSql(target));
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK');
    throw err;
  }
}

/** Removes one table's trigger. The outbox and its pending rows stay, so a running worker still drains them. */
export async function uninstallCapture(db: SqlClient, table: string): Promise<void> {
  if (qualifiedName(table) === undefined) {
    throw invalid([{ path: '--table', message: `${JSON.stringify(table)} is not a table name (letters, digits, _; optionally schema.table)` }]);
  }
  const { rows } = await db.query<{ oid: string | null }>('SELECT to_regclass($1)::oid::text AS oid', [qualifiedName(table)]);
  if ((rows[0]?.oid ?? null) === null) throw invalid([{ path: '--table', message: `table ${table} does not exist in this database` }]);
  await db.query(dropTriggerSql(table));
}

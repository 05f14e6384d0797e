/**
 * The SQL that change capture installs in the APPLICATION's PostgreSQL (never Vellum's store): a schema with an
 * outbox table, one generic trigger function and a context helper, and one trigger per captured table whose
 * arguments carry the entity type, the id column and the captured columns. Pure text builders; the caller runs them.
 */
import type { ErrorDetail } from '@vellum/core';

export const CAPTURE_DEFAULTS = {
  schema: 'vellum_capture',
  idColumn: 'id',
  operations: ['update'] as CaptureOperation[],
  /** One trigger per table, so re-installing replaces the column list instead of adding a second trigger. */
  triggerName: 'vellum_capture',
  /** The transaction-local setting the application fills with its audit context (JSON). */
  contextSetting: 'vellum.context',
  /** Column lists beyond this are a mistake, and each column costs the trigger a comparison on every write. */
  maxColumns: 100,
} as const;

export const CAPTURE_OPERATIONS = ['insert', 'update', 'delete'] as const;
export type CaptureOperation = (typeof CAPTURE_OPERATIONS)[number];

export interface CaptureTarget {
  /** `table` or `schema.table`. */
  table: string;
  columns: string[];
  entityType: string;
  idColumn: string;
  schema: string;
  operations: CaptureOperation[];
}

// PostgreSQL identifiers as users write them unquoted: we quote them anyway, but refusing anything else keeps
// the names in the outbox, the event and the docs the same and closes every injection door at once.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
// The entity type becomes part of the event type (`<entity type lowercased>.updated`), so it must lowercase to
// a valid event type segment.
const ENTITY_TYPE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** `schema.table` or `table` → quoted SQL name, or undefined when either part is not an identifier. */
export function qualifiedName(table: string): string | undefined {
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENTIFIER.test(p))) return undefined;
  return parts.map(quoteIdent).join('.');
}

/** Every problem with an install request, each with its option as the path. */
export function validateCaptureTarget(t: CaptureTarget): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const bad = (path: string, message: string) => details.push({ path, message });
  if (qualifiedName(t.table) === undefined) bad('--table', `${JSON.stringify(t.table)} is not a table name (letters, digits, _; optionally schema.table)`);
  if (!IDENTIFIER.test(t.schema)) bad('--schema', `${JSON.stringify(t.schema)} is not a schema name (letters, digits, _)`);
  if (!IDENTIFIER.test(t.idColumn)) bad('--id-column', `${JSON.stringify(t.idColumn)} is not a column name`);
  if (!ENTITY_TYPE.test(t.entityType)) bad('--entity-type', `${JSON.stringify(t.entityType)} must start with a letter and hold only letters, digits and _ (at most 64)`);
  if (t.columns.length === 0) bad('--columns', 'name at least one column (a,b,c)');
  if (t.columns.length > CAPTURE_DEFAULTS.maxColumns) bad('--columns', `at most ${CAPTURE_DEFAULTS.maxColumns} columns (got ${t.columns.length})`);
  const seen = new Set<string>();
  t.columns.forEach((c, i) => {
    if (!IDENTIFIER.test(c)) bad(`--columns/${i}`, `${JSON.stringify(c)} is not a column name`);
    else if (seen.has(c)) bad(`--columns/${i}`, `${c} is listed twice`);
    seen.add(c);
  });
  if (t.operations.length === 0) bad('--on', `name at least one of ${CAPTURE_OPERATIONS.join(', ')}`);
  t.operations.forEach((op, i) => {
    if (!(CAPTURE_OPERATIONS as readonly string[]).includes(op)) bad(`--on/${i}`, `${JSON.stringify(op)} is not one of ${CAPTURE_OPERATIONS.join(', ')}`);
  });
  return details;
}

/**
 * The schema, outbox, identity, helper and trigger function. Idempotent (IF NOT EXISTS / OR REPLACE), so every
 * install runs it; the identity row is written once and names this database in idempotency keys.
 */
export function schemaSql(schema: string): string {
  const s = quoteIdent(schema);
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.meta (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  identity text NOT NULL DEFAULT md5(random()::text || clock_timestamp()::text)
);
INSERT INTO ${s}.meta DEFAULT VALUES ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS ${s}.outbox (
  id bigserial PRIMARY KEY,
  table_name text NOT NULL,
  entity_type text NOT NULL,
  entity_id text,
  op text NOT NULL,
  old_values jsonb NOT NULL,
  new_values jsonb NOT NULL,
  context text,
  txid bigint NOT NULL DEFAULT txid_current(),
  captured_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  error text
);
CREATE OR REPLACE FUNCTION ${s}.set_context(ctx jsonb) RETURNS void LANGUAGE sql AS $fn$
  SELECT set_config(${literal(CAPTURE_DEFAULTS.contextSetting)}, ctx::text, true);
$fn$;
-- SECURITY DEFINER: the application's role writes its tables and needs no right on the outbox (nor can it read or
-- forge rows there); the fixed search_path keeps a caller's objects from standing in for the built-ins.
CREATE OR REPLACE FUNCTION ${s}.capture_row() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  old_values jsonb := '{}';
  new_values jsonb := '{}';
  col text;
BEGIN
  -- TG_ARGV: entity type, id column, then the captured columns.
  FOR i IN 2 .. TG_NARGS - 1 LOOP
    col := TG_ARGV[i];
    IF TG_OP = 'UPDATE' THEN
      IF (old_row -> col) IS DISTINCT FROM (new_row -> col) THEN
        old_values := old_values || jsonb_build_object(col, old_row -> col);
        new_values := new_values || jsonb_build_object(col, new_row -> col);
      END IF;
    ELSIF TG_OP = 'INSERT' THEN
      new_values := new_values || jsonb_build_object(col, new_row -> col);
    ELSE
      old_values := old_values || jsonb_build_object(col, old_row -> col);
    END IF;
  END LOOP;
  IF TG_OP = 'UPDATE' AND new_values = '{}'::jsonb THEN
    RETURN NULL; -- none of the captured columns changed
  END IF;
  -- The context stays text and a null id is let through: nothing about the row may fail the application's write;
  -- the worker judges both.
  INSERT INTO ${s}.outbox (table_name, entity_type, entity_id, op, old_values, new_values, context)
  VALUES (TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, TG_ARGV[0], COALESCE(new_row, old_row) ->> TG_ARGV[1],
          lower(TG_OP), old_values, new_values,
          NULLIF(current_setting(${literal(CAPTURE_DEFAULTS.contextSetting)}, true), ''));
  RETURN NULL;
END
$fn$;
`;
}

/** Replaces the table's trigger (DROP + CREATE in the caller's transaction), so the column list is the new one. */
export function triggerSql(t: CaptureTarget): string {
  const table = qualifiedName(t.table)!;
  const s = quoteIdent(t.schema);
  const events = CAPTURE_OPERATIONS.filter((op) => t.operations.includes(op)).map((op) => op.toUpperCase()).join(' OR ');
  const args = [t.entityType, t.idColumn, ...t.columns].map(literal).join(', ');
  return `
DROP TRIGGER IF EXISTS ${quoteIdent(CAPTURE_DEFAULTS.triggerName)} ON ${table};
CREATE TRIGGER ${quoteIdent(CAPTURE_DEFAULTS.triggerName)} AFTER ${events} ON ${table}
  FOR EACH ROW EXECUTE FUNCTION ${s}.capture_row(${args});
`;
}

export function dropTriggerSql(table: string): string {
  return `DROP TRIGGER IF EXISTS ${quoteIdent(CAPTURE_DEFAULTS.triggerName)} ON ${qualifiedName(table)!};`;
}

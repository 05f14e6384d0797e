import type { PgClient } from './PgPool.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';
import { TENANT_SETTING } from './rowSecurityMigration.ts';
import type { TableNames } from './sqlNames.ts';

/** Both halves of the advisory lock key: a fixed class for Vellum's migrations, and the schema. */
const LOCK_CLASS = 'vellum.migrate';

/**
 * Brings the schema up to date and returns the versions it applied (empty when already current).
 * Everything runs in one transaction under an advisory lock keyed by the schema, so several nodes starting
 * at once serialise here: the first applies the migrations, the others then find nothing left to do.
 * `client` is the connecting user's (the schema owner's), not the application role's. Migrations see every
 * tenant's rows: the tables force row-level security even on their owner, so the scope is set to '*'.
 */
export async function migrate(client: PgClient, t: TableNames, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  await client.query({ text: 'BEGIN' });
  try {
    await client.query({ text: `SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2)), set_config('${TENANT_SETTING}', '*', true)`, values: [LOCK_CLASS, t.schema] });
    await client.query({
      text: `CREATE SCHEMA IF NOT EXISTS ${t.schema};
        CREATE TABLE IF NOT EXISTS ${t.migrations} (
          version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());`,
    });
    const { rows } = await client.query<{ version: number }>({ text: `SELECT version FROM ${t.migrations}` });
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await client.query({ text: m.sql(t) });
      await client.query({ text: `INSERT INTO ${t.migrations} (version, name) VALUES ($1, $2)`, values: [m.version, m.name] });
      applied.push(m.version);
    }
    await client.query({ text: 'COMMIT' });
    return applied;
  } catch (e) {
    // The caller destroys the connection afterwards, so a failed ROLLBACK leaves nothing behind.
    await client.query({ text: 'ROLLBACK' }).catch(() => {});
    throw e;
  }
}

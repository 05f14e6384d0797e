import pg from 'pg';
import { quoteIdent } from './sqlNames.ts';

/**
 * Removes a Vellum schema and its application role (migration 6). DROP SCHEMA alone would leave the role:
 * roles belong to the whole cluster, not to a database or schema. For tests and decommissioning; run as the
 * connecting user that migrated the schema (or a superuser).
 */
export async function dropStoreSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const s = quoteIdent(schema);
    // A schema migrated before version 6, or not at all, has no app_role(): then there is no role to drop.
    const [fn] = (await client.query<{ present: boolean }>({ text: 'SELECT to_regprocedure($1) IS NOT NULL AS present', values: [`${s}.app_role()`] })).rows;
    const role = fn?.present === true ? (await client.query<{ role: string }>(`SELECT ${s}.app_role() AS role`)).rows[0]?.role : undefined;
    await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    if (role === undefined) return;
    // The same user's schema of the same name in another database shares the role: then it stays.
    await client.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`).catch((e: { code?: string }) => {
      if (e.code !== '2BP01') throw e;
    });
  } finally {
    await client.end();
  }
}

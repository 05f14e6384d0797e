import { ALL_TENANTS } from '@vellum/core';
import type { PgClient, PgPool, PgQueryConfig, PgResult } from './PgPool.ts';
import { TENANT_SETTING } from './rowSecurityMigration.ts';
import { columnText } from './eventColumns.ts';
import type { TableNames } from './sqlNames.ts';
import { run, statement, type Statement } from './statement.ts';
import { toStoreError } from './storeUnavailable.ts';

/**
 * Whose rows a statement may see and write (row-level security, migration 6): a tenant id; ALL_TENANTS ('*')
 * for the system-wide scope (the group-commit writer, key lookups by hash, admin reads across tenants); or
 * NO_TENANT for statements that touch no tenant's rows (server secrets, ping).
 */
export type RowScope = string;
export const NO_TENANT: RowScope = '';

/** What this pool knows of a connection's session: it has taken the application role, and its tenant setting. */
interface SessionState {
  tenant: RowScope;
}

/**
 * BEGIN with the system-wide scope set for the transaction only, in one round trip (two statements in one
 * simple-protocol message; the scope is a constant, never client input). At COMMIT or ROLLBACK the setting
 * returns to the session's, so a transaction never changes what the pool knows of its connection.
 */
export const BEGIN_ALL_TENANTS = `BEGIN; SELECT set_config('${TENANT_SETTING}', '${ALL_TENANTS}', true)`;

/**
 * The store's only way to the database for application queries: every connection runs as the application
 * role (neither owner nor superuser, so row-level security applies), and every statement runs under the
 * tenant setting of the scope it names.
 *
 * A single-statement read sets the scope at session level on the checked-out connection before its query,
 * and the pool remembers each connection's setting, so a connection that already has the right scope costs
 * no extra round trip (a deployment with few tenants mostly hits; otherwise a read costs two round trips,
 * since node-postgres does not pipeline: measured +0.15-0.2 ms at p50 on a loopback readStream of ~0.35 ms).
 * A connection's setting outlives the checkout, but no read can run under it except through this pool, which
 * always makes it the statement's own scope first (connect(null) is for transactions that set their own): a setting
 * can never carry one tenant's scope into another tenant's query. What the pool remembers stays true: it
 * records a setting only once the database confirmed it; transactions set theirs transaction-locally; a
 * failure destroys the connection rather than leave it in doubt.
 *
 * The role is taken with the first statement on each new connection, before any query, so a connection that
 * could not take it is destroyed without ever running one (fail closed).
 */
export class TenantPool {
  readonly #pool: PgPool;
  readonly #sessions = new WeakMap<PgClient, SessionState>();
  readonly #enterRole: Statement;
  readonly #setTenant: Statement;

  constructor(pool: PgPool, t: TableNames) {
    this.#pool = pool;
    this.#enterRole = statement(`SELECT set_config('role', ${t.schema}.app_role(), false), set_config('${TENANT_SETTING}', $1, false)`);
    this.#setTenant = statement(`SELECT set_config('${TENANT_SETTING}', $1, false)`);
  }

  /** One statement under `scope`. */
  async query<R>(scope: RowScope, config: PgQueryConfig): Promise<PgResult<R>> {
    const client = await this.connect(scope);
    try {
      return await client.query<R>(config);
    } catch (e) {
      // A failed statement leaves the connection and its session as they were (no transaction was open).
      throw toStoreError(e);
    } finally {
      client.release();
    }
  }

  /** The rows of one statement under `scope`. */
  async rows<R>(scope: RowScope, config: PgQueryConfig): Promise<R[]> {
    return (await this.query<R>(scope, config)).rows;
  }

  /**
   * A connection as the application role whose session scope is `scope`; or, with null, whatever session
   * scope it has, for a transaction that sets its own (BEGIN_ALL_TENANTS). Release it.
   */
  async connect(scope: RowScope | null): Promise<PgClient> {
    let client: PgClient;
    try {
      client = await this.#pool.connect();
    } catch (e) {
      throw toStoreError(e);
    }
    const session = this.#sessions.get(client);
    if (session !== undefined && (scope === null || session.tenant === scope)) return client;
    const tenant = scope ?? NO_TENANT;
    try {
      await client.query(run(session === undefined ? this.#enterRole : this.#setTenant, [columnText(tenant)]));
      this.#sessions.set(client, { tenant });
      return client;
    } catch (e) {
      this.#sessions.delete(client);
      client.release(e instanceof Error ? e : new Error(String(e)));
      throw toStoreError(e);
    }
  }

  /**
   * One transaction under `scope`: BEGIN, `work`, COMMIT. On any failure it is rolled back and the connection
   * destroyed rather than reused (its state is in doubt), and the error is the store's.
   */
  async transaction<T>(scope: RowScope, work: (client: PgClient) => Promise<T>): Promise<T> {
    const client = await this.connect(scope);
    try {
      await client.query({ text: 'BEGIN' });
      const result = await work(client);
      await client.query({ text: 'COMMIT' });
      client.release();
      return result;
    } catch (e) {
      await client.query({ text: 'ROLLBACK' }).catch(() => undefined);
      client.release(e instanceof Error ? e : new Error(String(e)));
      throw toStoreError(e);
    }
  }

  /**
   * A connection as the connecting user (the schema's owner), for migrations. It is destroyed afterwards, so
   * no connection that ran as the owner ever serves an application query.
   */
  async asOwner<T>(work: (client: PgClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    this.#sessions.delete(client);
    try {
      await client.query({ text: `RESET ROLE; RESET ${TENANT_SETTING}` });
      return await work(client);
    } finally {
      client.release(true);
    }
  }

  end(): Promise<void> {
    return this.#pool.end();
  }
}

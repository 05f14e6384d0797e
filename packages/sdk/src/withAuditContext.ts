/**
 * The audit context of one database transaction, for Vellum change capture (docs/capture.md): who made the
 * change, from where, under which correlation id. Captured changes carry it; without it they are recorded as
 * made by the system.
 */
export interface AuditContext {
  actor?: { type: string; id: string; name?: string; email?: string };
  /** `ui`, `api`, `console`, `system`, … */
  source?: string;
  correlationId?: string;
  causationId?: string;
  /** ip, userAgent, route, requestId, … */
  context?: Record<string, unknown>;
}

/** The slice of a node-postgres client (`pg.Client` or a checked-out `PoolClient`) this helper uses. */
export interface QueryableClient {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/** The transaction-local setting the capture trigger reads. */
export const AUDIT_CONTEXT_SETTING = 'vellum.context';

/**
 * Runs `fn` in a transaction whose captured changes carry `context`: BEGIN, `set_config('vellum.context', …,
 * true)` (transaction-local, so it never leaks to the next user of a pooled connection), `fn(client)`, COMMIT —
 * or ROLLBACK and rethrow when `fn` throws. Resolves with what `fn` resolved with.
 *
 * Use a dedicated client (not a `Pool`, whose `query` may run each statement on a different connection).
 *
 * @example
 * const client = await pool.connect();
 * try {
 *   await withAuditContext(client, { actor: { type: 'user', id: '5' }, source: 'ui' }, (tx) =>
 *     tx.query('UPDATE reseller_configs SET status = $1 WHERE id = $2', ['disabled', 42]),
 *   );
 * } finally {
 *   client.release();
 * }
 */
export async function withAuditContext<C extends QueryableClient, T>(client: C, context: AuditContext, fn: (client: C) => Promise<T>): Promise<T> {
  // Serialise before BEGIN: a context that is not JSON (a cycle, a BigInt) fails here, with no transaction open.
  const json = JSON.stringify(context);
  await client.query('BEGIN');
  try {
    await client.query('SELECT set_config($1, $2, true)', [AUDIT_CONTEXT_SETTING, json]);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      // the connection is gone: the server rolls the transaction back itself; the caller wants fn's error
    }
    throw err;
  }
}

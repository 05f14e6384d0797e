/**
 * withAuditContext against the real PostgreSQL: the context is visible inside the transaction only, the work
 * commits or rolls back with it, and nothing leaks to the connection's next transaction.
 */
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAuditContext } from '../src/withAuditContext.ts';

const PG_URL = process.env.VELLUM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const reachable = await new Promise<boolean>((resolve) => {
  const { hostname, port } = new URL(PG_URL);
  const s = net.connect({ host: hostname, port: Number(port || 5432) });
  s.once('connect', () => { s.destroy(); resolve(true); });
  s.once('error', () => resolve(false));
});
if (!reachable && process.env.CI === 'true') throw new Error(`postgres is not reachable at ${PG_URL}; under CI=true that is a failure`);

describe.skipIf(!reachable)('withAuditContext (real PostgreSQL)', () => {
  const db = new pg.Client({ connectionString: PG_URL });
  const table = `sdk_ctx_${Math.random().toString(16).slice(2, 10)}`;
  beforeAll(async () => {
    await db.connect();
    await db.query(`CREATE TABLE ${table} (id int PRIMARY KEY, ctx text)`);
  });
  afterAll(async () => {
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.end();
  });
  const setting = async () => (await db.query<{ v: string | null }>("SELECT current_setting('vellum.context', true) AS v")).rows[0]!.v;

  it('sets the context for the transaction only and commits the work', async () => {
    const ctx = { actor: { type: 'user', id: '5' }, source: 'ui', correlationId: 'c-1' };
    const result = await withAuditContext(db, ctx, async (tx) => {
      await tx.query(`INSERT INTO ${table} VALUES (1, current_setting('vellum.context', true))`);
      return 'done';
    });
    expect(result).toBe('done');
    const { rows } = await db.query<{ ctx: string }>(`SELECT ctx FROM ${table} WHERE id = 1`);
    expect(JSON.parse(rows[0]!.ctx)).toEqual(ctx);
    expect(await setting()).toBeOneOf([null, '']); // transaction-local: gone after COMMIT
  });

  it('rolls back and rethrows when the work fails, leaving the connection usable', async () => {
    const boom = new Error('boom');
    await expect(
      withAuditContext(db, { source: 'api' }, async (tx) => {
        await tx.query(`INSERT INTO ${table} VALUES (2, 'x')`);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect((await db.query(`SELECT 1 FROM ${table} WHERE id = 2`)).rows).toEqual([]);
    expect(await setting()).toBeOneOf([null, '']);
  });

  it('rolls back when a statement fails inside the transaction', async () => {
    await expect(withAuditContext(db, {}, (tx) => tx.query(`INSERT INTO ${table} VALUES (1, 'duplicate key')`))).rejects.toThrow(/duplicate key/);
    expect((await db.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('refuses a context that is not JSON before opening a transaction', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    let ran = false;
    await expect(withAuditContext(db, { context: cyclic }, async () => { ran = true; })).rejects.toThrow(TypeError);
    expect(ran).toBe(false);
    // Outside a transaction each statement starts its own, so now() is this statement's time; after a stray BEGIN
    // it would be the older transaction start.
    await new Promise((r) => setTimeout(r, 5));
    expect((await db.query<{ fresh: boolean }>('SELECT now() = statement_timestamp() AS fresh')).rows[0]!.fresh).toBe(true);
  });
});

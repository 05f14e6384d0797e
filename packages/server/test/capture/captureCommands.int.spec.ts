/**
 * `vellum capture install | uninstall | status` in-process against the real PostgreSQL: every problem listed,
 * re-install replaces the column list, insert/delete capture, uninstall leaves pending rows for the worker.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/runCli.ts';
import { captureIO } from '../support/captureIO.ts';
import { service } from '../support/services.ts';
import { captureFixture } from './captureFixture.ts';
import type { CaptureFixture } from './captureFixture.ts';

const pgUrl = await service('postgres');

describe.skipIf(!pgUrl)('vellum capture install / uninstall / status', () => {
  let fx: CaptureFixture;
  afterEach(async () => {
    await fx?.drop();
  });
  const cli = async (...args: string[]) => {
    const io = captureIO();
    const code = await runCli(['capture', ...args, '--database-url', pgUrl!, '--schema', fx.schema], io);
    return { code, out: io.out(), err: io.err() };
  };
  const outbox = async () =>
    (await fx.db.query<{ op: string; old_values: object; new_values: object }>(`SELECT op, old_values, new_values FROM ${fx.schema}.outbox ORDER BY id`)).rows;

  it('lists every problem of an install at once and installs nothing', async () => {
    fx = await captureFixture(pgUrl!);
    const bad = await cli('install', '--table', fx.table, '--columns', 'status,nope,status,bad-name', '--entity-type', '9x', '--on', 'update,truncate');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('VALIDATION_FAILED');
    for (const line of ['--columns/2: status is listed twice', '--columns/3: "bad-name" is not a column name', '--entity-type:', '--on/1:']) {
      expect(bad.err).toContain(line);
    }
    const missing = await cli('install', '--table', fx.table, '--columns', 'status,nope,gone', '--entity-type', 'ResellerConfig', '--id-column', 'uuid');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`--id-column: ${fx.table} has no column uuid`);
    expect(missing.err).toContain(`--columns/1: ${fx.table} has no column nope`);
    expect(missing.err).toContain(`--columns/2: ${fx.table} has no column gone`);
    const noTable = await cli('install', '--table', `${fx.table}_x`, '--columns', 'status', '--entity-type', 'ResellerConfig');
    expect(noTable.err).toContain('does not exist');
    // The fixture's own trigger still captures exactly its columns: the failed installs changed nothing.
    await fx.db.query(`INSERT INTO ${fx.table} (id, status) VALUES (1, 'a')`);
    await fx.db.query(`UPDATE ${fx.table} SET status = 'b', note = 'n' WHERE id = 1`);
    expect(await outbox()).toEqual([{ op: 'update', old_values: { status: 'a' }, new_values: { status: 'b' } }]);
  });

  it('re-installs with a new column list and operations, replacing the trigger instead of adding one', async () => {
    fx = await captureFixture(pgUrl!);
    for (let i = 0; i < 2; i++) {
      const ok = await cli('install', '--table', fx.table, '--columns', 'note', '--entity-type', 'ResellerConfig', '--on', 'insert,update,delete');
      expect(ok).toMatchObject({ code: 0, err: '' });
      expect(ok.out).toContain(`capture installed on ${fx.table}: insert/update/delete of note`);
    }
    await fx.db.query(`INSERT INTO ${fx.table} (id, status, note) VALUES (1, 'a', 'x')`);
    await fx.db.query(`UPDATE ${fx.table} SET status = 'b' WHERE id = 1`); // status is no longer captured
    await fx.db.query(`UPDATE ${fx.table} SET note = 'y' WHERE id = 1`);
    await fx.db.query(`DELETE FROM ${fx.table} WHERE id = 1`);
    expect(await outbox()).toEqual([
      { op: 'insert', old_values: {}, new_values: { note: 'x' } },
      { op: 'update', old_values: { note: 'x' }, new_values: { note: 'y' } },
      { op: 'delete', old_values: { note: 'y' }, new_values: {} },
    ]);
    const status = await cli('status', '--json');
    expect(JSON.parse(status.out)).toMatchObject({ pending: 3, refused: 0 });
  });

  it('uninstalls one table: later writes are not captured, pending rows stay for the worker', async () => {
    fx = await captureFixture(pgUrl!);
    await fx.db.query(`INSERT INTO ${fx.table} (id, status) VALUES (1, 'a')`);
    await fx.db.query(`UPDATE ${fx.table} SET status = 'b' WHERE id = 1`);
    const done = await cli('uninstall', '--table', fx.table);
    expect(done).toMatchObject({ code: 0, out: `capture removed from ${fx.table}\n` });
    await fx.db.query(`UPDATE ${fx.table} SET status = 'c' WHERE id = 1`);
    expect(await fx.pending()).toBe(1);
    expect((await cli('uninstall', '--table', fx.table)).code).toBe(0); // idempotent
    expect((await cli('status')).out).toMatch(/^pending 1 \(oldest captured .+\), refused 0\n$/);
  });

  it('refuses to run against a database without capture, and without a key', async () => {
    fx = await captureFixture(pgUrl!);
    const io = captureIO({ VELLUM_KEY: 'k' });
    expect(await runCli(['capture', 'run', '--database-url', pgUrl!, '--schema', `${fx.schema}_none`], io)).toBe(1);
    expect(io.err()).toContain('capture is not installed in this database');
    const noKey = captureIO();
    expect(await runCli(['capture', 'run', '--database-url', pgUrl!, '--schema', fx.schema], noKey)).toBe(1);
    expect(noKey.err()).toContain('no API key');
    const badGrace = captureIO({ VELLUM_KEY: 'k' });
    expect(await runCli(['capture', 'run', '--database-url', pgUrl!, '--grace', '2 seconds'], badGrace)).toBe(1);
    expect(badGrace.err()).toContain('--grace must be a duration');
  });

  it('lets an application role with no right on the outbox write its table, and never fails a write over a null id', async () => {
    fx = await captureFixture(pgUrl!);
    const role = `${fx.schema}_app`;
    await fx.db.query(`CREATE ROLE ${role}`);
    try {
      const [appSchema] = fx.table.split('.');
      await fx.db.query(`GRANT USAGE ON SCHEMA ${appSchema} TO ${role}; GRANT SELECT, INSERT, UPDATE ON ${fx.table} TO ${role}`);
      expect((await cli('install', '--table', fx.table, '--columns', 'status', '--entity-type', 'ResellerConfig', '--id-column', 'note')).code).toBe(0);
      await fx.db.query('BEGIN');
      await fx.db.query(`SET LOCAL ROLE ${role}`);
      await fx.db.query(`INSERT INTO ${fx.table} (id, status) VALUES (1, 'a')`);
      await fx.db.query(`UPDATE ${fx.table} SET status = 'b' WHERE id = 1`); // note (the id column here) is null
      await expect(fx.db.query(`SELECT * FROM ${fx.schema}.outbox`)).rejects.toThrow(/permission denied/);
      await fx.db.query('ROLLBACK');
      // Committed for real, as the application role:
      await fx.db.query(`INSERT INTO ${fx.table} (id, status) VALUES (2, 'a')`);
      await fx.db.query('BEGIN');
      await fx.db.query(`SET LOCAL ROLE ${role}`);
      await fx.db.query(`UPDATE ${fx.table} SET status = 'b' WHERE id = 2`);
      await fx.db.query('COMMIT');
      const { rows } = await fx.db.query(`SELECT entity_id, new_values FROM ${fx.schema}.outbox`);
      expect(rows).toEqual([{ entity_id: null, new_values: { status: 'b' } }]);
    } finally {
      await fx.db.query('ROLLBACK').catch(() => {});
      await fx.db.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });
});

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { service } from '../support/services.ts';
import { anEvent, makeTestApp } from '../support/testApp.ts';
import { dropStoreSchema } from '../../src/store/postgres/index.ts';
import { openTestStore, sql } from './postgresTestSupport.ts';

const pg = await service('postgres');
const PG_DUMP = '/usr/bin/pg_dump';

describe.skipIf(!pg)('a PostgreSQL dump', () => {
  const url = pg as string;
  let schema: string | undefined;
  afterAll(async () => { if (schema) await dropStoreSchema(url, schema); });

  it('holds the hash of a key the server generated and used, never the key itself', async () => {
    const store = await openTestStore(url, 'no_raw_key');
    schema = store.schema;
    const t = await makeTestApp({ store, config: { bootstrapKey: null, logLevel: 'warn' } });
    const key = /\bvk_[0-9A-Za-z]{36}\b/.exec(t.announced.join('\n'))?.[0];
    expect(key, 'the generated key, announced once').toBeDefined();
    const write = await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(key), payload: anEvent() });
    expect(write.statusCode).toBe(201);
    expect((await t.app.inject({ method: 'GET', url: '/v1/events', headers: t.auth(key) })).statusCode).toBe(200);
    await t.app.close();
    // The key was really used: its usage reached the table on close, so the dump covers every write path.
    expect(await sql(url, `SELECT request_count FROM "${schema}".api_keys`)).toEqual([{ request_count: '2' }]);

    const { stdout: dump } = await promisify(execFile)(PG_DUMP, ['--dbname', url, '--schema', schema], { maxBuffer: 64 * 1024 * 1024 });
    expect(dump).toMatch(/CREATE TABLE \S+\.api_keys/);
    expect(dump).toContain(createHash('sha256').update(key!).digest('hex'));
    expect(dump).not.toContain(key);
    // Only the display prefix (`vk_` and 4 characters) may be stored; no longer piece of the secret.
    expect(dump).not.toContain(key!.slice(3, 3 + 12));
    expect(dump).not.toContain(key!.slice(-12));
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { service } from '../support/services.ts';
import { dropStoreSchema, MIGRATIONS, openPostgresStore } from '../../src/store/postgres/index.ts';
import { sql, uniqueSchema } from './postgresTestSupport.ts';

const pg = await service('postgres');

describe.skipIf(!pg)('PostgreSQL store migrations', () => {
  const url = pg as string;
  const schemas: string[] = [];
  const fresh = (label: string) => { const s = uniqueSchema(label); schemas.push(s); return s; };
  afterAll(async () => { for (const s of schemas) await dropStoreSchema(url, s); });

  const applied = (schema: string) =>
    sql<{ version: number; name: string }>(url, `SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`);

  it('creates the schema, applies every migration once, and finds nothing to do the second time', async () => {
    const schema = fresh('migrate');
    const store = await openPostgresStore({ url, schema, migrate: false });
    try {
      expect(await store.migrate()).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await store.migrate()).toEqual([]);
      expect(await applied(schema)).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
    } finally {
      await store.close();
    }
  });

  it('lets several nodes migrate the same new schema at the same moment', async () => {
    const schema = fresh('migrate_race');
    const stores = await Promise.all(Array.from({ length: 6 }, () => openPostgresStore({ url, schema, poolSize: 1, migrate: false })));
    try {
      const runs = await Promise.all(stores.map((s) => s.migrate()));
      expect(runs.filter((r) => r.length > 0)).toEqual([MIGRATIONS.map((m) => m.version)]);
      expect(await applied(schema)).toHaveLength(MIGRATIONS.length);
      await expect(stores[0]!.headPosition('acme')).resolves.toBe(0);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('opens an up-to-date schema without changing it', async () => {
    const schema = fresh('reopen');
    await (await openPostgresStore({ url, schema })).close();
    const [before] = await sql<{ at: Date }>(url, `SELECT max(applied_at) AS at FROM "${schema}".schema_migrations`);
    await (await openPostgresStore({ url, schema })).close();
    const [after] = await sql<{ at: Date }>(url, `SELECT max(applied_at) AS at FROM "${schema}".schema_migrations`);
    expect(after?.at).toEqual(before?.at);
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { service } from '../support/services.ts';
import { dropStoreSchema, MIGRATIONS, openPostgresStore } from '../../src/store/postgres/index.ts';
import pgDriver from 'pg';
import { migrate } from '../../src/store/postgres/migrate.ts';
import { tableNames } from '../../src/store/postgres/sqlNames.ts';
import { prepared, sql, uniqueSchema } from './postgresTestSupport.ts';

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

  it('moves a store with events to the partial entity index (migration 13), and entity queries still find them all', async () => {
    const schema = fresh('entity_index');
    const pool = new pgDriver.Pool({ connectionString: url, max: 1 });
    const client = await pool.connect();
    try {
      await migrate(client, tableNames(schema), MIGRATIONS.filter((m) => m.version < 13));
    } finally {
      client.release();
      await pool.end();
    }
    const store = await openPostgresStore({ url, schema, migrate: false });
    try {
      // Events of Order:1 in its own stream and under an import's stream, and another entity's in that stream too.
      const events = [
        prepared({ tenant: 'acme', type: 'order.created', entity: { type: 'Order', id: '1' } }),
        prepared({ tenant: 'acme', type: 'order.imported', entity: { type: 'Order', id: '1' }, stream: 'import:7' }),
        prepared({ tenant: 'acme', type: 'order.imported', entity: { type: 'Order', id: '2' }, stream: 'import:7' }),
        prepared({ tenant: 'acme', type: 'order.updated', entity: { type: 'Order', id: '1' } }),
      ];
      await store.append([{ tenant: 'acme', events }]);
      expect(await store.migrate()).toEqual(MIGRATIONS.filter((m) => m.version >= 13).map((m) => m.version));
      const indexes = await sql<{ indexname: string }>(url, `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'events_entity%'`, [schema]);
      expect(indexes.map((i) => i.indexname)).toEqual(['events_entity_off_stream']);

      const page = await store.search('acme', { entityType: 'Order', entityId: '1', limit: 2, order: 'desc' });
      expect(page.events.map((e) => e.type)).toEqual(['order.updated', 'order.imported']);
      const rest = await store.search('acme', { entityType: 'Order', entityId: '1', limit: 2, order: 'desc', cursor: page.nextCursor! });
      expect(rest.events.map((e) => e.type)).toEqual(['order.created']);
      expect(rest.nextCursor).toBeNull();
      expect(await store.stats('acme', { groupBy: 'type', entityType: 'Order', entityId: '1' })).toEqual([
        { key: 'order.created', count: 1 }, { key: 'order.imported', count: 1 }, { key: 'order.updated', count: 1 },
      ]);
    } finally {
      await store.close();
    }
  });
});

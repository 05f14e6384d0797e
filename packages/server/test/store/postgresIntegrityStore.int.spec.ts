import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pgDriver from 'pg';
import { sealEvent } from '@vellum/core';
import type { CheckpointRecord, StoredEvent } from '@vellum/core';
import { integrateLeaves, testIntegrityStore, type TreeAdvance } from '@vellum/core/testing';
import { service } from '../support/services.ts';
import { dropStoreSchema, MIGRATIONS, openPostgresStore, type PostgresEventStore } from '../../src/store/postgres/index.ts';
import type { PgClient, PgQueryConfig, PgResult } from '../../src/store/postgres/PgPool.ts';
import { migrate } from '../../src/store/postgres/migrate.ts';
import { tableNames, type TableNames } from '../../src/store/postgres/sqlNames.ts';
import { openTestStore, prepared, sql, uniqueSchema } from './postgresTestSupport.ts';
import { postgresStoreFactory } from './storeFactories.ts';

const pg = await service('postgres');

/** The tables migration 7 added, each holding tenants' rows in its `tenant` column. */
const INTEGRITY_TABLES = ['merkle_trees', 'merkle_nodes', 'checkpoints'] as const;

const empty = { size: 0, frontier: [] };
const fakeLeaves = (label: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => createHash('sha256').update(`${label}/${i}`).digest('hex'));
const aCheckpoint = (tenant: string, treeSize: number): CheckpointRecord => ({
  tenant, treeSize, rootHash: createHash('sha256').update(`${tenant}/${treeSize}`).digest('hex'), note: `${tenant}\n${treeSize}\n`,
  createdAt: '2026-11-22T10:00:00.000Z',
});

/** Appends `count` events to the tenant and integrates all of them into its tree; returns the advance. */
async function integrated(store: PostgresEventStore, tenant: string, count: number): Promise<TreeAdvance> {
  await store.append([{ tenant, events: Array.from({ length: count }, () => prepared({ tenant })) }]);
  const tree = integrateLeaves(empty, await store.leafHashes(tenant, 1, count));
  expect(await store.advanceTree(tenant, 0, tree.next, tree.nodes)).toBe(true);
  return tree;
}

// A fresh schema (and application role) per test, dropped with it afterwards.
describe.skipIf(!pg)('PostgreSQL integrity store', () => {
  testIntegrityStore('PostgresEventStore', postgresStoreFactory(pg as string, 'integrity'));
});

describe.skipIf(!pg)('PostgreSQL integrity tables under row-level security', () => {
  const url = pg as string;
  let store: PostgresEventStore;
  let t: TableNames;

  beforeAll(async () => {
    store = await openTestStore(url, 'integrity_rls');
    t = tableNames(store.schema);
    await integrated(store, 'alpha', 20);
    await integrated(store, 'beta', 16);
    await store.saveCheckpoint(aCheckpoint('alpha', 20));
    await store.saveCheckpoint(aCheckpoint('beta', 16));
  });
  afterAll(async () => {
    await store?.close();
    if (store) await dropStoreSchema(url, store.schema);
  });

  /** A connection of the connecting user that has switched to the application role, as the store's do. */
  async function asApp<T>(work: (client: pgDriver.Client) => Promise<T>): Promise<T> {
    const client = new pgDriver.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`SELECT set_config('role', ${t.schema}.app_role(), false)`);
      return await work(client);
    } finally {
      await client.end();
    }
  }
  const setTenant = (client: pgDriver.Client, scope: string) => client.query(`SELECT set_config('vellum.tenant', $1, false)`, [scope]);
  const tenantsIn = async (client: pgDriver.Client, table: string): Promise<string[]> =>
    (await client.query<{ tenant: string }>(`SELECT DISTINCT tenant FROM ${t.schema}.${table} ORDER BY tenant`)).rows.map((r) => r.tenant);

  it('shows the application role no row of the integrity tables without the tenant setting, or with it empty', async () => {
    for (const table of INTEGRITY_TABLES) {
      expect(await sql(url, `SELECT DISTINCT tenant FROM ${t.schema}.${table} ORDER BY tenant`), table).toEqual([{ tenant: 'alpha' }, { tenant: 'beta' }]);
    }
    await asApp(async (client) => {
      for (const table of INTEGRITY_TABLES) expect(await tenantsIn(client, table), `${table}, never set`).toEqual([]);
      await setTenant(client, '');
      for (const table of INTEGRITY_TABLES) expect(await tenantsIn(client, table), `${table}, set empty`).toEqual([]);
    });
  });

  it("shows only the set tenant's rows, and every tenant's in the system-wide scope", async () => {
    await asApp(async (client) => {
      await setTenant(client, 'alpha');
      for (const table of INTEGRITY_TABLES) expect(await tenantsIn(client, table), table).toEqual(['alpha']);
      await setTenant(client, '*');
      for (const table of INTEGRITY_TABLES) expect(await tenantsIn(client, table), table).toEqual(['alpha', 'beta']);
    });
  });

  it("refuses to write another tenant's tree, nodes or checkpoints", async () => {
    const inserts = (tenant: string): Record<string, string> => ({
      merkle_trees: `INSERT INTO ${t.merkleTrees} (tenant, size, frontier) VALUES ('${tenant}-new', 1, '[]')`,
      merkle_nodes: `INSERT INTO ${t.merkleNodes} (tenant, level, idx, hash) VALUES ('${tenant}', 9, 0, sha256(''))`,
      checkpoints: `INSERT INTO ${t.checkpoints} (tenant, tree_size, root_hash, note, created_at) VALUES ('${tenant}', 1, 'r', 'n', now())`,
    });
    await asApp(async (client) => {
      await setTenant(client, 'alpha');
      for (const [table, text] of Object.entries(inserts('beta'))) await expect(client.query(text), table).rejects.toThrow(/row-level security/);
      expect((await client.query(`UPDATE ${t.merkleTrees} SET size = size + 1 WHERE tenant = 'beta'`)).rowCount).toBe(0);
      await setTenant(client, '');
      for (const [table, text] of Object.entries(inserts('alpha'))) await expect(client.query(text), table).rejects.toThrow(/row-level security/);
    });
    expect(await store.treeState('beta')).toMatchObject({ size: 16 });
  });

  it('lets the application role only insert nodes and checkpoints, and only move a tree forward', async () => {
    await asApp(async (client) => {
      await setTenant(client, '*');
      for (const text of [
        `UPDATE ${t.merkleNodes} SET hash = sha256('x')`, `DELETE FROM ${t.merkleNodes}`, `TRUNCATE ${t.merkleNodes}`,
        `UPDATE ${t.checkpoints} SET note = 'forged'`, `DELETE FROM ${t.checkpoints}`, `TRUNCATE ${t.checkpoints}`,
        `DELETE FROM ${t.merkleTrees}`, `TRUNCATE ${t.merkleTrees}`,
      ]) {
        await expect(client.query(text), text).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(/permission denied/) });
      }
      await expect(client.query(`UPDATE ${t.merkleTrees} SET size = 3 WHERE tenant = 'alpha'`)).rejects.toThrow(/only grow/);
    });
    expect(await store.treeState('alpha')).toMatchObject({ size: 20 });
  });

  it('refuses even the owner to rewrite nodes and checkpoints or shrink a tree (triggers), and every table forces row security', async () => {
    for (const text of [
      `UPDATE ${t.merkleNodes} SET hash = sha256('x')`, `DELETE FROM ${t.merkleNodes}`, `TRUNCATE ${t.merkleNodes}`,
      `UPDATE ${t.checkpoints} SET note = 'forged'`, `DELETE FROM ${t.checkpoints}`,
      `UPDATE ${t.merkleTrees} SET size = 0`, `DELETE FROM ${t.merkleTrees}`,
    ]) {
      await expect(sql(url, text), text).rejects.toThrow(/append-only|only grow/);
    }
    const tables = await sql<{ relname: string; rls: boolean; forced: boolean }>(url, `
      SELECT relname, relrowsecurity AS rls, relforcerowsecurity AS forced FROM pg_class
       WHERE relnamespace = $1::regnamespace AND relname = ANY($2)`, [t.schema, INTEGRITY_TABLES]);
    expect(tables.filter((r) => r.rls && r.forced).map((r) => r.relname).sort()).toEqual([...INTEGRITY_TABLES].sort());
  });

  it("fills the events' hash column on append, byte for byte the body's hash", async () => {
    const rows = await sql<{ n: string; filled: string; same: string }>(url, `
      SELECT count(*) AS n, count(hash) AS filled, count(*) FILTER (WHERE encode(hash, 'hex') = body::json ->> 'hash') AS same
        FROM ${t.events}`);
    expect(rows).toEqual([{ n: '36', filled: '36', same: '36' }]);
  });
});

describe.skipIf(!pg)('PostgreSQL integrity store shared by several nodes', () => {
  const url = pg as string;
  const schema = uniqueSchema('integrity_nodes');
  let nodes: PostgresEventStore[] = [];
  beforeAll(async () => {
    nodes = await Promise.all([0, 1].map(() => openPostgresStore({ url, schema, poolSize: 4 })));
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await dropStoreSchema(url, schema);
  });

  it('lets exactly one of many advances from the same size win across nodes, round after round', async () => {
    const [one, two] = nodes as [PostgresEventStore, PostgresEventStore];
    await one.append([{ tenant: 'acme', events: Array.from({ length: 64 }, () => prepared({ tenant: 'acme' })) }]);
    const leaves = await two.leafHashes('acme', 1, 64);
    let state = await one.treeState('acme');
    for (const size of [16, 17, 40, 64]) {
      const rivals = Array.from({ length: 8 }, (_, i) => integrateLeaves(state, i === 0 ? leaves.slice(state.size, size) : fakeLeaves(`${size}/${i}`, size - state.size)));
      const won = await Promise.all(rivals.map((r, i) => nodes[i % 2]!.advanceTree('acme', state.size, r.next, r.nodes)));
      expect(won.filter(Boolean), `advance to ${size}`).toHaveLength(1);
      state = await two.treeState('acme');
      expect(state).toStrictEqual(rivals[won.indexOf(true)]!.next);
    }
    const nodeCount = await sql<{ n: string }>(url, `SELECT count(*) AS n FROM "${schema}".merkle_nodes`);
    expect(Number(nodeCount[0]!.n)).toBe(4 + 2 + 1); // levels 4, 5, 6 of a tree of 64: nothing from the losers
  });
});

describe.skipIf(!pg)('migration 7 on a store that already holds events', () => {
  const url = pg as string;
  const schema = uniqueSchema('integrity_upgrade');
  afterAll(async () => { await dropStoreSchema(url, schema); });

  /** Runs the migrations up to `version` as the connecting user, as a release before this one would have. */
  async function migrateTo(version: number): Promise<void> {
    const client = new pgDriver.Client({ connectionString: url });
    await client.connect();
    try {
      const owner: PgClient = {
        query: async <R>(c: PgQueryConfig) => (await client.query({ text: c.text, values: [...(c.values ?? [])] })) as unknown as PgResult<R>,
        release: () => {},
      };
      await migrate(owner, tableNames(schema), MIGRATIONS.filter((m) => m.version <= version));
    } finally {
      await client.end();
    }
  }

  /** A sealed event inserted as the version-6 append path would have (no hash column yet). */
  async function insertEvent(tenant: string, position: number, hashColumn: 'none' | 'null' = 'none'): Promise<StoredEvent> {
    const event = sealEvent(prepared({ tenant }).event, position, position);
    const t = tableNames(schema);
    await sql(url, `
      SET vellum.tenant = '*';
      INSERT INTO ${t.tenantHeads} (tenant, position) VALUES ('${tenant}', ${position})
        ON CONFLICT (tenant) DO UPDATE SET position = excluded.position;
      INSERT INTO ${t.events} (tenant, position, id, stream, stream_version, type, severity, actor_type, actor_id, occurred_at, body${hashColumn === 'null' ? ', hash' : ''})
        VALUES ('${tenant}', ${position}, '${event.id}', '${event.stream}', ${position}, '${event.type}', 0, 'user', '1', now(),
                '${JSON.stringify(event).replaceAll("'", "''")}'${hashColumn === 'null' ? ', NULL' : ''})`);
    return event;
  }

  it("fills existing events' hashes, lists their tenants as behind, and reads a row written without the column from its body", async () => {
    await migrateTo(6);
    const alpha = [await insertEvent('alpha', 1), await insertEvent('alpha', 2), await insertEvent('alpha', 3)];
    const beta = [await insertEvent('beta', 1)];

    const store = await openPostgresStore({ url, schema, poolSize: 2 });
    try {
      const filled = await sql<{ n: string }>(url, `SELECT count(*) AS n FROM "${schema}".events WHERE encode(hash, 'hex') = body::json ->> 'hash'`);
      expect(filled).toEqual([{ n: '4' }]);
      expect([...await store.tenantsBehind()].sort()).toEqual(['alpha', 'beta']);
      expect(await store.leafHashes('alpha', 1, 10)).toStrictEqual(alpha.map((e) => e.hash));
      expect(await store.treeState('beta')).toStrictEqual(empty);

      // A row written below the application after the upgrade, without the column: its hash comes from its body.
      const late = await insertEvent('beta', 2, 'null');
      expect(await store.leafHashes('beta', 1, 10)).toStrictEqual([...beta, late].map((e) => e.hash));
      await store.append([{ tenant: 'beta', events: [prepared({ tenant: 'beta' })] }]);
      expect(await store.leafHashes('beta', 1, 10)).toHaveLength(3);
    } finally {
      await store.close();
    }
  });
});

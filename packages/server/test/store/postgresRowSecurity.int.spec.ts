import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pgDriver from 'pg';
import type { ApiKeyRecord } from '@vellum/core';
import { service } from '../support/services.ts';
import { dropStoreSchema, openPostgresStore, type PostgresEventStore } from '../../src/store/postgres/index.ts';
import { BEGIN_ALL_TENANTS, NO_TENANT, TenantPool } from '../../src/store/postgres/TenantPool.ts';
import { tableNames, type TableNames } from '../../src/store/postgres/sqlNames.ts';
import { openTestStore, prepared, sql, uniqueSchema } from './postgresTestSupport.ts';

const pg = await service('postgres');

/** Every table that holds tenants' rows, with the column naming the tenant. */
const TENANT_TABLES = [['events', 'tenant'], ['tenant_heads', 'tenant'], ['request_keys', 'tenant'], ['api_keys', 'tenant'], ['tenants', 'id']] as const;

const aKey = (id: string, tenant: string): ApiKeyRecord => ({
  id, tenant, name: id, prefix: 'vk_test', hash: id.padEnd(64, '0'), scopes: ['events:read'], createdAt: '2026-11-22T10:00:00.000Z',
  expiresAt: null, revokedAt: null, rateLimit: null, rotatedFrom: null, lastUsedAt: null, requestCount: 0,
});

describe.skipIf(!pg)('PostgreSQL row-level security', () => {
  const url = pg as string;
  let store: PostgresEventStore;
  let t: TableNames;
  let appRole: string;

  beforeAll(async () => {
    store = await openTestStore(url, 'rls');
    t = tableNames(store.schema);
    for (const tenant of ['alpha', 'beta']) {
      await store.createTenant({ id: tenant, name: tenant, createdAt: '2026-11-22T10:00:00.000Z' });
      await store.createKey(aKey(`key-${tenant}`, tenant));
    }
    await store.append([
      { tenant: 'alpha', events: [prepared({ tenant: 'alpha' }), prepared({ tenant: 'alpha' })], requestKey: { key: 'r-alpha', fingerprint: 'f' } },
      { tenant: 'beta', events: [prepared({ tenant: 'beta' })], requestKey: { key: 'r-beta', fingerprint: 'f' } },
    ]);
    [{ role: appRole }] = await sql<{ role: string }>(url, `SELECT ${t.schema}.app_role() AS role`) as [{ role: string }];
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
  const count = async (client: pgDriver.Client, table: string, where = '') =>
    Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${t.schema}.${table} ${where}`)).rows[0]!.n);
  const superuserCount = async (table: string, where = '') =>
    Number((await sql<{ n: string }>(url, `SELECT count(*) AS n FROM ${t.schema}.${table} ${where}`))[0]!.n);

  it('shows the application role no row of any tenant table without the tenant setting', async () => {
    await asApp(async (client) => {
      for (const [table] of TENANT_TABLES) {
        expect(await superuserCount(table), table).toBeGreaterThan(0);
        expect(await count(client, table), `${table}, never set`).toBe(0);
      }
      await setTenant(client, '');
      for (const [table] of TENANT_TABLES) expect(await count(client, table), `${table}, set empty`).toBe(0);
    });
  });

  it("shows only the set tenant's rows, and every tenant's rows in the system-wide scope", async () => {
    await asApp(async (client) => {
      await setTenant(client, 'alpha');
      for (const [table, column] of TENANT_TABLES) {
        const { rows } = await client.query<{ tenant: string }>(`SELECT DISTINCT ${column} AS tenant FROM ${t.schema}.${table}`);
        expect(rows.map((r) => r.tenant), table).toEqual(['alpha']);
        expect(await count(client, table), table).toBe(await superuserCount(table, `WHERE ${column} = 'alpha'`));
      }
      await setTenant(client, '*');
      for (const [table] of TENANT_TABLES) expect(await count(client, table), table).toBe(await superuserCount(table));
    });
  });

  it('refuses to insert a row for another tenant, and any row without the tenant setting', async () => {
    const inserts = (tenant: string): Record<string, string> => ({
      events: `INSERT INTO ${t.events} (tenant, position, id, stream, stream_version, type, severity, actor_type, actor_id, occurred_at, body)
        VALUES ('${tenant}', 99, 'forged-${tenant}', 's', 1, 't', 1, 'user', '1', now(), '{}')`,
      tenant_heads: `INSERT INTO ${t.tenantHeads} (tenant, position) VALUES ('${tenant}-new', 0)`,
      request_keys: `INSERT INTO ${t.requestKeys} (tenant, key, fingerprint, results) VALUES ('${tenant}', 'forged', 'f', '[]')`,
      api_keys: `INSERT INTO ${t.apiKeys} (id, tenant, name, prefix, hash, scopes, created_at) VALUES ('forged-${tenant}', '${tenant}', 'n', 'p', 'forged-${tenant}', '{admin}', now())`,
      tenants: `INSERT INTO ${t.tenants} (id, name, created_at) VALUES ('${tenant}-new', 'n', now())`,
    });
    await asApp(async (client) => {
      await setTenant(client, 'alpha');
      for (const [table, text] of Object.entries(inserts('beta'))) {
        await expect(client.query(text), table).rejects.toThrow(/row-level security/);
      }
      await setTenant(client, NO_TENANT);
      for (const [table, text] of Object.entries(inserts('alpha'))) {
        await expect(client.query(text), table).rejects.toThrow(/row-level security/);
      }
    });
    expect(await superuserCount('api_keys', `WHERE id LIKE 'forged%'`)).toBe(0);
  });

  it("changes none of another tenant's rows", async () => {
    await asApp(async (client) => {
      await setTenant(client, 'alpha');
      expect((await client.query(`UPDATE ${t.apiKeys} SET name = 'taken' WHERE tenant = 'beta'`)).rowCount).toBe(0);
      expect((await client.query(`UPDATE ${t.tenantHeads} SET position = 0 WHERE tenant = 'beta'`)).rowCount).toBe(0);
      // Nor may a visible row be moved into another tenant.
      await expect(client.query(`UPDATE ${t.apiKeys} SET tenant = 'beta' WHERE tenant = 'alpha'`)).rejects.toThrow(/row-level security/);
    });
    expect(await sql(url, `SELECT name FROM ${t.apiKeys} WHERE tenant = 'beta'`)).toEqual([{ name: 'key-beta' }]);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of events to the application role, even in the system-wide scope', async () => {
    await asApp(async (client) => {
      await setTenant(client, '*');
      for (const text of [`UPDATE ${t.events} SET type = 'x'`, `DELETE FROM ${t.events}`, `TRUNCATE ${t.events}`]) {
        await expect(client.query(text), text).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(/permission denied/) });
      }
      await expect(client.query(`SELECT * FROM ${t.migrations}`)).rejects.toMatchObject({ code: '42501' });
    });
    expect(await superuserCount('events')).toBe(3);
  });

  it('runs as a role that is neither superuser nor owner, on tables that force row-level security', async () => {
    const [role] = await sql<Record<string, boolean>>(url, 'SELECT rolsuper, rolbypassrls, rolcanlogin, rolcreaterole FROM pg_roles WHERE rolname = $1', [appRole]);
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false, rolcanlogin: false, rolcreaterole: false });
    const tables = await sql<{ relname: string; owner: string; rls: boolean; forced: boolean }>(url, `
      SELECT c.relname, pg_get_userbyid(c.relowner) AS owner, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced
        FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r' ORDER BY c.relname`, [t.schema]);
    expect(tables.every((r) => r.owner !== appRole)).toBe(true);
    // The integrity tables of migration 7 are tenant tables too; postgresIntegrityStore.int.spec.ts covers their policies.
    // So are migration 8's subject_keys (test/personal covers it), migration 9's retention tables (test/retention)
    // and migration 10's subscription tables (subscriptionStorePostgres.int.spec.ts), with migration 12's delivery counts,
    // and migration 14's stream floors (the retention contract).
    const tenantTables = [
      ...TENANT_TABLES.map(([table]) => table), 'merkle_trees', 'merkle_nodes', 'checkpoints', 'subject_keys',
      'retention_policies', 'retention_runs', 'subscriptions', 'subscription_leases', 'deliveries', 'dead_letters',
      'subscription_counts', 'stream_floors',
    ];
    expect(tables.filter((r) => r.rls && r.forced).map((r) => r.relname).sort()).toEqual(tenantTables.sort());
  });

  it("runs the store's own queries as that role: take a privilege away and the store loses it", async () => {
    await sql(url, `REVOKE SELECT ON ${t.tenants} FROM "${appRole}"`);
    try {
      await expect(store.listTenants()).rejects.toMatchObject({ code: '42501' });
    } finally {
      await sql(url, `GRANT SELECT ON ${t.tenants} TO "${appRole}"`);
    }
    expect((await store.listTenants()).map((r) => r.id)).toEqual(['alpha', 'beta']);
  });
});

describe.skipIf(!pg)('TenantPool: the scope of pooled connections', () => {
  const url = pg as string;
  let store: PostgresEventStore;
  let pool: pgDriver.Pool;
  let tenants: TenantPool;
  let t: TableNames;

  beforeAll(async () => {
    store = await openTestStore(url, 'rls_pool');
    t = tableNames(store.schema);
    await store.append([
      { tenant: 'alpha', events: [prepared({ tenant: 'alpha' }), prepared({ tenant: 'alpha' })] },
      { tenant: 'beta', events: [prepared({ tenant: 'beta' })] },
    ]);
    // One connection, so every step below reuses it.
    pool = new pgDriver.Pool({ connectionString: url, max: 1 });
    tenants = new TenantPool(pool, t);
  });
  afterAll(async () => {
    await tenants?.end();
    await store?.close();
    if (store) await dropStoreSchema(url, store.schema);
  });

  const seen = async (scope: string) => {
    const [row] = await tenants.rows<{ role: string; tenant: string | null; n: string }>(scope, {
      text: `SELECT current_user AS role, current_setting('vellum.tenant', true) AS tenant, (SELECT count(*) FROM ${t.events}) AS n`,
    });
    return { role: row!.role, tenant: row!.tenant, events: Number(row!.n) };
  };

  it("never lets a connection's earlier scope reach a later statement of another scope", async () => {
    const [{ role }] = await sql<{ role: string }>(url, `SELECT ${t.schema}.app_role() AS role`) as [{ role: string }];
    expect(await seen('alpha')).toEqual({ role, tenant: 'alpha', events: 2 });
    expect(await seen('beta')).toEqual({ role, tenant: 'beta', events: 1 });
    expect(await seen(NO_TENANT)).toEqual({ role, tenant: '', events: 0 });
    expect(await seen('*')).toEqual({ role, tenant: '*', events: 3 });
    expect(await seen('alpha')).toEqual({ role, tenant: 'alpha', events: 2 });
    expect(pool.totalCount).toBe(1);
  });

  it('keeps the session scope after a transaction with its own, and after a failed statement', async () => {
    expect((await seen('beta')).tenant).toBe('beta');
    const client = await tenants.connect(null);
    try {
      await client.query({ text: BEGIN_ALL_TENANTS });
      const { rows } = await client.query<{ n: string }>({ text: `SELECT count(*) AS n FROM ${t.events}` });
      expect(Number(rows[0]!.n)).toBe(3);
      await client.query({ text: 'COMMIT' });
    } finally {
      client.release();
    }
    expect(await seen('beta')).toMatchObject({ tenant: 'beta', events: 1 });
    await expect(tenants.query('alpha', { text: 'SELECT 1 / 0' })).rejects.toThrow(/division by zero/);
    expect(await seen('alpha')).toMatchObject({ tenant: 'alpha', events: 2 });
  });

  it('destroys a connection that cannot take the application role, before it runs anything (fail closed)', async () => {
    const bare = new pgDriver.Pool({ connectionString: url, max: 1 });
    const missing = new TenantPool(bare, tableNames(uniqueSchema('never_migrated')));
    try {
      await expect(missing.rows('alpha', { text: `SELECT count(*) FROM ${t.events}` })).rejects.toThrow(/does not exist/);
      expect(bare.totalCount).toBe(0);
    } finally {
      await missing.end();
    }
  });
});

describe.skipIf(!pg)('the application role, created or found', () => {
  const url = pg as string;

  it('uses a role made beforehand by an administrator, and refuses one that bypasses row-level security', async () => {
    const schema = uniqueSchema('rls_role');
    const role = `vellum_postgres_${schema}_app`;
    await sql(url, `CREATE ROLE "${role}" NOLOGIN`);
    try {
      const store = await openPostgresStore({ url, schema, poolSize: 1 });
      await store.createTenant({ id: 'alpha', name: 'a', createdAt: '2026-11-22T10:00:00.000Z' });
      expect(await store.listTenants()).toHaveLength(1);
      await store.close();
      await dropStoreSchema(url, schema);

      await sql(url, `CREATE ROLE "${role}" NOLOGIN BYPASSRLS`);
      await expect(openPostgresStore({ url, schema, poolSize: 1 })).rejects.toThrow(/bypasses row-level security/);
    } finally {
      await dropStoreSchema(url, schema);
      await sql(url, `DROP ROLE IF EXISTS "${role}"`);
    }
  });

  it('names the role with a hash when the schema name is long or not a plain identifier', async () => {
    const schema = `Vellum's "Odd" Schema ${randomBytes(4).toString('hex')} with a name far too long for a role`;
    const store = await openPostgresStore({ url, schema, poolSize: 1 });
    try {
      await store.createTenant({ id: 'alpha', name: 'a', createdAt: '2026-11-22T10:00:00.000Z' });
      expect(await store.listTenants()).toHaveLength(1);
      const [{ role }] = await sql<{ role: string }>(url, `SELECT "${schema.replaceAll('"', '""')}".app_role() AS role`) as [{ role: string }];
      expect(role).toMatch(/^vellum_postgres_vellum_s_odd_schema_[0-9a-z_]+_[0-9a-f]{8}_app$/);
      expect(role.length).toBeLessThanOrEqual(63);
    } finally {
      await store.close();
      await dropStoreSchema(url, schema);
    }
  });
});

describe.skipIf(!pg)('a connecting user that is not a superuser', () => {
  const url = pg as string;
  const owner = `vellum_owner_${randomBytes(4).toString('hex')}`;
  const ownerUrl = (() => { const u = new URL(url); u.username = owner; return u.toString(); })();
  // Short enough for the readable role name (at most 63 bytes).
  const schema = `vellum_rlso_${randomBytes(4).toString('hex')}`;
  const role = `vellum_${owner}_${schema}_app`;

  beforeAll(async () => {
    await sql(url, `CREATE ROLE ${owner} LOGIN; GRANT CREATE ON DATABASE "${new URL(url).pathname.slice(1)}" TO ${owner}`);
  });
  afterAll(async () => {
    await dropStoreSchema(url, schema);
    await sql(url, `DROP ROLE IF EXISTS "${role}"; DROP OWNED BY ${owner}; DROP ROLE ${owner}`);
  });

  it('is told what to ask a superuser for when it may not create the role, and works once it is granted', async () => {
    const refused = await openPostgresStore({ url: ownerUrl, schema, poolSize: 1 }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ message: expect.stringContaining('may not create roles') });
    expect((refused as { hint?: string }).hint).toBe(`Have a superuser run once: CREATE ROLE ${role} NOLOGIN; GRANT ${role} TO ${owner};`);

    await sql(url, `CREATE ROLE ${role} NOLOGIN; GRANT ${role} TO ${owner}`);
    const store = await openPostgresStore({ url: ownerUrl, schema, poolSize: 1 });
    try {
      await store.createTenant({ id: 'alpha', name: 'a', createdAt: '2026-11-22T10:00:00.000Z' });
      await store.append([{ tenant: 'alpha', events: [prepared({ tenant: 'alpha' })] }]);
      expect(await store.headPosition('alpha')).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('backs up every row with pg_dump only when the dump sets the system-wide scope (the tables force row security on their owner)', async () => {
    const dump = (env: Record<string, string>, ...flags: string[]) =>
      promisify(execFile)('/usr/bin/pg_dump', [...flags, '--dbname', ownerUrl, '--schema', schema], { env: { ...process.env, ...env } });
    await expect(dump({})).rejects.toThrow(/affected by row-level security/);
    const { stdout } = await dump({ PGOPTIONS: '-c vellum.tenant=*' }, '--enable-row-security');
    expect(stdout).toMatch(/COPY \S+\.tenants \(id, name, created_at\) FROM stdin;\nalpha\t/);
  });
});

import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pgDriver from 'pg';
import { DELIVERIES_KEPT, uuidv7, type DeliveryRecord, type SubscriptionRecord } from '@vellum/core';
import { aSubscription } from '@vellum/core/testing';
import { dropStoreSchema, MIGRATIONS, openPostgresStore, type PostgresEventStore } from '../../src/store/postgres/index.ts';
import type { PgClient, PgQueryConfig, PgResult } from '../../src/store/postgres/PgPool.ts';
import { PRUNE_EVERY } from '../../src/store/postgres/PostgresSubscriptionStore.ts';
import { migrate } from '../../src/store/postgres/migrate.ts';
import { tableNames, type TableNames } from '../../src/store/postgres/sqlNames.ts';
import { service } from '../support/services.ts';
import { openTestStore, prepared, sql, uniqueSchema } from './postgresTestSupport.ts';

const pg = await service('postgres');

/** The tables migration 10 added, each holding tenants' rows in its `tenant` column. */
const SUBSCRIPTION_TABLES = ['subscriptions', 'subscription_leases', 'deliveries', 'dead_letters'] as const;
const SECRET = 'whsec_c2VjcmV0';

let ms = Date.parse('2026-12-02T08:00:00.000Z');
const tick = (): { id: string; at: string } => {
  ms += 1;
  return { id: uuidv7(ms, new Uint8Array(10).fill(ms & 0xff)), at: new Date(ms).toISOString() };
};
const at = (offsetMs: number): string => new Date(Date.parse('2026-12-02T08:00:00.000Z') + offsetMs).toISOString();

function aDelivery(s: SubscriptionRecord, n: number): DeliveryRecord {
  const { id, at: when } = tick();
  return {
    id, tenant: s.tenant, subscriptionId: s.id, messageId: `msg_${n}`, fromPosition: n, toPosition: n, events: 1, attempt: 1,
    outcome: 'delivered', statusCode: 200, error: null, durationMs: 3.5, at: when,
  };
}
const aDeadLetter = (s: SubscriptionRecord, n: number) => {
  const { id, at: createdAt } = tick();
  return { id, tenant: s.tenant, subscriptionId: s.id, messageId: `msg_${n}`, fromPosition: n, toPosition: n, events: 1, attempts: 7, lastError: 'HTTP 500', createdAt };
};

describe.skipIf(!pg)('PostgreSQL subscription tables under row-level security', () => {
  const url = pg as string;
  let store: PostgresEventStore;
  let t: TableNames;

  beforeAll(async () => {
    store = await openTestStore(url, 'subscriptions_rls');
    t = tableNames(store.schema);
    for (const tenant of ['alpha', 'beta']) {
      const s = aSubscription(tenant, 'orders');
      await store.subscriptions.createSubscription(s);
      await store.subscriptions.recordDelivery(aDelivery(s, 1));
      await store.subscriptions.addDeadLetter(aDeadLetter(s, 1));
      expect(await store.subscriptions.acquireLease(s.id, `node-${tenant}`, at(0), at(60_000))).toBe(true);
    }
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

  it('enables and forces row-level security on every subscription table', async () => {
    const rows = await sql<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(url,
      `SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relnamespace = $1::regnamespace AND relname = ANY($2) ORDER BY relname`,
      [store.schema, [...SUBSCRIPTION_TABLES]]);
    expect(rows).toEqual([...SUBSCRIPTION_TABLES].sort().map((relname) => ({ relname, relrowsecurity: true, relforcerowsecurity: true })));
  });

  it("shows the application role only the set tenant's rows, every tenant's under '*', and none unset", async () => {
    await asApp(async (client) => {
      for (const table of SUBSCRIPTION_TABLES) expect(await tenantsIn(client, table), `${table}, never set`).toEqual([]);
      await setTenant(client, 'alpha');
      for (const table of SUBSCRIPTION_TABLES) expect(await tenantsIn(client, table), table).toEqual(['alpha']);
      await setTenant(client, '*');
      for (const table of SUBSCRIPTION_TABLES) expect(await tenantsIn(client, table), table).toEqual(['alpha', 'beta']);
    });
  });

  it("refuses to write or change another tenant's rows", async () => {
    await asApp(async (client) => {
      await setTenant(client, 'alpha');
      await expect(client.query(`INSERT INTO ${t.subscriptions} (id, tenant, name, filter, target, status, cursor_position, revision, created_at, updated_at)
        VALUES ('x', 'beta', 'sneaky', '{}', '{"kind":"nats"}', 'active', 0, 1, now(), now())`)).rejects.toThrow(/row-level security/);
      expect((await client.query(`UPDATE ${t.subscriptions} SET cursor_position = 99 WHERE tenant = 'beta'`)).rowCount).toBe(0);
      expect((await client.query(`DELETE FROM ${t.deadLetters} WHERE tenant = 'beta'`)).rowCount).toBe(0);
      expect((await client.query(`DELETE FROM ${t.subscriptionLeases} WHERE tenant = 'beta'`)).rowCount).toBe(0);
    });
    const [beta] = await store.subscriptions.listSubscriptions('beta');
    expect(beta).toMatchObject({ cursor: 0 });
    expect(await store.subscriptions.listDeadLetters('beta', beta!.id, 10)).toHaveLength(1);
    expect(await store.subscriptions.acquireLease(beta!.id, 'node-x', at(1), at(60_000))).toBe(false);
  });

  it("gives the application role no UPDATE on delivery history, nor on a dead letter beyond its attempts and last error", async () => {
    await asApp(async (client) => {
      await setTenant(client, '*');
      const forgeries = [
        `UPDATE ${t.deliveries} SET error = 'forged'`, `UPDATE ${t.deadLetters} SET message_id = 'forged'`,
        `UPDATE ${t.deadLetters} SET from_position = 1`, `TRUNCATE ${t.subscriptions} CASCADE`,
      ];
      for (const text of forgeries) {
        await expect(client.query(text), text).rejects.toMatchObject({ code: '42501' });
      }
    });
  });
});

describe.skipIf(!pg)('PostgreSQL subscription store, beyond the contract', () => {
  const url = pg as string;
  const open: PostgresEventStore[] = [];
  let schemaToDrop: string | undefined;
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    if (schemaToDrop !== undefined) await dropStoreSchema(url, schemaToDrop);
    schemaToDrop = undefined;
  });
  const fresh = async (): Promise<PostgresEventStore> => {
    const store = await openTestStore(url, 'subscriptions_more');
    open.push(store);
    schemaToDrop = store.schema;
    return store;
  };
  const twinOf = async (store: PostgresEventStore): Promise<PostgresEventStore> => {
    const twin = await openPostgresStore({ url, schema: store.schema, poolSize: 4 });
    open.push(twin);
    return twin;
  };

  it('gives each lease to exactly one of two nodes racing for it, free or expired', async () => {
    const one = await fresh();
    const two = await twinOf(one);
    const subs = Array.from({ length: 12 }, (_, i) => aSubscription(i % 2 === 0 ? 'alpha' : 'beta', `race-${i}`));
    for (const s of subs) await one.subscriptions.createSubscription(s);
    // Free leases: every subscription raced by three owners on each node, all at once.
    const owners = ['a1', 'a2', 'a3', 'b1', 'b2', 'b3'];
    const free = await Promise.all(subs.map((s) => Promise.all(owners.map((o) =>
      (o.startsWith('a') ? one : two).subscriptions.acquireLease(s.id, o, at(0), at(30_000))))));
    for (const won of free) expect(won.filter(Boolean)).toHaveLength(1);
    // Expired leases: taken over by exactly one of the racers, never by two.
    const expired = await Promise.all(subs.map((s) => Promise.all(['c1', 'c2', 'd1', 'd2'].map((o) =>
      (o.startsWith('c') ? one : two).subscriptions.acquireLease(s.id, o, at(30_001), at(60_000))))));
    for (const won of expired) expect(won.filter(Boolean)).toHaveLength(1);
  });

  it(`prunes a busy subscription's deliveries to about the newest ${DELIVERIES_KEPT}, a few at a time`, async () => {
    const store = await fresh();
    const s = aSubscription('alpha', 'busy');
    await store.subscriptions.createSubscription(s);
    const total = DELIVERIES_KEPT + 4 * PRUNE_EVERY + 7;
    for (let i = 1; i <= total; i++) await store.subscriptions.recordDelivery(aDelivery(s, i));
    const [row] = await sql<{ n: string }>(url, `SELECT count(*) AS n FROM ${tableNames(store.schema).deliveries}`);
    const count = Number(row?.n);
    expect(count).toBeGreaterThanOrEqual(DELIVERIES_KEPT);
    expect(count).toBeLessThan(DELIVERIES_KEPT + PRUNE_EVERY);
    const listed = await store.subscriptions.listDeliveries('alpha', s.id, 1000);
    expect(listed).toHaveLength(count);
    expect(listed[0]).toMatchObject({ messageId: `msg_${total}`, durationMs: 3.5 });
  });

  it('leaves no orphan when attempts are recorded while their subscription is deleted', async () => {
    const store = await fresh();
    for (let round = 0; round < 5; round++) {
      const s = aSubscription('alpha', `doomed-${round}`);
      await store.subscriptions.createSubscription(s);
      const writes = Array.from({ length: 20 }, (_, i) => i % 2 === 0
        ? store.subscriptions.recordDelivery(aDelivery(s, i))
        : store.subscriptions.addDeadLetter(aDeadLetter(s, i)));
      const [deleted] = await Promise.all([store.subscriptions.deleteSubscription('alpha', s.id), ...writes]);
      expect(deleted).toBe(true);
    }
    const t = tableNames(store.schema);
    const [row] = await sql<{ n: string }>(url, `SELECT (SELECT count(*) FROM ${t.deliveries}) + (SELECT count(*) FROM ${t.deadLetters})
      + (SELECT count(*) FROM ${t.subscriptionCounts}) AS n`);
    expect(row).toEqual({ n: '0' });
  });

  // PostgreSQL quotes the failing row in a NOT NULL or CHECK violation's detail — except on a table under row-level
  // security, as these are. The row holds the webhook secret, and errors end up in logs: this pins that down.
  it("keeps a target's secret out of the error of a statement the database refuses", async () => {
    const store = await fresh();
    const bad = aSubscription('alpha', 'bad', { status: 'bogus' as SubscriptionRecord['status'] });
    const error = await store.subscriptions.createSubscription(bad).then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ code: '23514' }); // check_violation
    expect(inspect(error, { depth: 5 })).not.toContain(SECRET);
    expect(JSON.stringify(error)).not.toContain(SECRET);
  });
});

describe.skipIf(!pg)('migration 10 on a store that already holds events, keys and tenants', () => {
  const url = pg as string;
  const schema = uniqueSchema('subscriptions_upgrade');
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

  it('adds the subscription tables beside the existing data, usable by the application role at once', async () => {
    await migrateTo(9);
    const before = await openPostgresStore({ url, schema, poolSize: 2, migrate: false });
    try {
      await before.append([{ tenant: 'alpha', events: [prepared({ tenant: 'alpha' }), prepared({ tenant: 'alpha' })] }]);
    } finally {
      await before.close();
    }
    const tables = await sql(url, `SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'subscriptions'`, [schema]);
    expect(tables).toEqual([]);

    const store = await openPostgresStore({ url, schema, poolSize: 2 });
    try {
      const versions = await sql<{ version: number }>(url, `SELECT version FROM ${tableNames(schema).migrations} ORDER BY version`);
      expect(versions.map((v) => v.version)).toContain(10);
      expect(await store.headPosition('alpha')).toBe(2);
      const s = aSubscription('alpha', 'after-upgrade', { cursor: 2 });
      expect(await store.subscriptions.createSubscription(s)).toEqual({ created: true });
      expect(await store.subscriptions.acquireLease(s.id, 'node-a', at(0), at(1000))).toBe(true);
      await store.subscriptions.recordDelivery(aDelivery(s, 1));
      expect(await store.subscriptions.updateSubscription('alpha', s.id, 1, { cursor: 3 }, at(5))).toMatchObject({ cursor: 3, revision: 2 });
      expect(await store.subscriptions.listSubscriptions('*')).toHaveLength(1);
      expect(await store.subscriptions.deleteSubscription('alpha', s.id)).toBe(true);
    } finally {
      await store.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pgDriver from 'pg';
import { ALL_TENANTS } from '@vellum/core';
import type { ApiKeyRecord } from '@vellum/core';
import { testAccessStore } from '@vellum/core/testing';
import { service } from '../support/services.ts';
import { dropStoreSchema, MIGRATIONS, openPostgresStore, type PostgresEventStore } from '../../src/store/postgres/index.ts';
import type { PgClient, PgQueryConfig, PgResult } from '../../src/store/postgres/PgPool.ts';
import { migrate } from '../../src/store/postgres/migrate.ts';
import { tableNames } from '../../src/store/postgres/sqlNames.ts';
import { sql, uniqueSchema } from './postgresTestSupport.ts';
import { postgresStoreFactory } from './storeFactories.ts';

const pg = await service('postgres');

const aKey = (id: string, tenant: string): ApiKeyRecord => ({
  id, tenant, name: id, prefix: 'vk_test', hash: id.padEnd(64, '0'), scopes: ['events:read'], createdAt: '2026-11-22T10:00:00.000Z',
  expiresAt: null, revokedAt: null, rateLimit: null, rotatedFrom: null, lastUsedAt: null, requestCount: 0,
});

// A fresh schema (and application role) per test, dropped with it afterwards.
describe.skipIf(!pg)('PostgreSQL access store', () => {
  testAccessStore('PostgresEventStore', postgresStoreFactory(pg as string, 'access'));
});

describe.skipIf(!pg)('PostgreSQL access store shared by several nodes', () => {
  const url = pg as string;
  const schema = uniqueSchema('access_nodes');
  let nodes: PostgresEventStore[] = [];
  beforeAll(async () => {
    nodes = await Promise.all([0, 1].map(() => openPostgresStore({ url, schema, poolSize: 4 })));
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await dropStoreSchema(url, schema);
  });

  it('adds up usage flushed by several nodes at once over the same keys, in any order, without deadlocks', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `key-${String(i).padStart(2, '0')}`);
    for (const id of ids) await nodes[0]!.createKey(aKey(id, id < 'key-10' ? 'alpha' : 'beta'));
    const at = (s: number) => new Date(Date.UTC(2026, 10, 22, 10, 0, s)).toISOString();
    // Each flush names every key, node 0 in ascending order and node 1 in descending order.
    const flushes = Array.from({ length: 12 }, (_, round) => nodes.map((node, n) => {
      const order = n === 0 ? ids : [...ids].reverse();
      return node.recordKeyUsage(order.map((keyId) => ({ keyId, requests: 1 + n, lastUsedAt: at(round * 2 + n) })));
    })).flat();
    await Promise.all(flushes);
    const keys = await nodes[1]!.listKeys(ALL_TENANTS);
    expect(keys.map((k) => [k.id, k.requestCount, k.lastUsedAt])).toEqual(ids.map((id) => [id, 12 * (1 + 2), at(23)]));
  });

  it('gives every node the same secret when they all create it at the same moment', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => nodes[i % 2]!.getOrCreateSecret('shared', `candidate-${i}`)));
    expect(new Set(answers).size).toBe(1);
  });
});

describe.skipIf(!pg)('migration 5 on a store that already holds keys and events', () => {
  const url = pg as string;
  const schema = uniqueSchema('access_upgrade');
  afterAll(async () => { await dropStoreSchema(url, schema); });

  it('records every tenant already in use, created when its first key or event was', async () => {
    const client = new pgDriver.Client({ connectionString: url });
    await client.connect();
    try {
      const owner: PgClient = {
        query: async <R>(c: PgQueryConfig) => (await client.query({ text: c.text, values: [...(c.values ?? [])] })) as unknown as PgResult<R>,
        release: () => {},
      };
      await migrate(owner, tableNames(schema), MIGRATIONS.filter((m) => m.version <= 4));
    } finally {
      await client.end();
    }
    const s = `"${schema}"`;
    const event = async (tenant: string, recordedAt: string) => {
      await sql(url, `INSERT INTO ${s}.tenant_heads (tenant, position) VALUES ($1, 1)`, [tenant]);
      await sql(url, `INSERT INTO ${s}.events (tenant, position, id, stream, stream_version, type, severity, actor_type, actor_id, occurred_at, body)
        VALUES ($1, 1, $1 || '-e1', 's', 1, 't', 1, 'user', '1', $2::timestamptz, json_build_object('recordedAt', $2::text)::text)`, [tenant, recordedAt]);
    };
    await event('events-only', '2026-03-01T00:00:00.000Z');
    await event('both', '2026-02-01T00:00:00.000Z');
    const key = (id: string, tenant: string, createdAt: string) => sql(url,
      `INSERT INTO ${s}.api_keys (id, tenant, name, prefix, hash, scopes, created_at) VALUES ($1, $2, 'k', 'vk_x', $1, '{admin}', $3)`, [id, tenant, createdAt]);
    await key('k1', 'keys-only', '2026-01-15T00:00:00.000Z');
    await key('k2', 'both', '2026-02-10T00:00:00.000Z');

    const store = await openPostgresStore({ url, schema, poolSize: 1 });
    try {
      expect(await store.listTenants()).toEqual([
        { id: 'both', name: 'both', createdAt: '2026-02-01T00:00:00.000Z' },
        { id: 'events-only', name: 'events-only', createdAt: '2026-03-01T00:00:00.000Z' },
        { id: 'keys-only', name: 'keys-only', createdAt: '2026-01-15T00:00:00.000Z' },
      ]);
      expect(await store.findKeyById('both', 'k2')).toMatchObject({ rateLimit: null, rotatedFrom: null, lastUsedAt: null, requestCount: 0 });
    } finally {
      await store.close();
    }
  });
});

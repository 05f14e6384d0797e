import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiKeyRecord } from '@vellum/core';
import { generateApiKey, keyPrefix } from '../../src/auth/generateApiKey.ts';
import { hashApiKey } from '../../src/auth/hashApiKey.ts';
import { openSqliteStore, MIGRATIONS, type SqliteEventStore } from '../../src/store/sqlite/index.ts';
import { migrate } from '../../src/store/sqlite/schema/migrations.ts';
import type { SqliteConnection } from '../../src/store/sqlite/SqliteConnection.ts';
import { makeTestApp } from '../support/testApp.ts';
import { appendToOlderSchema, preparedEvent, tempDir } from './sqliteTestSupport.ts';

/** What the AccessStore contract cannot say about SQLite: upgrades, transactions, readonly files, two connections. */

const key = (id: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id,
  tenant: 'acme',
  name: id,
  prefix: 'vk_abcd',
  hash: hashApiKey(id),
  scopes: ['events:read'],
  createdAt: '2026-11-22T10:00:00.000Z',
  expiresAt: null,
  revokedAt: null,
  rateLimit: null,
  rotatedFrom: null,
  lastUsedAt: null,
  requestCount: 0,
  ...overrides,
});

describe('SQLite AccessStore', () => {
  let dir: { dir: string; remove(): void };
  let file: string;
  const open: SqliteEventStore[] = [];
  const openStore = (options: { readonly?: boolean } = {}): SqliteEventStore => {
    const store = openSqliteStore({ path: file, ...options });
    open.push(store);
    return store;
  };

  beforeEach(() => {
    dir = tempDir();
    file = path.join(dir.dir, 'vellum.db');
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    dir.remove();
  });

  describe('upgrading a database from schema version 2', () => {
    const previousVersion = 2;
    const apiKey = generateApiKey();
    const keyCreatedAt = '2026-10-01T08:00:00.000Z';
    const firstEventAt = Date.parse('2026-09-15T12:34:56.789Z');

    /** A file as the release before migration 3 left it: one admin key in `default`, one in `acme`, events in `globex`. */
    function writeVersion2Database(): void {
      const db = new Database(file) as unknown as SqliteConnection;
      try {
        expect(migrate(db, MIGRATIONS.filter((m) => m.version <= previousVersion)).current).toBe(previousVersion);
        const insertKey = db.prepare(`INSERT INTO api_keys (id, tenant, name, prefix, hash, scopes, created_at, expires_at, revoked_at)
                                      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
        insertKey.run('key-admin', 'default', 'bootstrap', keyPrefix(apiKey), hashApiKey(apiKey), '["admin"]', keyCreatedAt, null, null);
        insertKey.run('key-acme', 'acme', 'ci', 'vk_zzzz', hashApiKey('other'), '["events:read"]', '2026-10-02T00:00:00.000Z', null, null);
        const events = [preparedEvent('globex', {}, firstEventAt), preparedEvent('globex', {}, firstEventAt + 1000)];
        const [outcome] = appendToOlderSchema(db, [{ tenant: 'globex', events }], firstEventAt);
        expect(outcome?.status).toBe('committed');
      } finally {
        db.close();
      }
    }

    it('applies only the new migration and keeps every old key, with the new fields at their defaults', async () => {
      writeVersion2Database();
      const store = openStore();
      expect(store.migrationsApplied.applied).toEqual(MIGRATIONS.filter((m) => m.version > previousVersion).map((m) => m.version));
      expect(await store.countKeys()).toBe(2);
      expect(await store.findKeyByHash(hashApiKey(apiKey))).toStrictEqual({
        id: 'key-admin', tenant: 'default', name: 'bootstrap', prefix: keyPrefix(apiKey), hash: hashApiKey(apiKey),
        scopes: ['admin'], createdAt: keyCreatedAt, expiresAt: null, revokedAt: null,
        rateLimit: null, rotatedFrom: null, lastUsedAt: null, requestCount: 0,
      });
    });

    it('records every tenant that already had keys or events, created when its first key or event was', async () => {
      writeVersion2Database();
      const store = openStore();
      expect(await store.listTenants()).toStrictEqual([
        { id: 'acme', name: 'acme', createdAt: '2026-10-02T00:00:00.000Z' },
        { id: 'default', name: 'default', createdAt: keyCreatedAt },
        { id: 'globex', name: 'globex', createdAt: new Date(firstEventAt).toISOString() },
      ]);
    });

    it('serves requests with the old key, counts its use and can revoke it', async () => {
      writeVersion2Database();
      const t = await makeTestApp({ store: openStore(), config: { bootstrapKey: null } });
      try {
        expect(t.announced, 'no new admin key: the store already has keys').toEqual([]);
        for (let i = 0; i < 3; i++) {
          const res = await t.app.inject({ method: 'GET', url: '/v1/events?limit=1', headers: t.auth(apiKey) });
          expect(res.statusCode, res.body).toBe(200);
        }
      } finally {
        await t.app.close(); // flushes the usage counts, then closes the store
      }
      const reopened = openStore();
      const stored = await reopened.findKeyById('default', 'key-admin');
      expect(stored?.requestCount).toBe(3);
      expect(stored?.lastUsedAt).not.toBeNull();
      expect((await reopened.revokeKey('default', 'key-admin', '2026-11-30T00:00:00.000Z'))?.revokedAt).toBe('2026-11-30T00:00:00.000Z');
    });
  });

  it('records key usage in one transaction: an entry the database refuses leaves the whole batch unwritten', async () => {
    const store = openStore();
    await store.createKey(key('key-1'));
    await store.createKey(key('key-2'));
    const refused = { keyId: 'key-2', requests: null as unknown as number, lastUsedAt: '2026-11-22T11:00:00.000Z' };
    await expect(store.recordKeyUsage([{ keyId: 'key-1', requests: 5, lastUsedAt: '2026-11-22T11:00:00.000Z' }, refused])).rejects.toThrow();
    expect(await store.findKeyById('acme', 'key-1')).toStrictEqual(key('key-1'));
    // The connection is usable afterwards: no transaction was left open.
    await store.recordKeyUsage([{ keyId: 'key-1', requests: 1, lastUsedAt: '2026-11-22T12:00:00.000Z' }]);
    expect((await store.findKeyById('acme', 'key-1'))?.requestCount).toBe(1);
  });

  it('refuses a rate limit with only one of its two columns set', () => {
    openStore();
    const raw = new Database(file);
    try {
      const insert = raw.prepare(`INSERT INTO api_keys (id, tenant, name, prefix, hash, scopes, created_at, rate_limit_per_second, rate_limit_burst)
                                  VALUES ('k', 'acme', 'k', 'vk_', 'h', '[]', '2026-11-22T10:00:00.000Z', ?, ?)`);
      expect(() => insert.run(5, null)).toThrow(/CHECK/);
      expect(() => insert.run(null, 5)).toThrow(/CHECK/);
    } finally {
      raw.close();
    }
  });

  it('gives a second connection to the same file (another node or process) the secret the first one stored', async () => {
    const one = openStore();
    const two = openStore();
    expect(await one.getOrCreateSecret('viewer-token-signing-key', 'from-one')).toBe('from-one');
    expect(await two.getOrCreateSecret('viewer-token-signing-key', 'from-two')).toBe('from-one');
  });

  it('answers reads but refuses every write when opened readonly', async () => {
    const writer = openStore();
    await writer.createTenant({ id: 'acme', name: 'Acme', createdAt: '2026-11-22T10:00:00.000Z' });
    await writer.createKey(key('key-1'));
    await writer.getOrCreateSecret('s', 'v');
    const reader = openStore({ readonly: true });
    expect(await reader.getTenant('acme')).toMatchObject({ name: 'Acme' });
    expect(await reader.listTenants()).toHaveLength(1);
    expect(await reader.findKeyByHash(key('key-1').hash)).toStrictEqual(key('key-1'));
    expect(await reader.listKeys('acme')).toHaveLength(1);
    const at = '2026-11-23T00:00:00.000Z';
    for (const write of [
      () => reader.createTenant({ id: 'globex', name: 'Globex', createdAt: at }),
      () => reader.createKey(key('key-2')),
      () => reader.revokeKey('acme', 'key-1', at),
      () => reader.expireKeyBy('acme', 'key-1', at),
      () => reader.recordKeyUsage([{ keyId: 'key-1', requests: 1, lastUsedAt: at }]),
      () => reader.getOrCreateSecret('s', 'other'),
    ]) {
      await expect(write()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    }
    expect(await writer.findKeyById('acme', 'key-1')).toStrictEqual(key('key-1'));
  });

  it('writes keys and usage while the writer thread appends to the same file', async () => {
    const store = openStore();
    await store.createKey(key('key-1'));
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      work.push(store.append([{ tenant: 'acme', events: [preparedEvent('acme'), preparedEvent('acme')] }]));
      work.push(store.recordKeyUsage([{ keyId: 'key-1', requests: 1, lastUsedAt: new Date(Date.UTC(2026, 10, 22, 10, 0, i)).toISOString() }]));
      work.push(store.createKey(key(`key-extra-${i}`)));
    }
    await Promise.all(work);
    expect(await store.headPosition('acme')).toBe(40);
    expect(await store.findKeyById('acme', 'key-1')).toMatchObject({ requestCount: 20, lastUsedAt: '2026-11-22T10:00:19.000Z' });
    expect(await store.countKeys()).toBe(21);
  });
});

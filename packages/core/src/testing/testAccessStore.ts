import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessStore, ApiKeyRecord, TenantRecord } from '../store/AccessStore.ts';
import { ALL_TENANTS } from '../store/EventStore.ts';

/** A fresh, empty AccessStore and how to dispose of it. */
export interface AccessStoreHandle {
  store: AccessStore;
  close(): Promise<void>;
}

export type AccessStoreFactory = () => Promise<AccessStoreHandle>;

/**
 * The contract every AccessStore must meet, as a vitest suite: call it at the top level of a spec file.
 * `factory` is called before every test and must return a new, empty store; `close` is called after it.
 *
 * Timestamps are ISO-8601 UTC strings as `Date.toISOString()` writes them, and must come back character for
 * character. Ids used where order matters sort the same under any collation (lowercase ASCII), so the suite
 * pins down the documented order without depending on a database's collation rules.
 */
export function testAccessStore(name: string, factory: AccessStoreFactory): void {
  describe(`AccessStore contract: ${name}`, () => {
    const store = useFreshAccessStore(factory);
    describeTenants(store);
    describeKeyCreationAndLookup(store);
    describeKeyListing(store);
    describeRevocationAndExpiry(store);
    describeKeyUsage(store);
    describeServerSecrets(store);
  });
}

function useFreshAccessStore(factory: AccessStoreFactory): () => AccessStore {
  let handle: AccessStoreHandle | undefined;
  beforeEach(async () => {
    handle = await factory();
  });
  afterEach(async () => {
    await handle?.close();
    handle = undefined;
  });
  return () => {
    if (handle === undefined) throw new Error('the store is only available inside a test');
    return handle.store;
  };
}

const T0 = '2026-11-22T10:00:00.000Z';
const T1 = '2026-11-22T10:00:01.000Z';
const T2 = '2026-11-22T11:30:00.250Z';
const T3 = '2026-11-23T08:00:00.999Z';
const T4 = '2026-12-01T00:00:00.000Z';

const aTenant = (id: string, overrides: Partial<TenantRecord> = {}): TenantRecord => ({
  id, name: `Tenant ${id}`, createdAt: T0, ...overrides,
});

/** A key with every optional field empty; the hash is derived from the id so two keys never collide by accident. */
const aKey = (id: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id,
  tenant: 'acme',
  name: `key ${id}`,
  prefix: 'vk_3fA9',
  hash: hashFor(id),
  scopes: ['events:write', 'events:read'],
  createdAt: T0,
  expiresAt: null,
  revokedAt: null,
  rateLimit: null,
  rotatedFrom: null,
  lastUsedAt: null,
  requestCount: 0,
  ...overrides,
});

/** 64 hex characters, like a SHA-256, distinct per id. */
function hashFor(id: string): string {
  const hex = [...id].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
  return hex.padEnd(64, 'f').slice(0, 64);
}

/** A key with every field set, scopes deliberately out of alphabetical order. */
const aFullKey = (id: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord => aKey(id, {
  tenant: 'globex',
  name: 'rotated CI key ✓',
  scopes: ['keys:manage', 'events:write', 'admin', 'events:read'],
  createdAt: T1,
  expiresAt: T4,
  revokedAt: T3,
  rateLimit: { perSecond: 2.5, burst: 40 },
  rotatedFrom: 'key-original',
  lastUsedAt: T2,
  requestCount: 1234567,
  ...overrides,
});

function describeTenants(store: () => AccessStore): void {
  describe('tenants', () => {
    it('creates a tenant and gives it back field for field', async () => {
      const tenant = aTenant('acme', { name: 'Acme Corp — EU', createdAt: T2 });
      expect(await store().createTenant(tenant)).toEqual({ created: true });
      expect(await store().getTenant('acme')).toStrictEqual(tenant);
    });

    it('answers null for a tenant that does not exist', async () => {
      await store().createTenant(aTenant('acme'));
      expect(await store().getTenant('globex')).toBeNull();
    });

    it('keeps the original when a tenant is created again, and says it created nothing', async () => {
      const original = aTenant('acme', { name: 'Acme', createdAt: T0 });
      await store().createTenant(original);
      expect(await store().createTenant(aTenant('acme', { name: 'Impostor', createdAt: T3 }))).toEqual({ created: false });
      expect(await store().getTenant('acme')).toStrictEqual(original);
      expect(await store().listTenants()).toStrictEqual([original]);
    });

    it('lists tenants ordered by id, whatever order they were created in', async () => {
      expect(await store().listTenants()).toEqual([]);
      const ids = ['umbrella', 'acme', 'initech', 'globex', 'hooli'];
      for (const [i, id] of ids.entries()) await store().createTenant(aTenant(id, { createdAt: [T4, T3, T2, T1, T0][i]! }));
      const listed = await store().listTenants();
      expect(listed.map((t) => t.id)).toEqual(['acme', 'globex', 'hooli', 'initech', 'umbrella']);
      expect(listed.find((t) => t.id === 'initech')).toStrictEqual(aTenant('initech', { createdAt: T2 }));
    });
  });
}

function describeKeyCreationAndLookup(store: () => AccessStore): void {
  describe('creating and finding keys', () => {
    it('gives back a key with its optional fields empty exactly as created, by hash and by id', async () => {
      const key = aKey('key-1');
      await store().createKey(key);
      expect(await store().findKeyByHash(key.hash)).toStrictEqual(key);
      expect(await store().findKeyById('acme', 'key-1')).toStrictEqual(key);
    });

    it('gives back a key with every field set exactly as created: rate limit, rotation, usage, scopes in their order', async () => {
      const key = aFullKey('key-2');
      await store().createKey(key);
      expect(await store().findKeyByHash(key.hash)).toStrictEqual(key);
      expect(await store().findKeyById('globex', 'key-2')).toStrictEqual(key);
    });

    it('keeps an empty scope list empty', async () => {
      const key = aKey('key-1', { scopes: [] });
      await store().createKey(key);
      expect((await store().findKeyByHash(key.hash))?.scopes).toStrictEqual([]);
    });

    it('answers null for a hash or an id nobody has', async () => {
      await store().createKey(aKey('key-1'));
      expect(await store().findKeyByHash(hashFor('key-9'))).toBeNull();
      expect(await store().findKeyById('acme', 'key-9')).toBeNull();
      expect(await store().findKeyById(ALL_TENANTS, 'key-9')).toBeNull();
    });

    it('keeps its own copy: changing the record after createKey changes nothing stored', async () => {
      const key = aKey('key-1', { rateLimit: { perSecond: 10, burst: 20 } });
      await store().createKey(key);
      const expected = structuredClone(key);
      key.scopes.push('admin');
      key.rateLimit!.burst = 999;
      key.name = 'changed';
      const found = await store().findKeyByHash(key.hash);
      expect(found).toStrictEqual(expected);
      found!.scopes.push('admin');
      expect(await store().findKeyByHash(key.hash)).toStrictEqual(expected);
    });

    it('rejects a second key with the same id, keeping the first', async () => {
      const first = aKey('key-1');
      await store().createKey(first);
      await expect(store().createKey(aKey('key-1', { hash: hashFor('other'), tenant: 'globex' }))).rejects.toThrow();
      expect(await store().countKeys()).toBe(1);
      expect(await store().findKeyById(ALL_TENANTS, 'key-1')).toStrictEqual(first);
      expect(await store().findKeyByHash(hashFor('other'))).toBeNull();
    });

    it('rejects a second key with the same hash, keeping the first', async () => {
      const first = aKey('key-1');
      await store().createKey(first);
      await expect(store().createKey(aKey('key-2', { hash: first.hash }))).rejects.toThrow();
      expect(await store().countKeys()).toBe(1);
      expect(await store().findKeyByHash(first.hash)).toStrictEqual(first);
      expect(await store().findKeyById(ALL_TENANTS, 'key-2')).toBeNull();
    });

    it("finds a key by id only within its own tenant, or in any tenant with '*'", async () => {
      const acme = aKey('key-a', { tenant: 'acme' });
      const globex = aKey('key-g', { tenant: 'globex' });
      await store().createKey(acme);
      await store().createKey(globex);
      expect(await store().findKeyById('acme', 'key-a')).toStrictEqual(acme);
      expect(await store().findKeyById('globex', 'key-a')).toBeNull();
      expect(await store().findKeyById('acme', 'key-g')).toBeNull();
      expect(await store().findKeyById(ALL_TENANTS, 'key-a')).toStrictEqual(acme);
      expect(await store().findKeyById(ALL_TENANTS, 'key-g')).toStrictEqual(globex);
    });

    it('counts every key in every tenant, revoked and expired ones included', async () => {
      expect(await store().countKeys()).toBe(0);
      await store().createKey(aKey('key-1', { tenant: 'acme' }));
      await store().createKey(aKey('key-2', { tenant: 'globex', revokedAt: T1 }));
      await store().createKey(aKey('key-3', { tenant: 'initech', expiresAt: T0 }));
      expect(await store().countKeys()).toBe(3);
    });
  });
}

function describeKeyListing(store: () => AccessStore): void {
  describe('listing keys', () => {
    // Created out of order; the expected order is createdAt, then id among keys created at the same instant.
    const keys = [
      aKey('key-c', { tenant: 'acme', createdAt: T2 }),
      aKey('key-b', { tenant: 'acme', createdAt: T1, revokedAt: T2 }),
      aKey('key-z', { tenant: 'acme', createdAt: T0, expiresAt: T1 }),
      aKey('key-a', { tenant: 'acme', createdAt: T1 }),
      aFullKey('key-g', { tenant: 'globex', createdAt: T1 }),
      aKey('key-h', { tenant: 'globex', createdAt: T3 }),
    ];
    const byId = (id: string) => keys.find((k) => k.id === id)!;
    const load = async () => {
      for (const key of keys) await store().createKey(key);
    };

    it("lists one tenant's keys by createdAt then id, revoked and expired ones included", async () => {
      await load();
      expect(await store().listKeys('acme')).toStrictEqual(['key-z', 'key-a', 'key-b', 'key-c'].map(byId));
      expect(await store().listKeys('globex')).toStrictEqual(['key-g', 'key-h'].map(byId));
    });

    it("lists every tenant's keys with '*', in the same order", async () => {
      await load();
      expect(await store().listKeys(ALL_TENANTS)).toStrictEqual(['key-z', 'key-a', 'key-b', 'key-g', 'key-c', 'key-h'].map(byId));
    });

    it('lists nothing for a tenant without keys', async () => {
      expect(await store().listKeys('acme')).toEqual([]);
      await load();
      expect(await store().listKeys('initech')).toEqual([]);
    });
  });
}

function describeRevocationAndExpiry(store: () => AccessStore): void {
  describe('revoking keys', () => {
    it('sets revokedAt and returns the key as now stored', async () => {
      const key = aFullKey('key-1', { revokedAt: null });
      await store().createKey(key);
      const revoked = await store().revokeKey('globex', 'key-1', T2);
      expect(revoked).toStrictEqual({ ...key, revokedAt: T2 });
      expect(await store().findKeyByHash(key.hash)).toStrictEqual(revoked);
    });

    it('keeps an earlier revokedAt when revoked again later', async () => {
      await store().createKey(aKey('key-1'));
      await store().revokeKey('acme', 'key-1', T1);
      expect((await store().revokeKey('acme', 'key-1', T3))?.revokedAt).toBe(T1);
      expect((await store().findKeyById('acme', 'key-1'))?.revokedAt).toBe(T1);
    });

    it('moves revokedAt to an earlier time, since the earlier one is the one kept', async () => {
      await store().createKey(aKey('key-1', { revokedAt: T3 }));
      expect((await store().revokeKey('acme', 'key-1', T1))?.revokedAt).toBe(T1);
      expect((await store().findKeyById('acme', 'key-1'))?.revokedAt).toBe(T1);
    });

    it("answers null and changes nothing for another tenant's key or an unknown id; '*' reaches any tenant", async () => {
      const key = aKey('key-1', { tenant: 'acme' });
      await store().createKey(key);
      expect(await store().revokeKey('globex', 'key-1', T2)).toBeNull();
      expect(await store().revokeKey('acme', 'key-9', T2)).toBeNull();
      expect(await store().findKeyByHash(key.hash)).toStrictEqual(key);
      expect(await store().revokeKey(ALL_TENANTS, 'key-1', T2)).toStrictEqual({ ...key, revokedAt: T2 });
    });

    it('revokes only the key named', async () => {
      const other = aKey('key-2');
      await store().createKey(aKey('key-1'));
      await store().createKey(other);
      await store().revokeKey('acme', 'key-1', T2);
      expect(await store().findKeyById('acme', 'key-2')).toStrictEqual(other);
    });
  });

  describe('expiring keys', () => {
    it('sets expiresAt on a key that never expired and returns the key as now stored', async () => {
      const key = aFullKey('key-1', { expiresAt: null });
      await store().createKey(key);
      const expiring = await store().expireKeyBy('globex', 'key-1', T3);
      expect(expiring).toStrictEqual({ ...key, expiresAt: T3 });
      expect(await store().findKeyByHash(key.hash)).toStrictEqual(expiring);
    });

    it('brings a later expiry forward', async () => {
      await store().createKey(aKey('key-1', { expiresAt: T4 }));
      expect((await store().expireKeyBy('acme', 'key-1', T2))?.expiresAt).toBe(T2);
      expect((await store().findKeyById('acme', 'key-1'))?.expiresAt).toBe(T2);
    });

    it('never pushes an earlier expiry back', async () => {
      const key = aKey('key-1', { expiresAt: T1 });
      await store().createKey(key);
      expect(await store().expireKeyBy('acme', 'key-1', T4)).toStrictEqual(key);
      expect((await store().findKeyById('acme', 'key-1'))?.expiresAt).toBe(T1);
    });

    it("answers null and changes nothing for another tenant's key or an unknown id; '*' reaches any tenant", async () => {
      const key = aKey('key-1', { tenant: 'acme', expiresAt: T4 });
      await store().createKey(key);
      expect(await store().expireKeyBy('globex', 'key-1', T1)).toBeNull();
      expect(await store().expireKeyBy('acme', 'key-9', T1)).toBeNull();
      expect(await store().findKeyByHash(key.hash)).toStrictEqual(key);
      expect(await store().expireKeyBy(ALL_TENANTS, 'key-1', T1)).toStrictEqual({ ...key, expiresAt: T1 });
    });
  });
}

function describeKeyUsage(store: () => AccessStore): void {
  describe('recording key usage', () => {
    it('adds requests to the count across calls and moves lastUsedAt forward, changing no other field', async () => {
      const key = aFullKey('key-1', { requestCount: 7, lastUsedAt: null });
      await store().createKey(key);
      await store().recordKeyUsage([{ keyId: 'key-1', requests: 3, lastUsedAt: T1 }]);
      expect(await store().findKeyByHash(key.hash)).toStrictEqual({ ...key, requestCount: 10, lastUsedAt: T1 });
      await store().recordKeyUsage([{ keyId: 'key-1', requests: 5, lastUsedAt: T3 }]);
      expect(await store().findKeyByHash(key.hash)).toStrictEqual({ ...key, requestCount: 15, lastUsedAt: T3 });
    });

    it('never moves lastUsedAt back, but still counts the requests', async () => {
      await store().createKey(aKey('key-1', { lastUsedAt: T3, requestCount: 1 }));
      await store().recordKeyUsage([{ keyId: 'key-1', requests: 4, lastUsedAt: T1 }]);
      const found = await store().findKeyById('acme', 'key-1');
      expect(found?.lastUsedAt).toBe(T3);
      expect(found?.requestCount).toBe(5);
    });

    it('records several keys in one call, and adds up one key named twice', async () => {
      await store().createKey(aKey('key-1'));
      await store().createKey(aKey('key-2', { tenant: 'globex', requestCount: 100 }));
      await store().createKey(aKey('key-3'));
      await store().recordKeyUsage([
        { keyId: 'key-1', requests: 2, lastUsedAt: T2 },
        { keyId: 'key-2', requests: 9, lastUsedAt: T1 },
        { keyId: 'key-1', requests: 1, lastUsedAt: T1 },
      ]);
      const usage = (await store().listKeys(ALL_TENANTS)).map((k) => [k.id, k.requestCount, k.lastUsedAt]);
      expect(usage).toEqual([['key-1', 3, T2], ['key-2', 109, T1], ['key-3', 0, null]]);
    });

    it('ignores unknown key ids without failing the others', async () => {
      await store().createKey(aKey('key-1'));
      await store().recordKeyUsage([
        { keyId: 'key-ghost', requests: 50, lastUsedAt: T2 },
        { keyId: 'key-1', requests: 2, lastUsedAt: T2 },
      ]);
      expect(await store().countKeys()).toBe(1);
      expect(await store().findKeyById(ALL_TENANTS, 'key-ghost')).toBeNull();
      expect(await store().findKeyById('acme', 'key-1')).toMatchObject({ requestCount: 2, lastUsedAt: T2 });
    });

    it('accepts an empty batch and changes nothing', async () => {
      const key = aKey('key-1', { requestCount: 4, lastUsedAt: T1 });
      await store().createKey(key);
      await store().recordKeyUsage([]);
      expect(await store().findKeyByHash(key.hash)).toStrictEqual(key);
    });
  });
}

function describeServerSecrets(store: () => AccessStore): void {
  describe('server secrets', () => {
    it('stores the first candidate and returns it to every later caller, whatever they propose', async () => {
      expect(await store().getOrCreateSecret('viewer-token-signing-key', 'first-secret')).toBe('first-secret');
      expect(await store().getOrCreateSecret('viewer-token-signing-key', 'second-secret')).toBe('first-secret');
      expect(await store().getOrCreateSecret('viewer-token-signing-key', 'third-secret')).toBe('first-secret');
    });

    it('keeps secrets of different names apart', async () => {
      expect(await store().getOrCreateSecret('alpha', 'a-1')).toBe('a-1');
      expect(await store().getOrCreateSecret('beta', 'b-1')).toBe('b-1');
      expect(await store().getOrCreateSecret('alpha', 'a-2')).toBe('a-1');
      expect(await store().getOrCreateSecret('beta', 'b-2')).toBe('b-1');
    });

    it('gives concurrent first callers one and the same secret', async () => {
      const candidates = Array.from({ length: 8 }, (_, i) => `candidate-${i}`);
      const answers = await Promise.all(candidates.map((c) => store().getOrCreateSecret('race', c)));
      expect(new Set(answers).size).toBe(1);
      expect(candidates).toContain(answers[0]);
      expect(await store().getOrCreateSecret('race', 'late')).toBe(answers[0]);
    });

    it('keeps a long secret with any characters intact', async () => {
      const secret = `${'Zm9v'.repeat(64)}+/=\u00e9\n`;
      expect(await store().getOrCreateSecret('long', secret)).toBe(secret);
      expect(await store().getOrCreateSecret('long', 'other')).toBe(secret);
    });
  });
}

import { ALL_TENANTS } from '@vellum/core';
import type { AccessStore, ApiKeyRecord, KeyUsage, TenantRecord, TenantScope } from '@vellum/core';

/**
 * Tenants, API keys and server secrets in Maps, for tests and the `memory:` store. Records are cloned on
 * the way in and out, so a caller changing an object it passed or received never changes what is stored
 * (as with a database). Timestamps are ISO-8601 UTC strings, so comparing them as text compares the times.
 */
export class InMemoryAccessStore implements AccessStore {
  readonly #tenants = new Map<string, TenantRecord>();
  readonly #keysById = new Map<string, ApiKeyRecord>();
  readonly #keyIdByHash = new Map<string, string>();
  readonly #secrets = new Map<string, string>();

  createTenant(tenant: TenantRecord): Promise<{ created: boolean }> {
    if (this.#tenants.has(tenant.id)) return Promise.resolve({ created: false });
    this.#tenants.set(tenant.id, structuredClone(tenant));
    return Promise.resolve({ created: true });
  }

  getTenant(id: string): Promise<TenantRecord | null> {
    return Promise.resolve(copyOrNull(this.#tenants.get(id)));
  }

  listTenants(): Promise<TenantRecord[]> {
    const tenants = [...this.#tenants.values()].sort((a, b) => compareText(a.id, b.id));
    return Promise.resolve(tenants.map((t) => structuredClone(t)));
  }

  createKey(record: ApiKeyRecord): Promise<void> {
    if (this.#keysById.has(record.id)) return Promise.reject(new Error('a key with this id already exists'));
    if (this.#keyIdByHash.has(record.hash)) return Promise.reject(new Error('a key with this hash already exists'));
    this.#keysById.set(record.id, structuredClone(record));
    this.#keyIdByHash.set(record.hash, record.id);
    return Promise.resolve();
  }

  findKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const id = this.#keyIdByHash.get(hash);
    return Promise.resolve(copyOrNull(id === undefined ? undefined : this.#keysById.get(id)));
  }

  findKeyById(tenant: TenantScope, id: string): Promise<ApiKeyRecord | null> {
    return Promise.resolve(copyOrNull(this.#keyInScope(tenant, id)));
  }

  listKeys(tenant: TenantScope): Promise<ApiKeyRecord[]> {
    const keys = [...this.#keysById.values()]
      .filter((k) => inScope(tenant, k))
      .sort((a, b) => compareText(a.createdAt, b.createdAt) || compareText(a.id, b.id));
    return Promise.resolve(keys.map((k) => structuredClone(k)));
  }

  countKeys(): Promise<number> {
    return Promise.resolve(this.#keysById.size);
  }

  revokeKey(tenant: TenantScope, id: string, at: string): Promise<ApiKeyRecord | null> {
    const key = this.#keyInScope(tenant, id);
    if (key !== undefined) key.revokedAt = earlierOf(key.revokedAt, at);
    return Promise.resolve(copyOrNull(key));
  }

  expireKeyBy(tenant: TenantScope, id: string, at: string): Promise<ApiKeyRecord | null> {
    const key = this.#keyInScope(tenant, id);
    if (key !== undefined) key.expiresAt = earlierOf(key.expiresAt, at);
    return Promise.resolve(copyOrNull(key));
  }

  recordKeyUsage(usage: readonly KeyUsage[]): Promise<void> {
    for (const entry of usage) {
      const key = this.#keysById.get(entry.keyId);
      if (key === undefined) continue; // deleted or never existed: usage is best-effort bookkeeping
      key.requestCount += entry.requests;
      if (key.lastUsedAt === null || entry.lastUsedAt > key.lastUsedAt) key.lastUsedAt = entry.lastUsedAt;
    }
    return Promise.resolve();
  }

  getOrCreateSecret(name: string, candidate: string): Promise<string> {
    const existing = this.#secrets.get(name);
    if (existing !== undefined) return Promise.resolve(existing);
    this.#secrets.set(name, candidate);
    return Promise.resolve(candidate);
  }

  /** The stored (mutable) key with this id, if it belongs to the tenant in scope. */
  #keyInScope(tenant: TenantScope, id: string): ApiKeyRecord | undefined {
    const key = this.#keysById.get(id);
    return key !== undefined && inScope(tenant, key) ? key : undefined;
  }
}

const inScope = (tenant: TenantScope, key: ApiKeyRecord): boolean => tenant === ALL_TENANTS || key.tenant === tenant;

const copyOrNull = <T>(value: T | undefined): T | null => (value === undefined ? null : structuredClone(value));

/** Code-unit order, the same as SQLite's default BINARY collation. */
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The earlier of a stored timestamp (null = never) and a new one. */
const earlierOf = (current: string | null, at: string): string => (current !== null && current <= at ? current : at);

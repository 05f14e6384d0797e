import type { TenantScope } from './EventStore.ts';

/** A tenant: every event, key and subscription belongs to exactly one. */
export interface TenantRecord {
  /** Letters, digits, `_ . : -`, at most 64 characters (see isTenantId in the server). */
  id: string;
  /** A human-readable label. */
  name: string;
  createdAt: string;
}

/** A token bucket: `perSecond` tokens refill each second, up to `burst` saved. */
export interface RateLimitSetting {
  perSecond: number;
  burst: number;
}

/** An API key as stored: never the secret itself, only its hash and a display prefix. */
export interface ApiKeyRecord {
  id: string;
  tenant: string;
  name: string;
  /** The first characters of the key, safe to display (`vk_3fA9…`). */
  prefix: string;
  /** Hex SHA-256 of the full key. */
  hash: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  /** This key's own rate limit; null means the server's default. */
  rateLimit: RateLimitSetting | null;
  /** The key this one replaced by rotation, if any. */
  rotatedFrom: string | null;
  /** Updated in batches (every second or so), not on every request. */
  lastUsedAt: string | null;
  requestCount: number;
}

/** Requests counted for one key since the last flush. */
export interface KeyUsage {
  keyId: string;
  requests: number;
  /** The newest use in this period; the stored value only ever moves forward. */
  lastUsedAt: string;
}

/**
 * Tenants, API keys and server secrets. Keys are looked up by hash on every request (through a short cache),
 * so findKeyByHash must be one index probe. No method ever receives or returns a raw key.
 */
export interface AccessStore {
  createTenant(tenant: TenantRecord): Promise<{ created: boolean }>;
  getTenant(id: string): Promise<TenantRecord | null>;
  /** Ordered by id. */
  listTenants(): Promise<TenantRecord[]>;

  /** Rejects if a key with the same id or hash exists. */
  createKey(record: ApiKeyRecord): Promise<void>;
  findKeyByHash(hash: string): Promise<ApiKeyRecord | null>;
  /** `tenant` scopes the lookup: another tenant's key id is not found ('*' = any tenant, for admins). */
  findKeyById(tenant: TenantScope, id: string): Promise<ApiKeyRecord | null>;
  /** The tenant's keys ('*' = every tenant), revoked and expired ones included, ordered by createdAt then id. */
  listKeys(tenant: TenantScope): Promise<ApiKeyRecord[]>;
  countKeys(): Promise<number>;
  /** Sets revokedAt (keeping an earlier one). Returns the key as now stored; null when no such key in that tenant. */
  revokeKey(tenant: TenantScope, id: string, at: string): Promise<ApiKeyRecord | null>;
  /** Sets expiresAt to `at` unless it already expires earlier. Same return as revokeKey. */
  expireKeyBy(tenant: TenantScope, id: string, at: string): Promise<ApiKeyRecord | null>;
  /** Adds each entry's requests to the key's count and moves lastUsedAt forward (never back). Unknown ids are ignored. */
  recordKeyUsage(usage: readonly KeyUsage[]): Promise<void>;

  /**
   * A named server secret (e.g. the viewer-token signing key), the same on every node sharing the store.
   * The first caller's `candidate` is stored; every later call, on any node, returns that stored value.
   */
  getOrCreateSecret(name: string, candidate: string): Promise<string>;
}

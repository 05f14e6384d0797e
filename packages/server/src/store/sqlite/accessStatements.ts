import { ALL_TENANTS } from '@vellum/core';
import type { ApiKeyRecord, KeyUsage, TenantRecord, TenantScope } from '@vellum/core';
import type { SqliteConnection } from './SqliteConnection.ts';
import type { StatementCache } from './StatementCache.ts';

/**
 * The AccessStore's SQL on SQLite: tenants, API keys and server secrets (tables from migration 3).
 * Everything here is synchronous driver work; SqliteEventStore decides which calls need a writable store
 * and turns results and failures into promises. Timestamps are ISO-8601 UTC text as `toISOString()` writes
 * it, so comparing them as text (the BINARY collation) compares the instants.
 */

const KEY_COLUMNS = `id, tenant, name, prefix, hash, scopes, created_at, expires_at, revoked_at,
  rate_limit_per_second, rate_limit_burst, rotated_from, last_used_at, request_count`;

/** `WHERE` for one key by id, limited to a tenant unless the scope is every tenant. Named parameters :id, :tenant. */
const keyInScope = (tenant: TenantScope): string => (tenant === ALL_TENANTS ? 'id = :id' : 'id = :id AND tenant = :tenant');

/** A new timestamp wins only when the stored one is missing or later: the earlier instant is kept. */
const earlierOf = (column: string): string =>
  `CASE WHEN ${column} IS NOT NULL AND ${column} <= :at THEN ${column} ELSE :at END`;

const SQL = {
  insertTenant: 'INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING',
  tenantById: 'SELECT id, name, created_at FROM tenants WHERE id = ?',
  allTenants: 'SELECT id, name, created_at FROM tenants ORDER BY id',

  insertKey: `INSERT INTO api_keys (${KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  keyByHash: `SELECT ${KEY_COLUMNS} FROM api_keys WHERE hash = ?`,
  keyById: (tenant: TenantScope) => `SELECT ${KEY_COLUMNS} FROM api_keys WHERE ${keyInScope(tenant)}`,
  keysOfTenant: `SELECT ${KEY_COLUMNS} FROM api_keys WHERE tenant = ? ORDER BY created_at, id`,
  keysOfAllTenants: `SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY created_at, id`,
  countKeys: 'SELECT COUNT(*) FROM api_keys',
  revokeKey: (tenant: TenantScope) =>
    `UPDATE api_keys SET revoked_at = ${earlierOf('revoked_at')} WHERE ${keyInScope(tenant)} RETURNING ${KEY_COLUMNS}`,
  expireKey: (tenant: TenantScope) =>
    `UPDATE api_keys SET expires_at = ${earlierOf('expires_at')} WHERE ${keyInScope(tenant)} RETURNING ${KEY_COLUMNS}`,
  // An unknown id updates no row, which is exactly "ignored".
  recordUsage: `UPDATE api_keys
    SET request_count = request_count + :requests,
        last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < :at THEN :at ELSE last_used_at END
    WHERE id = :id`,

  // Two nodes may race to create a secret: both inserts are harmless, and both then read the one that won.
  insertSecret: 'INSERT INTO server_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING',
  secretByName: 'SELECT value FROM server_secrets WHERE name = ?',
} as const;

interface TenantRow {
  id: string;
  name: string;
  created_at: string;
}

interface ApiKeyRow {
  id: string;
  tenant: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  rate_limit_per_second: number | null;
  rate_limit_burst: number | null;
  rotated_from: string | null;
  last_used_at: string | null;
  request_count: number;
}

const toTenant = (row: TenantRow): TenantRecord => ({ id: row.id, name: row.name, createdAt: row.created_at });

const toKey = (row: ApiKeyRow): ApiKeyRecord => ({
  id: row.id,
  tenant: row.tenant,
  name: row.name,
  prefix: row.prefix,
  hash: row.hash,
  scopes: JSON.parse(row.scopes) as string[],
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  // A CHECK keeps the two columns both set or both null.
  rateLimit: row.rate_limit_per_second === null || row.rate_limit_burst === null
    ? null
    : { perSecond: row.rate_limit_per_second, burst: row.rate_limit_burst },
  rotatedFrom: row.rotated_from,
  lastUsedAt: row.last_used_at,
  requestCount: row.request_count,
});

const keyOrNull = (row: ApiKeyRow | undefined): ApiKeyRecord | null => (row === undefined ? null : toKey(row));

/** AccessStore operations over one connection; statements are prepared on first use and kept. */
export class SqliteAccessStatements {
  readonly #db: SqliteConnection;
  readonly #statements: StatementCache;

  constructor(db: SqliteConnection, statements: StatementCache) {
    this.#db = db;
    this.#statements = statements;
  }

  createTenant(tenant: TenantRecord): { created: boolean } {
    const { changes } = this.#statements.get(SQL.insertTenant).run(tenant.id, tenant.name, tenant.createdAt);
    return { created: changes === 1 };
  }

  getTenant(id: string): TenantRecord | null {
    const row = this.#statements.get<TenantRow>(SQL.tenantById).get(id);
    return row === undefined ? null : toTenant(row);
  }

  listTenants(): TenantRecord[] {
    return this.#statements.get<TenantRow>(SQL.allTenants).all().map(toTenant);
  }

  /** Throws (a constraint error) when the id or the hash is taken. */
  createKey(key: ApiKeyRecord): void {
    this.#statements.get(SQL.insertKey).run(
      key.id, key.tenant, key.name, key.prefix, key.hash, JSON.stringify(key.scopes), key.createdAt, key.expiresAt,
      key.revokedAt, key.rateLimit?.perSecond ?? null, key.rateLimit?.burst ?? null, key.rotatedFrom, key.lastUsedAt,
      key.requestCount,
    );
  }

  findKeyByHash(hash: string): ApiKeyRecord | null {
    return keyOrNull(this.#statements.get<ApiKeyRow>(SQL.keyByHash).get(hash));
  }

  findKeyById(tenant: TenantScope, id: string): ApiKeyRecord | null {
    return keyOrNull(this.#statements.get<ApiKeyRow>(SQL.keyById(tenant)).get({ id, tenant }));
  }

  listKeys(tenant: TenantScope): ApiKeyRecord[] {
    const rows = tenant === ALL_TENANTS
      ? this.#statements.get<ApiKeyRow>(SQL.keysOfAllTenants).all()
      : this.#statements.get<ApiKeyRow>(SQL.keysOfTenant).all(tenant);
    return rows.map(toKey);
  }

  countKeys(): number {
    return this.#statements.get(SQL.countKeys).pluck().get() as number;
  }

  revokeKey(tenant: TenantScope, id: string, at: string): ApiKeyRecord | null {
    return keyOrNull(this.#statements.get<ApiKeyRow>(SQL.revokeKey(tenant)).get({ id, tenant, at }));
  }

  expireKeyBy(tenant: TenantScope, id: string, at: string): ApiKeyRecord | null {
    return keyOrNull(this.#statements.get<ApiKeyRow>(SQL.expireKey(tenant)).get({ id, tenant, at }));
  }

  /** One transaction for the whole batch: one fsync, and never half a flush on disk. */
  recordKeyUsage(usage: readonly KeyUsage[]): void {
    if (usage.length === 0) return;
    const update = this.#statements.get(SQL.recordUsage);
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      for (const entry of usage) update.run({ id: entry.keyId, requests: entry.requests, at: entry.lastUsedAt });
      this.#db.exec('COMMIT');
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  getOrCreateSecret(name: string, candidate: string, now: string): string {
    this.#statements.get(SQL.insertSecret).run(name, candidate, now);
    return this.#statements.get(SQL.secretByName).pluck().get(name) as string;
  }
}

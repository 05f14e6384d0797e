import { ALL_TENANTS } from '@vellum/core';
import type { AccessStore, ApiKeyRecord, KeyUsage, TenantRecord, TenantScope } from '@vellum/core';
import { secretStatements, tenantRecord, tenantStatements, type SecretStatements, type TenantRow, type TenantStatements } from './accessSql.ts';
import { apiKeyRecord, createKeyQuery, keyStatements, recordUsageQuery, type ApiKeyRow, type KeyStatements, type Scoped } from './apiKeysSql.ts';
import { columnText } from './eventColumns.ts';
import type { PgQueryConfig } from './PgPool.ts';
import type { TableNames } from './sqlNames.ts';
import { run } from './statement.ts';
import { NO_TENANT, type TenantPool } from './TenantPool.ts';

/**
 * Tenants, API keys and server secrets on PostgreSQL (the AccessStore half of PostgresEventStore). Each
 * statement names its row scope: the tenant it concerns, or '*' where the tenant is not known yet (a key
 * looked up by its hash) or every tenant is meant (admin lists, usage flushes covering many tenants' keys).
 */
export class PostgresAccessStore implements AccessStore {
  readonly #pool: TenantPool;
  readonly #keys: KeyStatements;
  readonly #tenants: TenantStatements;
  readonly #secrets: SecretStatements;

  constructor(pool: TenantPool, t: TableNames) {
    this.#pool = pool;
    this.#keys = keyStatements(t);
    this.#tenants = tenantStatements(t);
    this.#secrets = secretStatements(t);
  }

  async createTenant(tenant: TenantRecord): Promise<{ created: boolean }> {
    const id = columnText(tenant.id);
    const { rowCount } = await this.#pool.query(id, run(this.#tenants.create, [id, columnText(tenant.name), tenant.createdAt]));
    return { created: rowCount === 1 };
  }

  async getTenant(id: string): Promise<TenantRecord | null> {
    const [row] = await this.#pool.rows<TenantRow>(id, run(this.#tenants.get, [columnText(id)]));
    return row === undefined ? null : tenantRecord(row);
  }

  async listTenants(): Promise<TenantRecord[]> {
    return (await this.#pool.rows<TenantRow>(ALL_TENANTS, run(this.#tenants.list, []))).map(tenantRecord);
  }

  async createKey(record: ApiKeyRecord): Promise<void> {
    await this.#pool.query(record.tenant, createKeyQuery(this.#keys, record));
  }

  async findKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    return this.#oneKey(ALL_TENANTS, run(this.#keys.findByHash, [columnText(hash)]));
  }

  findKeyById(tenant: TenantScope, id: string): Promise<ApiKeyRecord | null> {
    return this.#oneKey(tenant, this.#scoped(this.#keys.findById, tenant, [columnText(id)]));
  }

  async listKeys(tenant: TenantScope): Promise<ApiKeyRecord[]> {
    const q = tenant === ALL_TENANTS ? run(this.#keys.list.any, []) : run(this.#keys.list.tenant, [columnText(tenant)]);
    return (await this.#pool.rows<ApiKeyRow>(tenant, q)).map(apiKeyRecord);
  }

  async countKeys(): Promise<number> {
    const [row] = await this.#pool.rows<{ n: string }>(ALL_TENANTS, run(this.#keys.count, []));
    return Number(row?.n ?? 0);
  }

  revokeKey(tenant: TenantScope, id: string, at: string): Promise<ApiKeyRecord | null> {
    return this.#oneKey(tenant, this.#scoped(this.#keys.revoke, tenant, [columnText(id), at]));
  }

  expireKeyBy(tenant: TenantScope, id: string, at: string): Promise<ApiKeyRecord | null> {
    return this.#oneKey(tenant, this.#scoped(this.#keys.expire, tenant, [columnText(id), at]));
  }

  async recordKeyUsage(usage: readonly KeyUsage[]): Promise<void> {
    if (usage.length === 0) return;
    await this.#pool.query(ALL_TENANTS, recordUsageQuery(this.#keys, usage));
  }

  async getOrCreateSecret(name: string, candidate: string): Promise<string> {
    await this.#pool.query(NO_TENANT, run(this.#secrets.offer, [name, candidate]));
    const [row] = await this.#pool.rows<{ value: string }>(NO_TENANT, run(this.#secrets.read, [name]));
    if (row === undefined) throw new Error(`server secret "${name}" vanished after it was stored`);
    return row.value;
  }

  /** The statement's any-tenant form for '*', else its tenant form with the tenant as the last parameter. */
  #scoped(s: Scoped, tenant: TenantScope, values: unknown[]): PgQueryConfig {
    return tenant === ALL_TENANTS ? run(s.any, values) : run(s.tenant, [...values, columnText(tenant)]);
  }

  async #oneKey(scope: TenantScope, q: PgQueryConfig): Promise<ApiKeyRecord | null> {
    const [row] = await this.#pool.rows<ApiKeyRow>(scope, q);
    return row === undefined ? null : apiKeyRecord(row);
  }
}

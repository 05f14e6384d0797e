import type { TenantRecord } from '@vellum/core';
import { statement, type Statement } from './statement.ts';
import type { TableNames } from './sqlNames.ts';

export interface TenantStatements {
  /** Inserts unless the id exists (the original is kept); one row affected = created. */
  create: Statement;
  get: Statement;
  list: Statement;
}

export interface TenantRow {
  id: string;
  name: string;
  created_at: Date;
}

export function tenantStatements(t: TableNames): TenantStatements {
  return {
    create: statement(`INSERT INTO ${t.tenants} (id, name, created_at) VALUES ($1, $2, $3::timestamptz) ON CONFLICT (id) DO NOTHING`),
    get: statement(`SELECT id, name, created_at FROM ${t.tenants} WHERE id = $1`),
    list: statement(`SELECT id, name, created_at FROM ${t.tenants} ORDER BY id`),
  };
}

export const tenantRecord = (r: TenantRow): TenantRecord => ({ id: r.id, name: r.name, createdAt: r.created_at.toISOString() });

/**
 * A secret is stored by the first caller on any node and never changed: INSERT ... ON CONFLICT DO NOTHING,
 * then SELECT as a separate statement. One statement would not do: its snapshot predates a concurrent first
 * insert that its INSERT then waits for and skips, so it would find no row. The second statement's fresh
 * snapshot (READ COMMITTED) sees whichever insert won.
 */
export interface SecretStatements {
  offer: Statement;
  read: Statement;
}

export function secretStatements(t: TableNames): SecretStatements {
  return {
    offer: statement(`INSERT INTO ${t.serverSecrets} (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`),
    read: statement(`SELECT value FROM ${t.serverSecrets} WHERE name = $1`),
  };
}

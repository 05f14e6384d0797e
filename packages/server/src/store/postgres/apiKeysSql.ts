import type { ApiKeyRecord } from '@vellum/core';
import { run, statement, type Statement } from './statement.ts';
import type { PgQueryConfig } from './PgPool.ts';
import type { TableNames } from './sqlNames.ts';
import { columnText } from './eventColumns.ts';

export interface KeyStatements {
  create: Statement;
  findByHash: Statement;
  count: Statement;
}

export interface ApiKeyRow {
  id: string;
  tenant: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: string[];
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

export function keyStatements(t: TableNames): KeyStatements {
  return {
    create: statement(`INSERT INTO ${t.apiKeys} (id, tenant, name, prefix, hash, scopes, created_at, expires_at, revoked_at)
      VALUES ($1, $2, $3, $4, $5, $6::text[], $7::timestamptz, $8::timestamptz, $9::timestamptz)`),
    findByHash: statement(`SELECT id, tenant, name, prefix, hash, scopes, created_at, expires_at, revoked_at FROM ${t.apiKeys} WHERE hash = $1`),
    count: statement(`SELECT count(*) AS n FROM ${t.apiKeys}`),
  };
}

export const createKeyQuery = (s: KeyStatements, r: ApiKeyRecord): PgQueryConfig =>
  run(s.create, [r.id, r.tenant, r.name, r.prefix, r.hash, r.scopes, r.createdAt, r.expiresAt, r.revokedAt].map(
    (v) => (typeof v === 'string' ? columnText(v) : Array.isArray(v) ? v.map(columnText) : v),
  ));

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

export const apiKeyRecord = (r: ApiKeyRow): ApiKeyRecord => ({
  id: r.id,
  tenant: r.tenant,
  name: r.name,
  prefix: r.prefix,
  hash: r.hash,
  scopes: r.scopes,
  createdAt: r.created_at.toISOString(),
  expiresAt: iso(r.expires_at),
  revokedAt: iso(r.revoked_at),
});

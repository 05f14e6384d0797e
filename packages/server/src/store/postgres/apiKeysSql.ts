import type { ApiKeyRecord, KeyUsage } from '@vellum/core';
import { run, statement, type Statement } from './statement.ts';
import type { PgQueryConfig } from './PgPool.ts';
import type { TableNames } from './sqlNames.ts';
import { columnText } from './eventColumns.ts';

/** Statements with a tenant-scoped form (the tenant is the last parameter) and an any-tenant ('*') form. */
export interface Scoped {
  tenant: Statement;
  any: Statement;
}

export interface KeyStatements {
  create: Statement;
  findByHash: Statement;
  findById: Scoped;
  list: Scoped;
  count: Statement;
  revoke: Scoped;
  expire: Scoped;
  recordUsage: Statement;
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
  rate_limit_per_second: number | null;
  rate_limit_burst: number | null;
  rotated_from: string | null;
  last_used_at: Date | null;
  /** bigint: pg returns it as a string. */
  request_count: string;
}

const COLUMNS = `id, tenant, name, prefix, hash, scopes, created_at, expires_at, revoked_at,
  rate_limit_per_second, rate_limit_burst, rotated_from, last_used_at, request_count`;

export function keyStatements(t: TableNames): KeyStatements {
  const scoped = (parameters: number, sql: (tenantCondition: string) => string): Scoped => ({
    tenant: statement(sql(` AND tenant = $${parameters + 1}`)),
    any: statement(sql('')),
  });
  return {
    create: statement(`INSERT INTO ${t.apiKeys} (${COLUMNS})
      VALUES ($1, $2, $3, $4, $5, $6::text[], $7::timestamptz, $8::timestamptz, $9::timestamptz,
        $10::double precision, $11::integer, $12, $13::timestamptz, $14::bigint)`),
    findByHash: statement(`SELECT ${COLUMNS} FROM ${t.apiKeys} WHERE hash = $1`),
    findById: scoped(1, (c) => `SELECT ${COLUMNS} FROM ${t.apiKeys} WHERE id = $1${c}`),
    list: {
      tenant: statement(`SELECT ${COLUMNS} FROM ${t.apiKeys} WHERE tenant = $1 ORDER BY created_at, id`),
      any: statement(`SELECT ${COLUMNS} FROM ${t.apiKeys} ORDER BY created_at, id`),
    },
    count: statement(`SELECT count(*) AS n FROM ${t.apiKeys}`),
    // LEAST ignores NULL: a key never revoked (or never expiring) takes the new time; otherwise the earlier wins.
    revoke: scoped(2, (c) => `UPDATE ${t.apiKeys} SET revoked_at = LEAST(revoked_at, $2::timestamptz) WHERE id = $1${c} RETURNING ${COLUMNS}`),
    expire: scoped(2, (c) => `UPDATE ${t.apiKeys} SET expires_at = LEAST(expires_at, $2::timestamptz) WHERE id = $1${c} RETURNING ${COLUMNS}`),
    recordUsage: statement(recordUsageSql(t)),
  };
}

/**
 * Every node flushes its counts about once a second, so flushes of overlapping keys meet all the time. One
 * statement: the usage arrays, summed per key (a key may be named twice), added to the counts. The keys are
 * locked first, all of them, in id order (the sub-select under ARRAY() runs once, before the update touches a
 * row), so two nodes' flushes queue behind each other instead of deadlocking whatever order their keys came
 * in. GREATEST ignores NULL: lastUsedAt only moves forward. Unknown ids match no row and are ignored.
 */
function recordUsageSql(t: TableNames): string {
  return `
    WITH usage AS (
      SELECT id, sum(requests) AS requests, max(last_used_at) AS last_used_at
        FROM unnest($1::text[], $2::bigint[], $3::timestamptz[]) AS u(id, requests, last_used_at)
       GROUP BY id
    )
    UPDATE ${t.apiKeys} k
       SET request_count = k.request_count + usage.requests,
           last_used_at = GREATEST(k.last_used_at, usage.last_used_at)
      FROM usage
     WHERE k.id = usage.id
       AND k.id = ANY (ARRAY(SELECT l.id FROM ${t.apiKeys} l WHERE l.id = ANY ($1::text[]) ORDER BY l.id FOR UPDATE))`;
}

const text = (s: string | null): string | null => (s === null ? null : columnText(s));

export const createKeyQuery = (s: KeyStatements, r: ApiKeyRecord): PgQueryConfig =>
  run(s.create, [
    columnText(r.id), columnText(r.tenant), columnText(r.name), columnText(r.prefix), columnText(r.hash), r.scopes.map(columnText),
    r.createdAt, r.expiresAt, r.revokedAt, r.rateLimit?.perSecond ?? null, r.rateLimit?.burst ?? null,
    text(r.rotatedFrom), r.lastUsedAt, r.requestCount,
  ]);

export const recordUsageQuery = (s: KeyStatements, usage: readonly KeyUsage[]): PgQueryConfig =>
  run(s.recordUsage, [usage.map((u) => columnText(u.keyId)), usage.map((u) => u.requests), usage.map((u) => u.lastUsedAt)]);

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
  rateLimit: r.rate_limit_per_second === null || r.rate_limit_burst === null
    ? null
    : { perSecond: r.rate_limit_per_second, burst: r.rate_limit_burst },
  rotatedFrom: r.rotated_from,
  lastUsedAt: iso(r.last_used_at),
  requestCount: Number(r.request_count),
});

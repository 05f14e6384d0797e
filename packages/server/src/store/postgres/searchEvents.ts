import { ALL_TENANTS, decodeCursor, encodeCursor } from '@vellum/core';
import type { SearchPage, SearchQuery, StoredEvent, TenantScope } from '@vellum/core';
import type { PgQueryConfig } from './PgPool.ts';
import { filterConditions, Params } from './filterSql.ts';
import type { TableNames } from './sqlNames.ts';
import { columnText } from './eventColumns.ts';

/**
 * Keyset search: `WHERE <filters> AND position < cursor ORDER BY position DESC LIMIT n+1`. The extra row tells
 * whether a next page exists. One tenant pages by its position; the system-wide trail ('*') by the global `seq`.
 * Left unnamed (not prepared) on purpose: the planner sees the actual values and picks the narrowest index.
 */
export function searchSql(t: TableNames, tenant: TenantScope, q: SearchQuery): PgQueryConfig {
  const p = new Params();
  const all = tenant === ALL_TENANTS;
  const key = all ? 'seq' : 'position';
  const where = all ? [] : [`tenant = ${p.add(columnText(tenant))}`];
  where.push(...filterConditions(q, p));
  const order = q.order === 'asc' ? 'ASC' : 'DESC';
  if (q.cursor !== undefined) where.push(`${key} ${order === 'ASC' ? '>' : '<'} ${p.add(decodeCursor(q.cursor).k)}`);
  const text = `SELECT ${key} AS k, body FROM ${t.events}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}
    ORDER BY ${key} ${order} LIMIT ${p.add(q.limit + 1)}`;
  return { text, values: p.values };
}

export function searchPage(rows: ReadonlyArray<{ k: string; body: string }>, limit: number): SearchPage {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    events: page.map((r) => JSON.parse(r.body) as StoredEvent),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor({ k: Number(last.k) }) : null,
  };
}

import { ALL_TENANTS, decodeCursor, encodeCursor } from '@vellum/core';
import type { SearchPage, SearchQuery, StoredEvent, TenantScope } from '@vellum/core';
import type { PgQueryConfig } from './PgPool.ts';
import { filterConditions, Params } from './filterSql.ts';
import type { TableNames } from './sqlNames.ts';
import { columnText } from './eventColumns.ts';
import { entityArms } from './entityArms.ts';

/**
 * Keyset search: `WHERE <filters> AND position < cursor ORDER BY position DESC LIMIT n+1`. The extra row tells
 * whether a next page exists. One tenant pages by its position; the system-wide trail ('*') by the global `seq`.
 * Left unnamed (not prepared) on purpose: the planner sees the actual values and picks the narrowest index. An
 * entity filter reads two indexes, a page from each (entityArms.ts).
 */
export function searchSql(t: TableNames, tenant: TenantScope, q: SearchQuery): PgQueryConfig {
  const p = new Params();
  const all = tenant === ALL_TENANTS;
  const key = all ? 'seq' : 'position';
  const where = all ? [] : [`tenant = ${p.add(columnText(tenant))}`];
  where.push(...filterConditions(q, p));
  const order = q.order === 'asc' ? 'ASC' : 'DESC';
  if (q.cursor !== undefined) where.push(`${key} ${order === 'ASC' ? '>' : '<'} ${p.add(decodeCursor(q.cursor).k)}`);
  const arms = entityArms(tenant, q, p);
  const limit = p.add(q.limit + 1);
  if (arms !== undefined) {
    // Each arm walks its index in log order and stops after a page; the outer ORDER BY merges the two pages.
    const pages = arms.map((arm) => `(SELECT position AS k, body FROM ${t.events} WHERE ${[...where, arm.condition].join(' AND ')}
      ORDER BY ${arm.logOrderColumn} ${order} LIMIT ${limit})`);
    return { text: `SELECT k, body FROM (${pages.join(' UNION ALL ')}) arms ORDER BY k ${order} LIMIT ${limit}`, values: p.values };
  }
  const text = `SELECT ${key} AS k, body FROM ${t.events}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}
    ORDER BY ${key} ${order} LIMIT ${limit}`;
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

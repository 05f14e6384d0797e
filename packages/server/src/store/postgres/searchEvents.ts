import { ALL_TENANTS, decodeCursor, encodeCursor, entityStreamHint, entityStreamOf } from '@vellum/core';
import type { CursorKey, SearchPage, SearchQuery, StoredEvent, TenantScope } from '@vellum/core';
import type { PgQueryConfig } from './PgPool.ts';
import { filterConditions, Params } from './filterSql.ts';
import type { TableNames } from './sqlNames.ts';
import { columnText } from './eventColumns.ts';
import { entityArms, type EntityArm } from './entityArms.ts';
import { streamVersionAtCursor } from '../streamVersionAtCursor.ts';

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
  const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  if (cursor !== undefined) where.push(`${key} ${order === 'ASC' ? '>' : '<'} ${p.add(cursor.k)}`);
  const arms = entityArms(tenant, q, p);
  const limit = p.add(q.limit + 1);
  if (arms !== undefined) {
    // Each arm walks its index in log order and stops after a page; the outer ORDER BY merges the two pages.
    const armPage = (arm: EntityArm) => `SELECT position AS k, body FROM ${t.events} WHERE ${[...where, arm.condition].join(' AND ')}
      ORDER BY ${arm.logOrderColumn} ${order} LIMIT ${limit}`;
    const pages = arms.map((arm, i) => i === 0 && cursor !== undefined
      ? streamPageFrom(t, arm, armPage, tenant as string, entityStreamOf(q) as string, cursor, order, p)
      : armPage(arm));
    return { text: `SELECT k, body FROM (${pages.map((page) => `(${page})`).join(' UNION ALL ')}) arms ORDER BY k ${order} LIMIT ${limit}`, values: p.values };
  }
  const text = `SELECT ${key} AS k, body FROM ${t.events}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}
    ORDER BY ${key} ${order} LIMIT ${limit}`;
  return { text, values: p.values };
}

/**
 * The stream arm's page of a search that continues from a cursor, starting at the cursor rather than at the stream's
 * end (streamVersionAtCursor.ts says which version bounds it).
 *
 * The version comes in as a one-row LATERAL input (fenced with OFFSET 0) rather than as sub-selects in the condition:
 * under row-level security a condition holding a sub-select is not leakproof, so it is applied after the policy as
 * a filter — the walk stepped over the rows all the same — while a column of another input is an index bound.
 */
function streamPageFrom(
  t: TableNames, arm: EntityArm, armPage: (arm: EntityArm) => string,
  tenant: string, stream: string, cursor: CursorKey, order: 'ASC' | 'DESC', p: Params,
): string {
  const sql = { events: t.events, param: (value: unknown) => p.add(typeof value === 'string' ? columnText(value) : value) };
  const bound = streamVersionAtCursor(sql, tenant, stream, cursor, order === 'DESC');
  return `SELECT arm.k, arm.body FROM (SELECT ${bound} AS v OFFSET 0) bound
    CROSS JOIN LATERAL (${armPage({ ...arm, condition: `${arm.condition} AND stream_version ${order === 'DESC' ? '<' : '>'} bound.v` })}) arm`;
}

export function searchPage(rows: ReadonlyArray<{ k: string; body: string }>, tenant: TenantScope, q: SearchQuery): SearchPage {
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  const events = page.map((r) => JSON.parse(r.body) as StoredEvent);
  return { events, nextCursor: rows.length > q.limit && last !== undefined ? encodeCursor({ k: Number(last.k), s: entityStreamHint(tenant, q, events) }) : null };
}

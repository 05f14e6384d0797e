import { ALL_TENANTS, decodeCursor, encodeCursor, entityStreamHint, entityStreamOf } from '@vellum/core';
import type { CursorKey, SearchPage, SearchQuery, StoredEvent, TenantScope } from '@vellum/core';
import { entitySearchArms, type EntityArm } from './entitySearchArms.ts';
import { filterSql } from './filterSql.ts';
import { streamVersionAtCursor } from '../streamVersionAtCursor.ts';
import type { StatementCache } from './StatementCache.ts';

export interface SearchSql {
  sql: string;
  params: unknown[];
}

/**
 * Keyset-paginated search in log order. Within one tenant the sort key is the position; across tenants
 * (ALL_TENANTS) it is the global rowid `seq`, which orders every tenant's events the same way their
 * positions do. A page fetches one row more than asked so `nextCursor` is only set when more exist.
 */
export function searchSql(scope: TenantScope, query: SearchQuery): SearchSql {
  const allTenants = scope === ALL_TENANTS;
  // Within one stream, version order is position order; sorting on it lets the (tenant, stream, version)
  // index hand rows out in order instead of sorting a long stream.
  const byStreamVersion = !allTenants && query.stream !== undefined;
  // A tag or changed-field search is driven from its side table, whose key (tenant, tag, position) is
  // already in log order: rare and common tags alike stop after one page, with one event lookup per row.
  const tag = query.tags?.[0];
  const drivenBy = allTenants || byStreamVersion ? undefined
    : tag !== undefined ? { tag } : query.field !== undefined ? { field: query.field } : undefined;
  const { conditions, params } = filterSql(scope, query, { globsInLogOrder: true, ...(drivenBy === undefined ? {} : { drivenBy }) });
  const desc = query.order === 'desc';
  const after = desc ? '<' : '>';
  const direction = desc ? 'DESC' : 'ASC';
  const decoded = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const cursor = decoded?.k;

  const arms = byStreamVersion || drivenBy !== undefined ? undefined : entitySearchArms(scope, query);
  if (arms !== undefined) {
    // Each arm walks its index in log order and stops after a page; the compound ORDER BY merges them.
    if (cursor !== undefined) {
      conditions.push(`e.position ${after} ?`);
      params.push(cursor);
    }
    const streamArm = decoded === undefined ? arms[0] : streamArmFrom(arms[0], scope as string, entityStreamOf(query) as string, decoded, desc);
    const parts = [streamArm, arms[1]].map((arm) => ({
      sql: `SELECT * FROM (SELECT e.seq AS seq, e.position AS position, e.body AS body FROM events e INDEXED BY ${arm.index} ` +
        `WHERE ${[...conditions, arm.condition].join(' AND ')} ORDER BY ${arm.logOrderColumn} ${direction} LIMIT ?)`,
      params: [...params, ...arm.params, query.limit + 1],
    }));
    return {
      sql: `${parts.map((p) => p.sql).join(' UNION ALL ')} ORDER BY position ${direction} LIMIT ?`,
      params: [...parts.flatMap((p) => p.params), query.limit + 1],
    };
  }

  const sortColumn = allTenants ? 'e.seq' : byStreamVersion ? 'e.stream_version' : drivenBy !== undefined ? 'd.position' : 'e.position';
  let from = 'events e';
  if (drivenBy !== undefined) {
    const [table, column, value] = 'tag' in drivenBy ? ['event_tags', 'tag', drivenBy.tag] : ['event_fields', 'field', drivenBy.field];
    from = `${table} d JOIN events e ON e.tenant = d.tenant AND e.position = d.position`;
    conditions.unshift(`d.tenant = ? AND d.${column} = ?`);
    params.unshift(scope, value);
  }
  if (cursor !== undefined) {
    const k = cursor;
    if (byStreamVersion) {
      conditions.push(`e.stream_version ${after} (SELECT c.stream_version FROM events c WHERE c.tenant = ? AND c.position = ?)`);
      params.push(scope, k);
    } else {
      conditions.push(`${sortColumn} ${after} ?`);
      params.push(k);
    }
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  params.push(query.limit + 1);
  return {
    sql: `SELECT e.seq AS seq, e.position AS position, e.body AS body FROM ${from} ${where} ORDER BY ${sortColumn} ${direction} LIMIT ?`,
    params,
  };
}

/** The stream arm of a search that continues from a cursor, starting at the cursor rather than at the stream's end. */
function streamArmFrom(arm: EntityArm, scope: string, stream: string, cursor: CursorKey, desc: boolean): EntityArm {
  const params: unknown[] = [];
  const sql = { events: 'events', param: (value: unknown) => { params.push(value); return '?'; } };
  const bound = streamVersionAtCursor(sql, scope, stream, cursor, desc);
  return { ...arm, condition: `${arm.condition} AND e.stream_version ${desc ? '<' : '>'} ${bound}`, params: [...arm.params, ...params] };
}

interface SearchRow {
  seq: number;
  position: number;
  body: string;
}

export function searchEvents(statements: StatementCache, scope: TenantScope, query: SearchQuery): SearchPage {
  const { sql, params } = searchSql(scope, query);
  const rows = statements.get<SearchRow>(sql).all(...params);
  const more = rows.length > query.limit;
  if (more) rows.length = query.limit;
  const events = rows.map((row) => JSON.parse(row.body) as StoredEvent);
  const last = rows[rows.length - 1];
  const nextCursor = more && last !== undefined ? encodeCursor({ k: scope === ALL_TENANTS ? last.seq : last.position, s: entityStreamHint(scope, query, events) }) : null;
  return { events, nextCursor };
}

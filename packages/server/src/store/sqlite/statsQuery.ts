import type { StatsGroup, StatsQuery, StatsRow, TenantScope } from '@vellum/core';
import { filterSql, severityName } from './filterSql.ts';
import type { StatementCache } from './StatementCache.ts';

const GROUP_KEYS: Record<StatsGroup, string> = {
  type: 'e.type',
  severity: 'e.severity',
  actor: "e.actor_type || ':' || e.actor_id",
  entityType: 'e.entity_type',
  source: 'e.source',
  outcome: 'e.outcome',
};

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;

/**
 * Counts in SQL (GROUP BY), never by loading events. Buckets are epoch-ms floored to the hour or day
 * (UTC); the floor is written so it is also right before 1970, where `/` would round toward zero.
 * Rows are ordered in JS (one row per group, so few): keys must sort by their names (severity is stored
 * as its rank) and as JS compares strings, which is not SQLite's byte order for every character.
 */
export function statsSql(scope: TenantScope, query: StatsQuery): { sql: string; params: unknown[] } {
  const { conditions, params } = filterSql(scope, query);
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const key = GROUP_KEYS[query.groupBy];
  if (query.interval === undefined) {
    return { sql: `SELECT ${key} AS key, COUNT(*) AS count FROM events e ${where} GROUP BY 1`, params };
  }
  const n = BUCKET_MS[query.interval];
  const bucket = `e.occurred_at - (((e.occurred_at % ${n}) + ${n}) % ${n})`;
  return {
    sql: `SELECT ${key} AS key, ${bucket} AS bucket, COUNT(*) AS count FROM events e ${where} GROUP BY 1, 2`,
    params,
  };
}

interface Row {
  key: string | number | null;
  bucket?: number;
  count: number;
}

export function eventStats(statements: StatementCache, scope: TenantScope, query: StatsQuery): StatsRow[] {
  const { sql, params } = statsSql(scope, query);
  const rows: StatsRow[] = statements.get<Row>(sql).all(...params).map((row) => {
    const key = query.groupBy === 'severity' && typeof row.key === 'number' ? severityName(row.key) : (row.key as string | null);
    return row.bucket === undefined
      ? { key, count: row.count }
      : { key, bucket: new Date(row.bucket).toISOString(), count: row.count };
  });
  return rows.sort(compareStatsRows);
}

/** Bucket ascending, then count descending, then key ascending with null first. */
function compareStatsRows(a: StatsRow, b: StatsRow): number {
  const ab = a.bucket ?? '';
  const bb = b.bucket ?? '';
  if (ab !== bb) return ab < bb ? -1 : 1;
  if (a.count !== b.count) return b.count - a.count;
  if (a.key === null || b.key === null) return a.key === b.key ? 0 : a.key === null ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

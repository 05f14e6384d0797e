import type { StatsGroup, StatsQuery, StatsRow, TenantScope } from '@vellum/core';
import { entitySearchArms } from './entitySearchArms.ts';
import { filterSql, severityName } from './filterSql.ts';
import type { StatementCache } from './StatementCache.ts';
import { compareStatsRows } from '@vellum/core';

// Unqualified: they read from `events e` or from the merged arms of an entity filter (`matched`).
const GROUP_KEYS: Record<StatsGroup, string> = {
  type: 'type',
  severity: 'severity',
  actor: "actor_type || ':' || actor_id",
  entityType: 'entity_type',
  source: 'source',
  outcome: 'outcome',
};

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;

/**
 * Counts in SQL (GROUP BY), never by loading events. Buckets are epoch-ms floored to the hour or day
 * (UTC); the floor is written so it is also right before 1970, where `/` would round toward zero.
 * Rows are ordered in JS (one row per group, so few): keys must sort by their names (severity is stored
 * as its rank) and as JS compares strings, which is not SQLite's byte order for every character.
 */
export function statsSql(scope: TenantScope, query: StatsQuery): { sql: string; params: unknown[] } {
  const filtered = filteredEvents(scope, query);
  const key = GROUP_KEYS[query.groupBy];
  if (query.interval === undefined) {
    return { sql: `SELECT ${key} AS key, COUNT(*) AS count FROM ${filtered.sql} GROUP BY 1`, params: filtered.params };
  }
  const n = BUCKET_MS[query.interval];
  const bucket = `occurred_at - (((occurred_at % ${n}) + ${n}) % ${n})`;
  return {
    sql: `SELECT ${key} AS key, ${bucket} AS bucket, COUNT(*) AS count FROM ${filtered.sql} GROUP BY 1, 2`,
    params: filtered.params,
  };
}

const STATS_COLUMNS = 'e.type, e.severity, e.actor_type, e.actor_id, e.entity_type, e.source, e.outcome, e.occurred_at';

/** The events a stats query counts, as a FROM item: the table, or the two arms of an entity filter. */
function filteredEvents(scope: TenantScope, query: StatsQuery): { sql: string; params: unknown[] } {
  const { conditions, params } = filterSql(scope, query);
  const arms = entitySearchArms(scope, query);
  if (arms === undefined) {
    return { sql: `events e${conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''}`, params };
  }
  const parts = arms.map((arm) => `SELECT ${STATS_COLUMNS} FROM events e WHERE ${[...conditions, arm.condition].join(' AND ')}`);
  return { sql: `(${parts.join(' UNION ALL ')}) matched`, params: arms.flatMap((arm) => [...params, ...arm.params]) };
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


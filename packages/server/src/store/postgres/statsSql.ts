import { ALL_TENANTS, SEVERITIES, compareStatsRows } from '@vellum/core';
import type { StatsGroup, StatsQuery, StatsRow, TenantScope } from '@vellum/core';
import type { PgQueryConfig } from './PgPool.ts';
import { filterConditions, Params } from './filterSql.ts';
import type { TableNames } from './sqlNames.ts';
import { columnText } from './eventColumns.ts';
import { entityArms } from './entityArms.ts';

const GROUP_KEYS: Record<StatsGroup, string> = {
  type: 'type',
  severity: 'severity::text',
  actor: `actor_type || ':' || actor_id`,
  entityType: 'entity_type',
  source: 'source',
  outcome: 'outcome',
};

/** Counts per group, and per UTC hour/day bucket of occurredAt when asked; the bucket is formatted in SQL. */
export function statsSql(t: TableNames, tenant: TenantScope, q: StatsQuery): PgQueryConfig {
  const p = new Params();
  const where = tenant === ALL_TENANTS ? [] : [`tenant = ${p.add(columnText(tenant))}`];
  where.push(...filterConditions(q, p));
  const bucket = q.interval === undefined
    ? 'NULL::text'
    : `to_char(date_trunc('${q.interval === 'hour' ? 'hour' : 'day'}', occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  // An entity filter counts the events of two indexes (entityArms.ts), which are disjoint: their union is the entity's.
  const arms = entityArms(tenant, q, p);
  const source = arms === undefined
    ? `${t.events}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}`
    : `(${arms.map((arm) => `SELECT * FROM ${t.events} WHERE ${[...where, arm.condition].join(' AND ')}`).join(' UNION ALL ')}) e`;
  const text = `SELECT ${GROUP_KEYS[q.groupBy]} AS key, ${bucket} AS bucket, count(*) AS count FROM ${source} GROUP BY 1, 2`;
  return { text, values: p.values };
}

/**
 * Rows by bucket, then count descending, then key with null first. Sorted here rather than in SQL: the groups
 * are few, and JavaScript's string order (the reference's) is not quite any collation's.
 */
export function statsRows(rows: ReadonlyArray<{ key: string | null; bucket: string | null; count: string }>, q: StatsQuery): StatsRow[] {
  return rows
    .map((r): StatsRow => {
      const key = q.groupBy === 'severity' && r.key !== null ? (SEVERITIES[Number(r.key)] ?? r.key) : r.key;
      return r.bucket === null ? { key, count: Number(r.count) } : { key, bucket: r.bucket, count: Number(r.count) };
    })
    .sort(compareStatsRows);
}


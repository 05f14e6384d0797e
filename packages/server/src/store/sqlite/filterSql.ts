import { ALL_TENANTS, SEVERITIES, VellumError, severityRank } from '@vellum/core';
import type { EventFilter, TenantScope } from '@vellum/core';

/** WHERE conditions over `events e` and their parameters, in order. */
export interface FilterSql {
  conditions: string[];
  params: unknown[];
}

export interface FilterSqlOptions {
  /** The query is driven from `event_tags d` / `event_fields d` joined on position: that one is not repeated. */
  drivenBy?: { tag: string } | { field: string };
  /**
   * Keep type globs off the type index. A glob is a range of types, and a range read from the index is not
   * in log order, so a "newest N" search would fetch and sort every match; scanning in log order stops
   * after N. Stats, which need no order, leave the index usable.
   */
  globsInLogOrder?: boolean;
}

/**
 * Translates an EventFilter (the semantics of `matchesFilter` in the core) into SQL over the indexed
 * columns. Every condition is a plain comparison on one column so the planner can pick the narrowest index;
 * multi-valued filters (tags, changed fields) probe their side tables.
 */
export function filterSql(scope: TenantScope, filter: EventFilter, options: FilterSqlOptions = {}): FilterSql {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (condition: string, ...values: unknown[]) => {
    conditions.push(condition);
    params.push(...values);
  };

  if (scope !== ALL_TENANTS) add('e.tenant = ?', scope);

  const types = typeCondition(filter.types, options.globsInLogOrder === true);
  if (types !== undefined) add(types.sql, ...types.params);

  if (filter.severities !== undefined && filter.severities.length > 0) {
    const ranks = [...new Set(filter.severities.map(severityRank))];
    add(`e.severity IN (${ranks.map(() => '?').join(', ')})`, ...ranks);
  }
  if (filter.minSeverity !== undefined) add('e.severity >= ?', severityRank(filter.minSeverity));
  if (filter.actorType !== undefined) add('e.actor_type = ?', filter.actorType);
  if (filter.actorId !== undefined) add('e.actor_id = ?', filter.actorId);
  if (filter.entityType !== undefined) add('e.entity_type = ?', filter.entityType);
  if (filter.entityId !== undefined) add('e.entity_id = ?', filter.entityId);
  if (filter.stream !== undefined) add('e.stream = ?', filter.stream);
  if (filter.source !== undefined) add('e.source = ?', filter.source);
  if (filter.outcome !== undefined) add('e.outcome = ?', filter.outcome);
  if (filter.correlationId !== undefined) add('e.correlation_id = ?', filter.correlationId);
  const driving = options.drivenBy;
  for (const tag of new Set(filter.tags ?? [])) {
    if (driving !== undefined && 'tag' in driving && driving.tag === tag) continue;
    add('EXISTS (SELECT 1 FROM event_tags t WHERE t.tenant = e.tenant AND t.tag = ? AND t.position = e.position)', tag);
  }
  if (filter.field !== undefined && !(driving !== undefined && 'field' in driving)) {
    add('EXISTS (SELECT 1 FROM event_fields f WHERE f.tenant = e.tenant AND f.field = ? AND f.position = e.position)', filter.field);
  }
  if (filter.from !== undefined) add('e.occurred_at >= ?', toMs(filter.from, 'from'));
  if (filter.to !== undefined) add('e.occurred_at < ?', toMs(filter.to, 'to'));
  return { conditions, params };
}

/**
 * Type globs: exact names become `IN (...)` (an index seek); globs become GLOB patterns with SQLite's own
 * wildcards (`?`, `[`) escaped, since only `*` is a wildcard in Vellum's globs.
 */
function typeCondition(globs: readonly string[] | undefined, globsInLogOrder: boolean): { sql: string; params: unknown[] } | undefined {
  if (globs === undefined || globs.length === 0) return undefined;
  if (globs.some((g) => /^\*+$/.test(g))) return undefined; // matches every type
  const exact = [...new Set(globs.filter((g) => !g.includes('*')))];
  const patterns = [...new Set(globs.filter((g) => g.includes('*')))].map((g) => g.replace(/[?[]/g, (c) => `[${c}]`));
  const parts: string[] = [];
  if (exact.length > 0) parts.push(exact.length === 1 ? 'e.type = ?' : `e.type IN (${exact.map(() => '?').join(', ')})`);
  // Unary + makes the term unusable for an index, SQLite's documented way to steer the planner.
  for (let i = 0; i < patterns.length; i++) parts.push(globsInLogOrder ? '+e.type GLOB ?' : 'e.type GLOB ?');
  return { sql: parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`, params: [...exact, ...patterns] };
}

function toMs(iso: string, name: 'from' | 'to'): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) {
    throw new VellumError('VALIDATION_FAILED', { details: [{ path: `/query/${name}`, message: 'must be an ISO 8601 date-time' }] });
  }
  return ms;
}

/** Severity rank back to its name, for stats keys. */
export const severityName = (rank: number): string | null => SEVERITIES[rank] ?? null;

import type { StoredEvent } from '../event/types.ts';
import { matchesFilter } from '../filter/matchesFilter.ts';
import { ALL_TENANTS } from '../store/EventStore.ts';
import type { EventFilter, StatsQuery, StatsRow, TenantScope } from '../store/EventStore.ts';

/**
 * What a search must return, computed the obvious way from every event in commit order: the scope's
 * events that pass `matchesFilter`, oldest first for `asc`, newest first for `desc`.
 */
export function referenceSearch(events: readonly StoredEvent[], scope: TenantScope, filter: EventFilter, order: 'asc' | 'desc'): StoredEvent[] {
  const matching = events.filter((e) => (scope === ALL_TENANTS || e.tenant === scope) && matchesFilter(e, filter));
  return order === 'asc' ? matching : matching.reverse();
}

/**
 * What stats must return. Group keys: `type`, `severity`, `actor` as `<type>:<id>`, `entityType`, `source`,
 * `outcome`, null where the event lacks the field. Buckets: the start of the occurredAt's UTC hour or day.
 * Rows sorted by bucket, then count descending, then key ascending with null first.
 */
export function referenceStats(events: readonly StoredEvent[], scope: TenantScope, query: StatsQuery): StatsRow[] {
  const counts = new Map<string, StatsRow>();
  for (const e of events) {
    if ((scope !== ALL_TENANTS && e.tenant !== scope) || !matchesFilter(e, query)) continue;
    const key = {
      type: e.type,
      severity: e.severity,
      actor: `${e.actor.type}:${e.actor.id}`,
      entityType: e.entity?.type ?? null,
      source: e.source ?? null,
      outcome: e.outcome ?? null,
    }[query.groupBy];
    let bucket: string | undefined;
    if (query.interval !== undefined) {
      const d = new Date(e.occurredAt);
      if (query.interval === 'hour') d.setUTCMinutes(0, 0, 0);
      else d.setUTCHours(0, 0, 0, 0);
      bucket = d.toISOString();
    }
    const id = `${bucket ?? ''}|${key === null ? 'N' : 'S' + key}`;
    const row = counts.get(id) ?? (bucket === undefined ? { key, count: 0 } : { key, bucket, count: 0 });
    row.count += 1;
    counts.set(id, row);
  }
  return [...counts.values()].sort((a, b) => {
    if ((a.bucket ?? '') !== (b.bucket ?? '')) return (a.bucket ?? '') < (b.bucket ?? '') ? -1 : 1;
    if (a.count !== b.count) return b.count - a.count;
    if (a.key === null || b.key === null) return a.key === b.key ? 0 : a.key === null ? -1 : 1;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
}

import { severityRank } from '../event/types.ts';
import type { StoredEvent } from '../event/types.ts';
import type { EventFilter } from '../store/EventStore.ts';

/**
 * Whether an event passes a filter; the reference semantics every store's SQL must agree with.
 *
 * - `types`: any of them; `*` in a type matches any run of characters (`configuration.*`, `*.paid`).
 * - `severities`: any of them. `minSeverity`: severity rank ≥ it (info < low < medium < high < critical).
 * - `actorType`, `actorId`, `entityType`, `entityId`, `stream`, `source`, `outcome`, `correlationId`: equal
 *   (an event without the field never matches).
 * - `tags`: the event carries every one of them. `field`: some `changes[].field` equals it.
 * - `from` ≤ occurredAt < `to`, compared as instants.
 * - An empty list (`types: []`, `severities: []`, `tags: []`) narrows nothing, like an absent one.
 */
export function matchesFilter(event: StoredEvent, filter: EventFilter): boolean {
  if (filter.types !== undefined && filter.types.length > 0 && !filter.types.some((t) => typeMatches(t, event.type))) return false;
  if (filter.severities !== undefined && filter.severities.length > 0 && !filter.severities.includes(event.severity)) return false;
  if (filter.minSeverity !== undefined && severityRank(event.severity) < severityRank(filter.minSeverity)) return false;
  if (filter.actorType !== undefined && event.actor.type !== filter.actorType) return false;
  if (filter.actorId !== undefined && event.actor.id !== filter.actorId) return false;
  if (filter.entityType !== undefined && event.entity?.type !== filter.entityType) return false;
  if (filter.entityId !== undefined && event.entity?.id !== filter.entityId) return false;
  if (filter.stream !== undefined && event.stream !== filter.stream) return false;
  if (filter.source !== undefined && event.source !== filter.source) return false;
  if (filter.outcome !== undefined && event.outcome !== filter.outcome) return false;
  if (filter.correlationId !== undefined && event.correlationId !== filter.correlationId) return false;
  if (filter.tags !== undefined && filter.tags.length > 0) {
    const tags = event.tags;
    if (tags === undefined || !filter.tags.every((t) => tags.includes(t))) return false;
  }
  if (filter.field !== undefined) {
    const field = filter.field;
    if (event.changes === undefined || !event.changes.some((c) => c.field === field)) return false;
  }
  if (filter.from !== undefined && event.occurredAt < isoInstant(filter.from)) return false;
  if (filter.to !== undefined && event.occurredAt >= isoInstant(filter.to)) return false;
  return true;
}

/** A type glob (`configuration.*`) as an anchored RegExp; `*` matches any run of characters. */
export function typeGlobToRegExp(glob: string): RegExp {
  const source = glob
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's');
}

// Filters are matched against every event of a live stream, so compiled globs are memoised. The cache is
// bounded because globs come from clients.
const globCache = new Map<string, RegExp>();
const GLOB_CACHE_LIMIT = 1024;

function typeMatches(pattern: string, type: string): boolean {
  if (!pattern.includes('*')) return pattern === type;
  let re = globCache.get(pattern);
  if (re === undefined) {
    if (globCache.size >= GLOB_CACHE_LIMIT) globCache.clear();
    re = typeGlobToRegExp(pattern);
    globCache.set(pattern, re);
  }
  return re.test(type);
}

// Stored occurredAt is always `YYYY-MM-DDTHH:mm:ss.sssZ` (prepareEvent), so for a bound in the same form
// string order is time order; other spellings of an instant are normalised first.
const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function isoInstant(bound: string): string {
  return CANONICAL_ISO.test(bound) ? bound : new Date(bound).toISOString();
}

import type { ValidationResult } from '../validation/validateAppendRequest.ts';
import type { EventFilter, SearchQuery, StatsQuery } from '../store/EventStore.ts';

/** A URL query string parsed to strings / string arrays (repeatable params), as Fastify delivers it. */
export type RawQuery = Record<string, string | string[] | undefined>;

/**
 * Parses the search filters of DESIGN.md (type repeatable with `*` globs, severity / minSeverity, actorType,
 * actorId, entityType, entityId, stream, source, outcome, tag (repeatable), field, correlationId, from, to)
 * reporting every bad parameter with path `/query/<name>`. Unknown parameters are errors too.
 */
export function parseFilterParams(raw: RawQuery, allowExtra?: readonly string[]): ValidationResult<EventFilter> {
  void raw; void allowExtra;
  throw new Error('not implemented');
}

/** Filters plus limit (1..1000, default 100), order (asc|desc, default desc), cursor. */
export function parseSearchParams(raw: RawQuery): ValidationResult<SearchQuery> {
  void raw;
  throw new Error('not implemented');
}

/** Filters plus groupBy (required) and interval (hour|day). */
export function parseStatsParams(raw: RawQuery): ValidationResult<StatsQuery> {
  void raw;
  throw new Error('not implemented');
}

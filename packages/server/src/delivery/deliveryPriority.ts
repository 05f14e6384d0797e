import type { EventFilter, Severity } from '@vellum/core';

const URGENT: ReadonlySet<Severity> = new Set<Severity>(['high', 'critical']);

/**
 * A subscription whose filter can only ever select high or critical events (minSeverity high/critical, or
 * severities all within {high, critical}) is served before bulk ones when deliveries queue up on a node: an
 * alert must not wait behind a full export feed.
 */
export function isPriorityFilter(filter: EventFilter): boolean {
  if (filter.minSeverity !== undefined && URGENT.has(filter.minSeverity)) return true;
  return filter.severities !== undefined && filter.severities.length > 0 && filter.severities.every((s) => URGENT.has(s));
}

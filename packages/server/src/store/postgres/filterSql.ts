import { severityRank } from '@vellum/core';
import type { EventFilter } from '@vellum/core';
import { columnText } from './eventColumns.ts';

/** Collects query parameters and hands out their placeholders. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** A type glob as a LIKE pattern: `*` is the only wildcard, so LIKE's own (`%`, `_`, `\`) are escaped. */
export function globToLike(glob: string): string {
  return columnText(glob).replace(/[\\%_]/g, (c) => `\\${c}`).replaceAll('*', '%');
}

/**
 * A time bound read the way matchesFilter reads it (JavaScript's Date, to the millisecond), so that a bound
 * with more precision, or without an offset, means the same instant in SQL as in the reference.
 */
function instant(bound: string): string {
  const ms = Date.parse(bound);
  return Number.isNaN(ms) ? bound : new Date(ms).toISOString();
}

/**
 * The SQL conditions of a filter, one per field present, to be joined with AND. The semantics are
 * `matchesFilter`'s (the core's reference); the contract suite checks that they agree.
 */
export function filterConditions(f: EventFilter, p: Params): string[] {
  const where: string[] = [];
  const eq = (column: string, value: string | undefined) => {
    if (value !== undefined) where.push(`${column} = ${p.add(columnText(value))}`);
  };
  if (f.types !== undefined && f.types.length > 0) {
    const exact = f.types.filter((g) => !g.includes('*')).map(columnText);
    const globs = f.types.filter((g) => g.includes('*'));
    // One exact type as `=`, not `= ANY`: only then can the type index return rows in position order.
    const any = [
      ...(exact.length === 1 ? [`type = ${p.add(exact[0])}`] : exact.length > 1 ? [`type = ANY(${p.add(exact)}::text[])`] : []),
      ...globs.map((g) => `type LIKE ${p.add(globToLike(g))}`),
    ];
    where.push(any.length === 1 ? (any[0] as string) : `(${any.join(' OR ')})`);
  }
  if (f.severities !== undefined && f.severities.length > 0) where.push(`severity = ANY(${p.add(f.severities.map(severityRank))}::smallint[])`);
  if (f.minSeverity !== undefined) where.push(`severity >= ${p.add(severityRank(f.minSeverity))}`);
  eq('actor_type', f.actorType);
  eq('actor_id', f.actorId);
  eq('entity_type', f.entityType);
  eq('entity_id', f.entityId);
  eq('stream', f.stream);
  eq('source', f.source);
  eq('outcome', f.outcome);
  eq('correlation_id', f.correlationId);
  if (f.tags !== undefined && f.tags.length > 0) where.push(`tags @> ${p.add(f.tags.map(columnText))}::text[]`);
  if (f.field !== undefined) where.push(`fields @> ARRAY[${p.add(columnText(f.field))}::text]`);
  if (f.from !== undefined) where.push(`occurred_at >= ${p.add(instant(f.from))}::timestamptz`);
  if (f.to !== undefined) where.push(`occurred_at < ${p.add(instant(f.to))}::timestamptz`);
  return where;
}

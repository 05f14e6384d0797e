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
 * A glob's literal prefix (before its first `*`) as a range, `from <= type < below`, or null without one. In the
 * "C" collation (code point order) the strings in that range are exactly those starting with the prefix:
 * `below` is the prefix with its last character one code point up.
 *
 * Why spell out what LIKE implies: under row-level security the planner may only use a condition as an index
 * condition when it cannot leak rows the policy hides, and LIKE is not marked leakproof while text comparisons
 * are. Without the range, a glob search would walk the tenant's whole log instead of the type index.
 */
export function globPrefixRange(glob: string): { from: string; below: string } | null {
  const star = glob.indexOf('*');
  const chars = [...columnText(star < 0 ? glob : glob.slice(0, star))];
  // A prefix ending in the last code point has no successor of the same length: drop it (a wider range; LIKE still decides).
  while (chars.length > 0 && chars[chars.length - 1] === '\u{10FFFF}') chars.pop();
  if (chars.length === 0) return null;
  const from = chars.join('');
  let next = (chars[chars.length - 1] as string).codePointAt(0)! + 1;
  if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
  chars[chars.length - 1] = String.fromCodePoint(next);
  return { from, below: chars.join('') };
}

function globCondition(glob: string, p: Params): string {
  const like = `type LIKE ${p.add(globToLike(glob))}`;
  const range = globPrefixRange(glob);
  return range === null ? like : `(type >= ${p.add(range.from)} AND type < ${p.add(range.below)} AND ${like})`;
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
      ...globs.map((g) => globCondition(g, p)),
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

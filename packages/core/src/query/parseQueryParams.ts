import type { ValidationResult } from '../validation/validateAppendRequest.ts';
import type { EventFilter, SearchQuery, StatsGroup, StatsQuery } from '../store/EventStore.ts';
import { STATS_GROUPS } from '../store/EventStore.ts';
import { SEVERITIES } from '../event/types.ts';
import type { Severity } from '../event/types.ts';
import { DetailCollector } from '../validation/DetailCollector.ts';
import { FIELD_LIMITS } from '../validation/fieldLimits.ts';
import { jsonPointer } from '../validation/jsonPointer.ts';
import { describeRfc3339Problem, parseRfc3339, toIsoUtc } from '../validation/parseRfc3339.ts';
import { scanString } from '../validation/scanString.ts';

/** A URL query string parsed to strings / string arrays (repeatable params), as Fastify delivers it. */
export type RawQuery = Record<string, string | string[] | undefined>;

/** Query limits and defaults, in one place. */
export const QUERY_LIMITS = {
  defaultLimit: 100,
  maxLimit: 1000,
  maxCursorChars: 512,
  /** Values of one repeatable parameter (`type`, `severity`, `tag`). */
  maxRepeats: 100,
} as const;

const FILTER_PARAMS = [
  'type', 'severity', 'minSeverity', 'actorType', 'actorId', 'entityType', 'entityId', 'stream', 'source',
  'outcome', 'tag', 'field', 'correlationId', 'from', 'to',
] as const;
const SEARCH_PARAMS = [...FILTER_PARAMS, 'limit', 'order', 'cursor'] as const;
const STATS_PARAMS = [...FILTER_PARAMS, 'groupBy', 'interval'] as const;

const SINGLE_STRING_PARAMS = ['actorType', 'actorId', 'entityType', 'entityId', 'stream', 'field', 'correlationId'] as const;

/** Collects problems at `/query/<name>` and hands out a parameter's values. */
class QueryReader {
  readonly out = new DetailCollector();

  constructor(private readonly raw: RawQuery) {}

  bad(name: string, message: string): void {
    this.out.add(jsonPointer('/query', [name]), message);
  }

  /** Every value of a parameter (empty when absent). */
  all(name: string): string[] {
    const v = Object.prototype.hasOwnProperty.call(this.raw, name) ? this.raw[name] : undefined;
    if (v === undefined) return [];
    if (!Array.isArray(v)) return [String(v)];
    if (v.length > QUERY_LIMITS.maxRepeats) {
      this.bad(name, `is given ${v.length} times; at most ${QUERY_LIMITS.maxRepeats} values are allowed`);
      return [];
    }
    return v.map(String);
  }

  /** The value of a parameter that may appear once, or undefined (reported when repeated). */
  one(name: string): string | undefined {
    const values = this.all(name);
    if (values.length > 1) {
      this.bad(name, `is given ${values.length} times; give it once`);
      return undefined;
    }
    return values[0];
  }

  /** A single identifier-like value: non-empty, bounded, no control characters or lone surrogates. */
  text(name: string, maxChars: number = FIELD_LIMITS.identifierChars): string | undefined {
    const v = this.one(name);
    if (v === undefined) return undefined;
    return this.checkText(name, v, maxChars) ? v : undefined;
  }

  checkText(name: string, v: string, maxChars: number): boolean {
    if (v.length === 0) this.bad(name, 'must not be empty; leave the parameter out to match any value');
    else if (v.length > maxChars) this.bad(name, `must be at most ${maxChars} characters (it has ${v.length})`);
    else if (scanString(v) !== 0) this.bad(name, 'must not contain control characters or invalid Unicode');
    else return true;
    return false;
  }

  enumValue<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.one(name);
    if (v === undefined) return undefined;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.bad(name, `must be one of ${allowed.join(', ')}`);
    return undefined;
  }

  timestamp(name: string): { iso: string; ms: number } | undefined {
    const v = this.one(name);
    if (v === undefined) return undefined;
    const ms = parseRfc3339(v);
    if (Number.isNaN(ms)) {
      this.bad(name, describeRfc3339Problem(v));
      return undefined;
    }
    return { iso: toIsoUtc(ms), ms };
  }

  unknown(known: readonly string[], allowExtra: readonly string[]): void {
    for (const name of Object.keys(this.raw)) {
      if (this.raw[name] === undefined || known.includes(name) || allowExtra.includes(name)) continue;
      this.bad(name, `unknown parameter; known: ${[...known, ...allowExtra].join(', ')}`);
    }
  }

  result<T>(value: T): ValidationResult<T> {
    return this.out.count === 0 ? { ok: true, value } : { ok: false, details: this.out.finish() };
  }
}

/** A type glob: the event type charset plus `*`. */
function isTypeGlob(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 42)) return false;
  }
  return true;
}

const SOURCE_TOKEN = /^[a-z][a-z0-9_-]{0,31}$/;

/** Splits `a,b` lists and drops duplicates, for parameters whose values cannot contain commas. */
function splitList(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    for (const part of v.split(',')) if (!out.includes(part)) out.push(part);
  }
  return out;
}

function readFilter(q: QueryReader): EventFilter {
  const filter: EventFilter = {};

  const types = splitList(q.all('type'));
  const goodTypes: string[] = [];
  for (const t of types) {
    if (t.length === 0 || t.length > FIELD_LIMITS.typeChars || !isTypeGlob(t)) {
      q.bad('type', `${JSON.stringify(t.slice(0, 140))} must be an event type like configuration.updated, `
        + `or a pattern with * like configuration.* (a-z, 0-9, _, . and *, at most ${FIELD_LIMITS.typeChars} characters)`);
    } else {
      goodTypes.push(t);
    }
  }
  if (goodTypes.length > 0) filter.types = goodTypes;

  const severities: Severity[] = [];
  for (const s of splitList(q.all('severity'))) {
    if ((SEVERITIES as readonly string[]).includes(s)) severities.push(s as Severity);
    else q.bad('severity', `${JSON.stringify(s.slice(0, 40))} is not a severity; use ${SEVERITIES.join(', ')} (repeat the parameter or separate with commas)`);
  }
  if (severities.length > 0) filter.severities = severities;

  const minSeverity = q.enumValue('minSeverity', SEVERITIES);
  if (minSeverity !== undefined) filter.minSeverity = minSeverity;

  for (const name of SINGLE_STRING_PARAMS) {
    const v = q.text(name);
    if (v !== undefined) filter[name] = v;
  }

  const source = q.one('source');
  if (source !== undefined) {
    if (SOURCE_TOKEN.test(source)) filter.source = source;
    else q.bad('source', 'must be a short lowercase token like ui, api, console or system');
  }

  const outcome = q.enumValue('outcome', ['success', 'failure'] as const);
  if (outcome !== undefined) filter.outcome = outcome;

  const tags = q.all('tag');
  const goodTags = tags.filter((t) => q.checkText('tag', t, FIELD_LIMITS.identifierChars));
  if (goodTags.length > 0) filter.tags = [...new Set(goodTags)];

  const from = q.timestamp('from');
  const to = q.timestamp('to');
  if (from !== undefined) filter.from = from.iso;
  if (to !== undefined) filter.to = to.iso;
  if (from !== undefined && to !== undefined && from.ms > to.ms) {
    q.bad('from', `must not be after to (${to.iso}); the range is from (inclusive) .. to (exclusive)`);
  }
  return filter;
}

/**
 * Parses the search filters of DESIGN.md (type repeatable with `*` globs, severity / minSeverity, actorType,
 * actorId, entityType, entityId, stream, source, outcome, tag (repeatable), field, correlationId, from, to)
 * reporting every bad parameter with path `/query/<name>`. Unknown parameters are errors too, except those
 * named in `allowExtra` (which the caller parses itself, e.g. `format` for export).
 */
export function parseFilterParams(raw: RawQuery, allowExtra: readonly string[] = []): ValidationResult<EventFilter> {
  const q = new QueryReader(raw);
  q.unknown(FILTER_PARAMS, allowExtra);
  return q.result(readFilter(q));
}

/** Filters plus limit (1..1000, default 100), order (asc|desc, default desc), cursor. */
export function parseSearchParams(raw: RawQuery, allowExtra: readonly string[] = []): ValidationResult<SearchQuery> {
  const q = new QueryReader(raw);
  q.unknown(SEARCH_PARAMS, allowExtra);
  const query: SearchQuery = { ...readFilter(q), limit: QUERY_LIMITS.defaultLimit, order: 'desc' };

  const limit = q.one('limit');
  if (limit !== undefined) {
    const n = /^[0-9]{1,7}$/.test(limit) ? Number(limit) : NaN;
    if (n >= 1 && n <= QUERY_LIMITS.maxLimit) query.limit = n;
    else q.bad('limit', `must be a whole number from 1 to ${QUERY_LIMITS.maxLimit}`);
  }
  const order = q.enumValue('order', ['asc', 'desc'] as const);
  if (order !== undefined) query.order = order;
  // The cursor is opaque here; the store decodes it and answers INVALID_CURSOR if it is not one of ours.
  const cursor = q.text('cursor', QUERY_LIMITS.maxCursorChars);
  if (cursor !== undefined) query.cursor = cursor;
  return q.result(query);
}

/** Filters plus groupBy (required) and interval (hour|day). */
export function parseStatsParams(raw: RawQuery, allowExtra: readonly string[] = []): ValidationResult<StatsQuery> {
  const q = new QueryReader(raw);
  q.unknown(STATS_PARAMS, allowExtra);
  const filter = readFilter(q);
  const groupBy = q.enumValue<StatsGroup>('groupBy', STATS_GROUPS);
  if (raw['groupBy'] === undefined) {
    q.bad('groupBy', `is required: one of ${STATS_GROUPS.join(', ')}`);
  }
  const query: StatsQuery = { ...filter, groupBy: groupBy ?? 'type' };
  const interval = q.enumValue('interval', ['hour', 'day'] as const);
  if (interval !== undefined) query.interval = interval;
  return q.result(query);
}

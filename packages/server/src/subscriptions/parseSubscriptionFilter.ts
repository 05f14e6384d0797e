import { isPlainObject, parseFilterParams } from '@vellum/core';
import type { ErrorDetail, EventFilter, RawQuery } from '@vellum/core';
import { reportUnknownProperties } from '../http/reportUnknownProperties.ts';
import { SUBSCRIPTION_LIMITS } from './limits.ts';

/**
 * A subscription's filter is the search filters as JSON (DESIGN.md, GET /v1/events), checked by the very rules the
 * search query parameters follow (core parseFilterParams), so a filter that works in `vellum events query` works
 * here and the other way round. Array filters are arrays in JSON; `from`/`to` are not offered: a subscription
 * follows the log as it grows, and where it starts is `startFrom`.
 */
const ARRAY_FILTERS = { types: 'type', severities: 'severity', tags: 'tag' } as const;
const SINGLE_FILTERS = [
  'minSeverity', 'actorType', 'actorId', 'entityType', 'entityId', 'stream', 'source', 'outcome', 'field', 'correlationId',
] as const;
export const FILTER_PROPERTIES: readonly string[] = [...Object.keys(ARRAY_FILTERS), ...SINGLE_FILTERS];

/** Runs the search rules on one query parameter and moves its problems to `at` (the JSON pointer of the value). */
function checkParam(param: string, value: string, at: string, details: ErrorDetail[]): EventFilter | null {
  const result = parseFilterParams({ [param]: value } as RawQuery);
  if (result.ok) return result.value;
  for (const d of result.details) details.push({ path: at, message: d.message });
  return null;
}

/** The filter of a create or update, every problem listed under `at` (`/filter`); null when there were problems. */
export function parseSubscriptionFilter(raw: unknown, at: string, details: ErrorDetail[]): EventFilter | null {
  if (!isPlainObject(raw)) {
    details.push({ path: at, message: 'must be an object of search filters such as { "types": ["configuration.*"], "minSeverity": "high" }, or {} for every event' });
    return null;
  }
  const before = details.length;
  reportUnknownProperties(raw, FILTER_PROPERTIES, at, details);
  const filter: EventFilter = {};

  for (const [key, param] of Object.entries(ARRAY_FILTERS) as Array<[keyof typeof ARRAY_FILTERS, string]>) {
    const values = raw[key];
    if (values === undefined) continue;
    if (!Array.isArray(values) || values.length === 0 || values.length > SUBSCRIPTION_LIMITS.filterValues) {
      details.push({ path: `${at}/${key}`, message: `must be an array of 1 to ${SUBSCRIPTION_LIMITS.filterValues} strings (leave it out to match any)` });
      continue;
    }
    const good: string[] = [];
    values.forEach((v, i) => {
      const path = `${at}/${key}/${i}`;
      if (typeof v !== 'string') details.push({ path, message: 'must be a string' });
      // The query form splits type and severity lists at commas; one JSON value is one value.
      else if (key !== 'tags' && v.includes(',')) details.push({ path, message: 'must be one value (give several as array items, not separated by commas)' });
      else if (checkParam(param, v, path, details) !== null && !good.includes(v)) good.push(v);
    });
    if (good.length > 0) (filter as Record<string, unknown>)[key] = good;
  }

  for (const key of SINGLE_FILTERS) {
    const v = raw[key];
    if (v === undefined) continue;
    const path = `${at}/${key}`;
    if (typeof v !== 'string') {
      details.push({ path, message: 'must be a string' });
      continue;
    }
    const parsed = checkParam(key, v, path, details);
    if (parsed !== null) Object.assign(filter, parsed);
  }
  return details.length === before ? filter : null;
}

import { ALL_TENANTS, parseFilterParams, VellumError } from '@vellum/core';
import type { ErrorDetail, EventFilter, RawQuery } from '@vellum/core';
import type { AuthContext } from '../auth/authenticate.ts';
import { resolveReadTenant } from '../auth/resolveReadTenant.ts';
import { restrictFilter } from '../auth/readRestriction.ts';

export interface LiveParams {
  tenant: string;
  /** Narrowed to a viewer token's restriction. */
  filter: EventFilter;
  /** Resume after this position; null: start at the current head. */
  after: number | null;
  /** Where `after` came from, for error paths. */
  afterFrom: 'query' | 'header' | null;
}

const POSITION = /^\d{1,15}$/;

/**
 * GET /v1/live and /v1/ws parameters: the search filters (same names and rules as GET /v1/events, without
 * limit/order/cursor), plus the resume point. `from` is shared with the time filter: digits alone are a
 * position (resume after it), anything else is the occurredAt lower bound of the search filters, so
 * `from=2026-11-01T00:00:00Z` keeps its meaning. `Last-Event-ID` (what EventSource sends when it reconnects)
 * is a position too; `from` wins when both are given. Every problem is listed at once.
 */
export function parseLiveParams(auth: AuthContext, raw: RawQuery, lastEventId: string | string[] | undefined): LiveParams {
  const { tenant, query } = resolveReadTenant(auth, raw);
  const details: ErrorDetail[] = [];
  if (tenant === ALL_TENANTS) {
    details.push({ path: '/query/tenant', message: 'must name one tenant: positions, and so resuming, are per tenant (* is not allowed here)' });
  }
  let after: number | null = null;
  let afterFrom: LiveParams['afterFrom'] = null;
  const { from, ...rest } = query;
  let filterQuery: RawQuery = query;
  if (typeof from === 'string' && POSITION.test(from)) {
    after = Number(from);
    afterFrom = 'query';
    filterQuery = rest;
  }
  if (after === null && lastEventId !== undefined) {
    if (typeof lastEventId === 'string' && POSITION.test(lastEventId.trim())) {
      after = Number(lastEventId.trim());
      afterFrom = 'header';
    } else details.push({ path: '/headers/last-event-id', message: 'must be an event position (a whole number), as sent in the id: field' });
  }
  const parsed = parseFilterParams(filterQuery);
  if (!parsed.ok) details.push(...parsed.details);
  if (!parsed.ok || details.length > 0) throw new VellumError('VALIDATION_FAILED', { details });
  return { tenant: tenant as string, filter: restrictFilter(auth, parsed.value), after, afterFrom };
}

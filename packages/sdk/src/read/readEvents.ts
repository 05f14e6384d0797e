/**
 * Read helpers over GET /v1/events, /v1/events/:id and /v1/streams/:stream/events. Lists are async iterators
 * that follow the server's cursors (search) or version windows (trails), one page at a time.
 */
import type { Severity, StoredEvent } from '@vellum/core';
import { VellumRequestError } from '../errors.ts';
import type { VellumHttp } from '../http/VellumHttp.ts';

export interface SearchFilter {
  type?: string | string[];
  severity?: Severity | Severity[];
  minSeverity?: Severity;
  actorType?: string;
  actorId?: string;
  entityType?: string;
  entityId?: string;
  stream?: string;
  source?: string;
  outcome?: 'success' | 'failure';
  tag?: string | string[];
  /** A changed field's name: who changed `fee_percentage`? */
  field?: string;
  correlationId?: string;
  /** occurredAt bounds, RFC 3339. */
  from?: string;
  to?: string;
  /** Page size, 1..1000. */
  limit?: number;
  order?: 'asc' | 'desc';
  /** Resume from a page's nextCursor. */
  cursor?: string;
}

export interface SearchPage {
  events: StoredEvent[];
  nextCursor: string | null;
}

export interface TrailOptions {
  /** forward: first version (default 1); backward: newest version (default the latest). */
  fromVersion?: number;
  direction?: 'forward' | 'backward';
  /** Page size, 1..1000 (default 100). */
  limit?: number;
}

export interface TrailPage {
  stream: string;
  /** The stream's current version. */
  version: number;
  events: StoredEvent[];
}

/** `?type=a&type=b&…` for a filter (arrays repeat the parameter), or '' when it names nothing. Search and live streams share it. */
export function filterQuery(filter: SearchFilter): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

export async function getEvent(http: VellumHttp, id: string): Promise<StoredEvent | undefined> {
  try {
    return await http.request<StoredEvent>('GET', `/v1/events/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e instanceof VellumRequestError && e.status === 404) return undefined;
    throw e;
  }
}

export async function* searchPages(http: VellumHttp, filter: SearchFilter): AsyncGenerator<SearchPage> {
  let cursor = filter.cursor;
  for (;;) {
    const page = await http.request<SearchPage>('GET', `/v1/events${filterQuery({ ...filter, cursor })}`);
    yield page;
    if (!page.nextCursor || page.events.length === 0) return;
    cursor = page.nextCursor;
  }
}

export async function* searchEvents(http: VellumHttp, filter: SearchFilter): AsyncGenerator<StoredEvent> {
  for await (const page of searchPages(http, filter)) yield* page.events;
}

export async function* trailPages(http: VellumHttp, stream: string, options: TrailOptions = {}): AsyncGenerator<TrailPage> {
  const direction = options.direction ?? 'forward';
  const limit = options.limit ?? 100;
  let from = options.fromVersion;
  for (;;) {
    const params = new URLSearchParams({ direction, limit: String(limit) });
    if (from !== undefined) params.set('fromVersion', String(from));
    const page = await http.request<TrailPage>('GET', `/v1/streams/${encodeURIComponent(stream)}/events?${params}`);
    yield page;
    // Windows are by version (a viewer token may hide some events in a window), so step by limit, not by count.
    const start = from ?? (direction === 'forward' ? 1 : page.version);
    from = direction === 'forward' ? start + limit : start - limit;
    if (direction === 'forward' ? from > page.version : from < 1) return;
  }
}

export async function* trailEvents(http: VellumHttp, stream: string, options: TrailOptions = {}): AsyncGenerator<StoredEvent> {
  for await (const page of trailPages(http, stream, options)) yield* page.events;
}

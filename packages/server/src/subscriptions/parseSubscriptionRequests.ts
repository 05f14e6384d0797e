import { isPlainObject, parseRfc3339, describeRfc3339Problem, toIsoUtc, VellumError } from '@vellum/core';
import type { ErrorDetail, EventFilter, RawQuery } from '@vellum/core';
import { isLabel } from '../access/isLabel.ts';
import { reportUnknownProperties } from '../http/reportUnknownProperties.ts';
import { parseSubscriptionFilter } from './parseSubscriptionFilter.ts';
import { SUBSCRIPTION_LIMITS } from './limits.ts';

/**
 * The pure half of every subscription request: shapes, types and limits, every problem listed with its JSON
 * pointer. What needs the store or the targets (the tenant's head for a start position, whether a target is
 * valid) is checked by the routes, whose problems join these in one answer.
 */

/** Where a new subscription starts, or where a replay moves it: resolved to a cursor against the tenant's log. */
export type StartPoint = { kind: 'now' } | { kind: 'beginning' } | { kind: 'position'; position: number } | { kind: 'time'; time: string };

export interface CreateSubscriptionRequest {
  name: string;
  filter: EventFilter;
  /** Unchecked here: app.deliveryTargets.parse checks it. */
  target: unknown;
  startFrom: StartPoint;
}

export interface UpdateSubscriptionRequest {
  name?: string;
  filter?: EventFilter;
  target?: unknown;
}

/** A parse that did not throw yet, so that the target's problems can join these. */
export interface Parsed<T> {
  value: T;
  details: ErrorDetail[];
}

const MAX_POSITION = Number.MAX_SAFE_INTEGER;

export function failIfAny(details: readonly ErrorDetail[]): void {
  if (details.length > 0) throw new VellumError('VALIDATION_FAILED', { details: [...details] });
}

function asObject(body: unknown, allowed: readonly string[], details: ErrorDetail[], optional: boolean): Record<string, unknown> {
  if ((body === undefined || body === null) && optional) return {};
  if (!isPlainObject(body)) {
    details.push({ path: '', message: allowed.length > 0 ? `must be a JSON object with ${allowed.join(', ')}` : 'must be empty or {}: this request takes no options' });
    return {};
  }
  reportUnknownProperties(body, allowed, '', details);
  return body;
}

function parseName(raw: unknown, details: ErrorDetail[]): string | undefined {
  if (isLabel(raw, SUBSCRIPTION_LIMITS.nameChars)) return raw.trim();
  details.push({ path: '/name', message: `must be a name of 1 to ${SUBSCRIPTION_LIMITS.nameChars} characters without control characters, unique in the tenant` });
  return undefined;
}

function parsePosition(raw: unknown, path: string, details: ErrorDetail[]): number | undefined {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 1 && raw <= MAX_POSITION) return raw;
  details.push({ path, message: 'must be a whole number from 1: the first position to deliver' });
  return undefined;
}

function parseTime(raw: unknown, path: string, details: ErrorDetail[]): string | undefined {
  if (typeof raw === 'string' && raw.length <= 64) {
    const ms = parseRfc3339(raw);
    if (!Number.isNaN(ms)) return toIsoUtc(ms);
    details.push({ path, message: describeRfc3339Problem(raw) });
    return undefined;
  }
  details.push({ path, message: 'must be an RFC 3339 date-time such as 2026-12-01T00:00:00Z' });
  return undefined;
}

/** `{ position }` or `{ time }` (exactly one), at `at`. */
function parsePointObject(o: Record<string, unknown>, at: string, details: ErrorDetail[]): StartPoint | undefined {
  const hasPosition = o.position !== undefined;
  const hasTime = o.time !== undefined;
  if (hasPosition === hasTime) {
    details.push({ path: at, message: 'give exactly one of position (the first position to deliver) or time (deliver from the first event recorded at or after it)' });
    return undefined;
  }
  if (hasPosition) {
    const position = parsePosition(o.position, `${at}/position`, details);
    return position === undefined ? undefined : { kind: 'position', position };
  }
  const time = parseTime(o.time, `${at}/time`, details);
  return time === undefined ? undefined : { kind: 'time', time };
}

function parseStartFrom(raw: unknown, details: ErrorDetail[]): StartPoint | undefined {
  if (raw === undefined || raw === 'now') return { kind: 'now' };
  if (raw === 'beginning') return { kind: 'beginning' };
  if (isPlainObject(raw)) {
    const before = details.length;
    reportUnknownProperties(raw, ['position', 'time'], '/startFrom', details);
    const point = parsePointObject(raw, '/startFrom', details);
    return details.length === before ? point : undefined;
  }
  details.push({ path: '/startFrom', message: 'must be "now" (the default: only events after the tenant\'s current head), "beginning", { "position": N } or { "time": "<RFC 3339>" }' });
  return undefined;
}

/** POST /v1/subscriptions. */
export function parseCreateSubscription(body: unknown): Parsed<CreateSubscriptionRequest> {
  const details: ErrorDetail[] = [];
  const o = asObject(body, ['name', 'filter', 'target', 'startFrom'], details, false);
  if (!isPlainObject(body)) return { value: { name: '', filter: {}, target: undefined, startFrom: { kind: 'now' } }, details };
  const name = parseName(o.name, details);
  const filter = o.filter === undefined ? {} : parseSubscriptionFilter(o.filter, '/filter', details);
  if (o.target === undefined) details.push({ path: '/target', message: 'is required: where to deliver, e.g. { "kind": "webhook", "url": "https://…" }' });
  const startFrom = parseStartFrom(o.startFrom, details);
  return { value: { name: name ?? '', filter: filter ?? {}, target: o.target, startFrom: startFrom ?? { kind: 'now' } }, details };
}

/** PATCH /v1/subscriptions/:id: any of name, filter, target; at least one. */
export function parseUpdateSubscription(body: unknown): Parsed<UpdateSubscriptionRequest> {
  const details: ErrorDetail[] = [];
  const o = asObject(body, ['name', 'filter', 'target'], details, false);
  const value: UpdateSubscriptionRequest = {};
  if (isPlainObject(body) && o.name === undefined && o.filter === undefined && o.target === undefined) {
    details.push({ path: '', message: 'give at least one of name, filter, target' });
  }
  if (o.name !== undefined) {
    const name = parseName(o.name, details);
    if (name !== undefined) value.name = name;
  }
  if (o.filter !== undefined) {
    const filter = parseSubscriptionFilter(o.filter, '/filter', details);
    if (filter !== null) value.filter = filter;
  }
  if (o.target !== undefined) value.target = o.target;
  return { value, details };
}

/** POST .../pause and .../resume take no options: no body, null or `{}`. */
export function parseNoOptions(body: unknown): void {
  const details: ErrorDetail[] = [];
  asObject(body, [], details, true);
  failIfAny(details);
}

/** POST .../replay: `{ position }` or `{ time }`. */
export function parseReplay(body: unknown): StartPoint {
  const details: ErrorDetail[] = [];
  const o = asObject(body, ['position', 'time'], details, false);
  const point = isPlainObject(body) ? parsePointObject(o, '', details) : undefined;
  failIfAny(details);
  return point!;
}

const DEAD_LETTER_ID = /^[0-9A-Za-z-]{1,64}$/;

function checkIds(values: readonly unknown[], at: string, details: ErrorDetail[]): string[] {
  const ids: string[] = [];
  values.forEach((v, i) => {
    if (typeof v !== 'string' || !DEAD_LETTER_ID.test(v)) details.push({ path: `${at}/${i}`, message: 'must be a dead letter id (as GET .../dead-letters shows it)' });
    else if (!ids.includes(v)) ids.push(v);
  });
  return ids;
}

/** POST .../dead-letters/retry: `{ ids? }`; null ids means the oldest ones, up to the limit. */
export function parseRetryDeadLetters(body: unknown): { ids: string[] | null } {
  const details: ErrorDetail[] = [];
  const o = asObject(body, ['ids'], details, true);
  let ids: string[] | null = null;
  if (o.ids !== undefined) {
    if (!Array.isArray(o.ids) || o.ids.length === 0 || o.ids.length > SUBSCRIPTION_LIMITS.deadLetterIds) {
      details.push({ path: '/ids', message: `must be an array of 1 to ${SUBSCRIPTION_LIMITS.deadLetterIds} dead letter ids (leave it out to retry the oldest ${SUBSCRIPTION_LIMITS.deadLetterIds})` });
    } else {
      ids = checkIds(o.ids, '/ids', details);
    }
  }
  failIfAny(details);
  return { ids };
}

/** DELETE .../dead-letters: `?id=` repeated for some, none for all. */
export function parsePurgeDeadLetters(query: RawQuery): { ids: string[] | undefined } {
  const details: ErrorDetail[] = [];
  for (const name of Object.keys(query)) {
    if (name !== 'id') details.push({ path: `/query/${name.slice(0, 200)}`, message: 'unknown parameter; known: id' });
  }
  const raw = query.id;
  let ids: string[] | undefined;
  if (raw !== undefined) {
    const values = Array.isArray(raw) ? raw : [raw];
    if (values.length > SUBSCRIPTION_LIMITS.deadLetterIds) {
      details.push({ path: '/query/id', message: `is given ${values.length} times; at most ${SUBSCRIPTION_LIMITS.deadLetterIds}` });
    } else {
      ids = checkIds(values, '/query/id', details);
    }
  }
  failIfAny(details);
  return { ids };
}

/** `?limit=` of the deliveries and dead-letters listings (nothing else is accepted). */
export function parseLimit(query: RawQuery, fallback: number, max: number): number {
  const details: ErrorDetail[] = [];
  for (const name of Object.keys(query)) {
    if (name !== 'limit') details.push({ path: `/query/${name.slice(0, 200)}`, message: 'unknown parameter; known: limit' });
  }
  let limit = fallback;
  if (query.limit !== undefined) {
    const v = query.limit;
    const n = typeof v === 'string' && /^[0-9]{1,7}$/.test(v) ? Number(v) : NaN;
    if (n >= 1 && n <= max) limit = n;
    else details.push({ path: '/query/limit', message: `must be a whole number from 1 to ${max}, given once` });
  }
  failIfAny(details);
  return limit;
}

/** POST .../rotate-secret: `{ graceSeconds? }`, how long the old secret keeps signing beside the new one. */
export function parseRotateSecret(body: unknown): { graceSeconds: number } {
  const details: ErrorDetail[] = [];
  const o = asObject(body, ['graceSeconds'], details, true);
  let graceSeconds: number = SUBSCRIPTION_LIMITS.graceSecondsDefault;
  if (o.graceSeconds !== undefined) {
    const g = o.graceSeconds;
    if (typeof g === 'number' && Number.isInteger(g) && g >= 0 && g <= SUBSCRIPTION_LIMITS.graceSecondsMax) graceSeconds = g;
    else details.push({ path: '/graceSeconds', message: `must be a whole number of seconds from 0 (the old secret stops at once) to ${SUBSCRIPTION_LIMITS.graceSecondsMax} (30 days)` });
  }
  failIfAny(details);
  return { graceSeconds };
}

import { Buffer } from 'node:buffer';
import type { ErrorDetail } from '../errors/registry.ts';
import type { EventInput } from '../event/types.ts';
import { DetailCollector } from './DetailCollector.ts';
import { FIELD_LIMITS } from './fieldLimits.ts';
import { jsonPointer, quoteKey } from './jsonPointer.ts';
import { describeRfc3339Problem, parseRfc3339 } from './parseRfc3339.ts';
import { scanString, STRING_HAS_CONTROL, STRING_HAS_LINE_CONTROL, STRING_HAS_LONE_SURROGATE } from './scanString.ts';
import { checkFreeKey, isPlainObject, LONE_SURROGATE_MESSAGE, stringBytesBound, validateJsonValue } from './validateJsonValue.ts';
import { ValueChecker } from './ValueChecker.ts';

// The validation pieces other layers reuse, reachable from the package index through this module.
export { FIELD_LIMITS } from './fieldLimits.ts';
export { describeRfc3339Problem, parseRfc3339, toIsoUtc } from './parseRfc3339.ts';
export { isPlainObject, validateJson } from './validateJsonValue.ts';
export { scanString } from './scanString.ts';

/** Size limits (DESIGN.md: 64 KiB per event, 1,000 events and 5 MiB per request), configurable. */
export interface IngestLimits {
  maxEventBytes: number;
  maxEventsPerRequest: number;
  /** Enforced on the raw body by the HTTP layer, before parsing; validation does not re-measure the request. */
  maxRequestBytes: number;
}

export const DEFAULT_INGEST_LIMITS: IngestLimits = {
  maxEventBytes: 64 * 1024,
  maxEventsPerRequest: 1000,
  maxRequestBytes: 5 * 1024 * 1024,
};

/**
 * `tooLarge` is set when one of the violations is a size limit (an event over `maxEventBytes`, a batch over
 * `maxEventsPerRequest`), so the HTTP layer can answer 413 PAYLOAD_TOO_LARGE instead of 400.
 */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; details: ErrorDetail[]; tooLarge?: true };

const EVENT_FIELDS = [
  'type', 'action', 'severity', 'outcome', 'actor', 'entity', 'stream', 'expectedVersion', 'source', 'changes',
  'context', 'data', 'tags', 'correlationId', 'causationId', 'occurredAt', 'idempotencyKey',
] as const;
const EVENT_FIELD_LIST = EVENT_FIELDS.join(', ');

const TYPE_MESSAGE = 'must be a lowercase dotted name like configuration.updated '
  + `(a-z, 0-9 and _ in parts joined by single dots, at most ${FIELD_LIMITS.typeChars} characters)`;
const SOURCE_MESSAGE = 'must be a short lowercase token like ui, api, console or system '
  + '(a letter, then up to 31 of a-z, 0-9, _ and -)';

/**
 * Validates a POST /v1/events body: one event object, or `{ "events": [...] }`. Reports every violation
 * with its JSON pointer (`/events/3/type`); never throws on any input. Valid events are returned as they came.
 */
export function validateAppendRequest(body: unknown, limits: IngestLimits): ValidationResult<{ events: EventInput[]; batch: boolean }> {
  try {
    return validateBody(body, limits);
  } catch {
    // Only hostile non-JSON objects (a proxy around the body itself) get here; JSON.parse output never does.
    return { ok: false, details: [{ path: '', message: 'the body could not be read as plain JSON' }] };
  }
}

function validateBody(body: unknown, limits: IngestLimits): ValidationResult<{ events: EventInput[]; batch: boolean }> {
  const out = new DetailCollector();
  let tooLarge = false;
  if (!isPlainObject(body)) {
    out.add('', 'the body must be a JSON object: one event like { "type": "...", "actor": { ... } }, or { "events": [ ... ] }');
    return { ok: false, details: out.finish() };
  }
  if (!Object.prototype.hasOwnProperty.call(body, 'events')) {
    if (!checkOneEvent(body, '', limits, out)) tooLarge = true;
    return out.count === 0
      ? { ok: true, value: { events: [body as unknown as EventInput], batch: false } }
      : fail(out, tooLarge);
  }

  for (const key of Object.keys(body)) {
    if (key !== 'events') {
      out.add(jsonPointer('', [key]), `unknown field ${quoteKey(key)} in a batch body: a batch has only "events"; put each event's fields inside it`);
    }
  }
  const events = body['events'];
  if (!Array.isArray(events)) {
    out.add('/events', `must be an array of 1 to ${limits.maxEventsPerRequest} events`);
    return fail(out, tooLarge);
  }
  if (events.length === 0) out.add('/events', 'must hold at least one event');
  if (events.length > limits.maxEventsPerRequest) {
    tooLarge = true;
    out.add('/events', `holds ${events.length} events; a request may hold at most ${limits.maxEventsPerRequest}: split it into several requests`);
  }
  for (let i = 0; i < events.length; i++) {
    if (!checkOneEvent(events[i], `/events/${i}`, limits, out)) tooLarge = true;
  }
  return out.count === 0 ? { ok: true, value: { events: events as EventInput[], batch: true } } : fail(out, tooLarge);
}

function fail(out: DetailCollector, tooLarge: boolean): { ok: false; details: ErrorDetail[]; tooLarge?: true } {
  return tooLarge ? { ok: false, details: out.finish(), tooLarge: true } : { ok: false, details: out.finish() };
}

/** Checks one event and reports into `out`; returns false when the event is over the size limit. */
function checkOneEvent(event: unknown, base: string, limits: IngestLimits, out: DetailCollector): boolean {
  const c = new ValueChecker(out, base);
  try {
    checkEvent(event, c);
  } catch {
    // Only hostile non-JSON objects (throwing getters, proxies) get here; JSON.parse output never does.
    c.report('could not be read as plain JSON');
    return true;
  }
  if (c.problems === 0 && c.bytes <= limits.maxEventBytes) return true;
  // Measure exactly: the bound was too high, or the event has problems (then parts of it were not walked).
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(event), 'utf8');
  } catch {
    return true;
  }
  if (size <= limits.maxEventBytes) return true;
  c.report(`the event is ${size} bytes as JSON, over the limit of ${limits.maxEventBytes} bytes; `
    + 'keep large payloads elsewhere and reference them');
  return false;
}

const KNOWN_EVENT_FIELDS: ReadonlySet<string> = new Set(EVENT_FIELDS);
// Upper bound of `"expectedVersion":` plus a comma: the longest field name and its punctuation.
const FIELD_NAME_BYTES = 20;

/**
 * Reads the known fields directly rather than switching over Object.keys: events of one client share a
 * shape, so these are cached property loads, and the keys are only listed when an unknown one must be named.
 */
function checkEvent(event: unknown, c: ValueChecker): void {
  if (!isPlainObject(event)) {
    c.report('must be an event object like { "type": "configuration.updated", "actor": { "type": "user", "id": "5" } }');
    return;
  }
  let total = 0;
  for (const key in event) if (event[key] !== undefined) total++;
  c.bytes += 2 + FIELD_NAME_BYTES * total;
  let known = 0;
  const p = c.path;

  // Fields set to undefined count as absent, as in JSON: typed callers often spread optional fields that way.
  const type = event['type'];
  if (type === undefined) c.reportAt('type', 'is required: a lowercase dotted name like configuration.updated');
  else { known++; p.push('type'); checkType(type, c); p.pop(); }
  const action = event['action'];
  if (action !== undefined) { known++; p.push('action'); checkIdentifier(action, c, FIELD_LIMITS.actionChars); p.pop(); }
  const severity = event['severity'];
  if (severity !== undefined) { known++; p.push('severity'); checkEnum(severity, c, SEVERITY_VALUES); p.pop(); }
  const outcome = event['outcome'];
  if (outcome !== undefined) { known++; p.push('outcome'); checkEnum(outcome, c, OUTCOME_VALUES); p.pop(); }
  const actor = event['actor'];
  if (actor === undefined) c.reportAt('actor', 'is required: who did it, like { "type": "user", "id": "5" }');
  else { known++; p.push('actor'); checkParty(actor, c, 'actor'); p.pop(); }
  const entity = event['entity'];
  if (entity !== undefined) { known++; p.push('entity'); checkParty(entity, c, 'entity'); p.pop(); }
  const stream = event['stream'];
  if (stream !== undefined) { known++; p.push('stream'); checkIdentifier(stream, c, FIELD_LIMITS.identifierChars); p.pop(); }
  const expectedVersion = event['expectedVersion'];
  if (expectedVersion !== undefined) {
    known++;
    if (typeof expectedVersion !== 'number' || !Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
      c.reportAt('expectedVersion', 'must be a non-negative integer: the stream version you expect before this event (0 = a new stream)');
    }
    c.bytes += 25;
  }
  const source = event['source'];
  if (source !== undefined) { known++; p.push('source'); checkSource(source, c); p.pop(); }
  const changes = event['changes'];
  if (changes !== undefined) { known++; p.push('changes'); checkChanges(changes, c); p.pop(); }
  const context = event['context'];
  if (context !== undefined) { known++; p.push('context'); checkContext(context, c); p.pop(); }
  const data = event['data'];
  if (data !== undefined) {
    known++;
    p.push('data');
    if (!isPlainObject(data)) c.report('must be an object of your own fields, like { "company_id": 123 }');
    else validateJsonValue(data, c, 1);
    p.pop();
  }
  const tags = event['tags'];
  if (tags !== undefined) { known++; p.push('tags'); checkTags(tags, c); p.pop(); }
  const correlationId = event['correlationId'];
  if (correlationId !== undefined) { known++; p.push('correlationId'); checkIdentifier(correlationId, c, FIELD_LIMITS.identifierChars); p.pop(); }
  const causationId = event['causationId'];
  if (causationId !== undefined) { known++; p.push('causationId'); checkIdentifier(causationId, c, FIELD_LIMITS.identifierChars); p.pop(); }
  const occurredAt = event['occurredAt'];
  if (occurredAt !== undefined) { known++; p.push('occurredAt'); checkTimestamp(occurredAt, c); p.pop(); }
  const idempotencyKey = event['idempotencyKey'];
  if (idempotencyKey !== undefined) { known++; p.push('idempotencyKey'); checkIdentifier(idempotencyKey, c, FIELD_LIMITS.identifierChars); p.pop(); }

  if (known === total) return;
  for (const key of Object.keys(event)) {
    if (!KNOWN_EVENT_FIELDS.has(key) && event[key] !== undefined) {
      c.reportAt(key, `unknown field ${quoteKey(key)}; known fields: ${EVENT_FIELD_LIST}`);
    }
  }
}

const SEVERITY_VALUES = ['info', 'low', 'medium', 'high', 'critical'] as const;
const OUTCOME_VALUES = ['success', 'failure'] as const;

function checkEnum(v: unknown, c: ValueChecker, allowed: readonly string[]): void {
  c.bytes += 12;
  if (typeof v !== 'string' || !allowed.includes(v)) c.report(`must be one of ${allowed.join(', ')}`);
}

/** A string that names or identifies something: no control characters at all. */
function checkIdentifier(v: unknown, c: ValueChecker, maxChars: number): void {
  if (typeof v !== 'string') {
    c.report(`must be a string of at most ${maxChars} characters`);
    return;
  }
  c.bytes += stringBytesBound(v);
  if (v.length === 0) {
    c.report('must not be empty');
    return;
  }
  if (v.length > maxChars) {
    c.report(`must be at most ${maxChars} characters (it has ${v.length})`);
    return;
  }
  const flags = scanString(v);
  if (flags & STRING_HAS_LONE_SURROGATE) c.report(LONE_SURROGATE_MESSAGE);
  if (flags & (STRING_HAS_CONTROL | STRING_HAS_LINE_CONTROL)) c.report('must not contain control characters (tabs and line breaks included)');
}

/** Human text (names, user agents): tab, LF and CR are fine, other controls are not. */
function checkText(v: unknown, c: ValueChecker, maxChars: number): void {
  if (typeof v !== 'string') {
    c.report(`must be a string of at most ${maxChars} characters`);
    return;
  }
  c.bytes += stringBytesBound(v);
  if (v.length > maxChars) {
    c.report(`must be at most ${maxChars} characters (it has ${v.length})`);
    return;
  }
  const flags = scanString(v);
  if (flags & STRING_HAS_LONE_SURROGATE) c.report(LONE_SURROGATE_MESSAGE);
  if (flags & STRING_HAS_CONTROL) c.report('must not contain control characters other than tab, line feed and carriage return');
}

function isDottedName(s: string): boolean {
  let atPartStart = true;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 46) {
      if (atPartStart) return false;
      atPartStart = true;
    } else if ((ch >= 97 && ch <= 122) || (ch >= 48 && ch <= 57) || ch === 95) {
      atPartStart = false;
    } else {
      return false;
    }
  }
  return !atPartStart;
}

function checkType(v: unknown, c: ValueChecker): void {
  if (typeof v !== 'string') {
    c.report(TYPE_MESSAGE);
    return;
  }
  c.bytes += stringBytesBound(v);
  if (v.length > FIELD_LIMITS.typeChars) c.report(`must be at most ${FIELD_LIMITS.typeChars} characters (it has ${v.length})`);
  else if (!isDottedName(v)) c.report(TYPE_MESSAGE);
}

function checkSource(v: unknown, c: ValueChecker): void {
  if (typeof v !== 'string' || v.length === 0 || v.length > 32) {
    c.report(SOURCE_MESSAGE);
    return;
  }
  c.bytes += stringBytesBound(v);
  const first = v.charCodeAt(0);
  let ok = first >= 97 && first <= 122;
  for (let i = 1; ok && i < v.length; i++) {
    const ch = v.charCodeAt(i);
    ok = (ch >= 97 && ch <= 122) || (ch >= 48 && ch <= 57) || ch === 95 || ch === 45;
  }
  if (!ok) c.report(SOURCE_MESSAGE);
}

const PARTY_FIELDS = { actor: 'type, id, name, email', entity: 'type, id, name' } as const;

/** `actor` and `entity`: strict, because fields outside data/context/changes are never masked. */
function checkParty(v: unknown, c: ValueChecker, kind: 'actor' | 'entity'): void {
  const example = kind === 'actor' ? '{ "type": "user", "id": "5" }' : '{ "type": "PolicyConfiguration", "id": "123" }';
  if (!isPlainObject(v)) {
    c.report(`must be an object like ${example}`);
    return;
  }
  let hasType = false;
  let hasId = false;
  c.bytes += 2;
  for (const key of Object.keys(v)) {
    const f = v[key];
    if (f === undefined) continue;
    c.bytes += stringBytesBound(key) + 2;
    c.path.push(key);
    if (key === 'type') {
      hasType = true;
      checkIdentifier(f, c, FIELD_LIMITS.identifierChars);
    } else if (key === 'id') {
      hasId = true;
      checkIdentifier(f, c, FIELD_LIMITS.identifierChars);
    } else if (key === 'name' || (key === 'email' && kind === 'actor')) {
      checkText(f, c, FIELD_LIMITS.textChars);
    } else {
      c.report(`unknown ${kind} field ${quoteKey(key)}; known: ${PARTY_FIELDS[kind]} (put anything else in data or context)`);
    }
    c.path.pop();
  }
  if (!hasType) c.reportAt('type', `is required: what kind of ${kind} this is, like ${kind === 'actor' ? 'user' : 'PolicyConfiguration'}`);
  if (!hasId) c.reportAt('id', `is required: the ${kind}'s identifier, as a string`);
}

function checkChanges(v: unknown, c: ValueChecker): void {
  if (!Array.isArray(v)) {
    c.report('must be an array of changes like [ { "field": "hours_before", "old": 24, "new": 48 } ]');
    return;
  }
  if (v.length > FIELD_LIMITS.changesPerEvent) {
    c.report(`holds ${v.length} changes; an event may hold at most ${FIELD_LIMITS.changesPerEvent}`);
  }
  c.bytes += 2;
  for (let i = 0; i < v.length; i++) {
    const change: unknown = v[i];
    c.path.push(i);
    c.bytes += 1;
    if (!isPlainObject(change)) {
      c.report('must be a change like { "field": "hours_before", "old": 24, "new": 48 }');
      c.path.pop();
      continue;
    }
    let hasField = false;
    c.bytes += 2;
    for (const key of Object.keys(change)) {
      const f = change[key];
      if (f === undefined) continue;
      c.bytes += key.length + 4;
      c.path.push(key);
      if (key === 'field') {
        hasField = true;
        checkIdentifier(f, c, FIELD_LIMITS.identifierChars);
      } else if (key === 'old' || key === 'new') {
        validateJsonValue(f, c, 1);
      } else {
        c.report(`unknown change field ${quoteKey(key)}; known: field, old, new`);
      }
      c.path.pop();
    }
    if (!hasField) c.reportAt('field', 'is required: the name of the changed field, like hours_before');
    c.path.pop();
  }
}

function checkContext(v: unknown, c: ValueChecker): void {
  if (!isPlainObject(v)) {
    c.report('must be an object like { "ip": "192.168.1.100", "userAgent": "Mozilla/5.0", "route": "admin.policies.update" }');
    return;
  }
  c.bytes += 2;
  for (const key of Object.keys(v)) {
    const f = v[key];
    c.bytes += stringBytesBound(key) + 2;
    switch (key) {
      case 'ip':
      case 'requestId':
        if (f === undefined) continue;
        c.path.push(key);
        checkIdentifier(f, c, FIELD_LIMITS.identifierChars);
        c.path.pop();
        break;
      case 'userAgent':
      case 'route':
        if (f === undefined) continue;
        c.path.push(key);
        checkText(f, c, FIELD_LIMITS.textChars);
        c.path.pop();
        break;
      default:
        checkFreeKey(key, c);
        c.path.push(key);
        if (f === undefined) c.report('must be a JSON value; undefined is not one (use null or leave the key out)');
        else validateJsonValue(f, c, 2);
        c.path.pop();
    }
  }
}

function checkTags(v: unknown, c: ValueChecker): void {
  if (!Array.isArray(v)) {
    c.report('must be an array of strings like [ "company:123" ]');
    return;
  }
  if (v.length > FIELD_LIMITS.tagsPerEvent) {
    c.report(`holds ${v.length} tags; an event may hold at most ${FIELD_LIMITS.tagsPerEvent}`);
  }
  c.bytes += 2;
  for (let i = 0; i < v.length; i++) {
    c.path.push(i);
    checkIdentifier(v[i], c, FIELD_LIMITS.identifierChars);
    c.path.pop();
    c.bytes += 1;
  }
}

function checkTimestamp(v: unknown, c: ValueChecker): void {
  if (typeof v !== 'string') {
    c.report('must be an RFC 3339 timestamp string with a time zone, like 2026-11-22T10:00:00.000Z');
    return;
  }
  c.bytes += stringBytesBound(v);
  if (Number.isNaN(parseRfc3339(v))) c.report(describeRfc3339Problem(v));
}

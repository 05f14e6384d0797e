import { describe, it, expect } from 'vitest';
import { DEFAULT_INGEST_LIMITS, validateAppendRequest } from '../../src/validation/validateAppendRequest.ts';
import type { IngestLimits } from '../../src/validation/validateAppendRequest.ts';
import { FIELD_LIMITS } from '../../src/validation/fieldLimits.ts';

const LIMITS = DEFAULT_INGEST_LIMITS;

/** The DESIGN.md example event. */
function fullEvent(): Record<string, unknown> {
  return {
    type: 'configuration.updated',
    action: 'update',
    severity: 'info',
    outcome: 'success',
    actor: { type: 'user', id: '5', name: 'Ana' },
    entity: { type: 'PolicyConfiguration', id: '123', name: 'Cancellation policy' },
    stream: 'PolicyConfiguration:123',
    expectedVersion: 7,
    source: 'ui',
    changes: [{ field: 'hours_before', old: 24, new: 48 }],
    context: { ip: '192.168.1.100', userAgent: 'Mozilla/5.0', route: 'admin.policies.update', requestId: 'r-1' },
    data: { company_id: 123 },
    tags: ['company:123', 'config:hours_before'],
    correlationId: 'c-1',
    causationId: 'e-0',
    occurredAt: '2026-11-22T10:00:00.000Z',
    idempotencyKey: 'policy-123-v8',
  };
}

const minimal = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'user.login',
  actor: { type: 'user', id: '5' },
  ...extra,
});

function details(body: unknown, limits: IngestLimits = LIMITS): { path: string; message: string }[] {
  const r = validateAppendRequest(body, limits);
  if (r.ok) return [];
  return r.details;
}

const paths = (body: unknown, limits?: IngestLimits): string[] => details(body, limits).map((d) => d.path);

/** The single problem reported for `extra` merged into a minimal valid event. */
function problemOf(extra: Record<string, unknown>): { path: string; message: string } | undefined {
  const d = details(minimal(extra));
  expect(d.length, JSON.stringify(d)).toBeLessThanOrEqual(1);
  return d[0];
}

const isValid = (extra: Record<string, unknown>): boolean => validateAppendRequest(minimal(extra), LIMITS).ok;

function nested(depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

describe('validateAppendRequest: request shape', () => {
  it('accepts the DESIGN.md example event and returns it as sent', () => {
    const event = fullEvent();
    const r = validateAppendRequest(event, LIMITS);
    expect(r).toEqual({ ok: true, value: { events: [event], batch: false } });
    if (r.ok) expect(r.value.events[0]).toBe(event);
  });

  it('accepts an event with only type and actor', () => {
    expect(validateAppendRequest(minimal(), LIMITS).ok).toBe(true);
  });

  it('accepts a batch and returns its events in order, marked as a batch', () => {
    const events = [minimal(), fullEvent(), minimal({ type: 'user.logout' })];
    const r = validateAppendRequest({ events }, LIMITS);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.batch).toBe(true);
      expect(r.value.events).toEqual(events);
    }
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a string', 'configuration.updated'],
    ['a boolean', true],
    ['an array', [minimal()]],
    ['a Date', new Date()],
  ])('rejects %s as the body with one detail at the root', (_name, body) => {
    const d = details(body);
    expect(d).toHaveLength(1);
    expect(d[0]?.path).toBe('');
    expect(d[0]?.message).toContain('JSON object');
  });

  it('rejects an empty batch', () => {
    expect(details({ events: [] })).toEqual([{ path: '/events', message: 'must hold at least one event' }]);
  });

  it('rejects a batch whose events are not an array', () => {
    expect(paths({ events: { type: 'a.b' } })).toEqual(['/events']);
  });

  it('rejects a batch larger than maxEventsPerRequest and flags it as too large', () => {
    const limits = { ...LIMITS, maxEventsPerRequest: 3 };
    const r = validateAppendRequest({ events: [minimal(), minimal(), minimal(), minimal()] }, limits);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.tooLarge).toBe(true);
      expect(r.details).toHaveLength(1);
      expect(r.details[0]?.message).toContain('at most 3');
    }
  });

  it('rejects fields beside "events" in a batch body, naming them', () => {
    const d = details({ events: [minimal()], type: 'a.b' });
    expect(d).toHaveLength(1);
    expect(d[0]?.path).toBe('/type');
    expect(d[0]?.message).toContain('"type"');
  });

  it('rejects a batch whose third event has no actor', () => {
    const d = details({ events: [minimal(), minimal(), { type: 'a.b' }] });
    expect(d).toEqual([{ path: '/events/2/actor', message: expect.stringContaining('is required') }]);
  });

  it('rejects batch entries that are not objects, each at its index', () => {
    expect(paths({ events: [minimal(), null, 7, 'x', [], minimal()] })).toEqual([
      '/events/1', '/events/2', '/events/3', '/events/4',
    ]);
  });

  it('reports every violation in every event, not just the first', () => {
    const bad = {
      type: 'Bad Type',
      actor: { id: '' },
      severity: 'urgent',
      outcome: 'ok',
      expectedVersion: -1,
      source: 'UI',
      tags: 'x',
      occurredAt: 'yesterday',
      colour: 'red',
    };
    const d = details({ events: [minimal(), bad, { ...bad }] });
    const expected = [
      '/type', '/severity', '/outcome', '/actor/id', '/actor/type', '/expectedVersion', '/source', '/tags',
      '/occurredAt', '/colour',
    ];
    expect(d.map((x) => x.path)).toEqual([
      ...expected.map((p) => `/events/1${p}`),
      ...expected.map((p) => `/events/2${p}`),
    ]);
  });

  it('uses pointers without the /events prefix for a single event', () => {
    expect(paths({ type: 'X', actor: { type: 'user' } })).toEqual(['/type', '/actor/id']);
  });

  it('bounds the details at 100 and counts the rest in a last detail', () => {
    const d = details({ events: Array.from({ length: 500 }, () => ({ type: 'a.b' })) });
    expect(d).toHaveLength(FIELD_LIMITS.detailsPerResponse + 1);
    expect(d[99]?.path).toBe('/events/99/actor');
    expect(d[100]).toEqual({ path: '', message: '…and 400 more problems' });
  });
});

describe('validateAppendRequest: type', () => {
  it.each(['a', 'configuration.updated', 'a.b_c.d1', 'user_2fa.enabled', '0.1', 'x'.repeat(128)])('accepts the type %s', (type) => {
    expect(isValid({ type })).toBe(true);
  });

  it.each([
    ['uppercase', 'Configuration.updated'],
    ['a leading dot', '.updated'],
    ['a trailing dot', 'configuration.'],
    ['two dots in a row', 'configuration..updated'],
    ['a dash', 'configuration-updated'],
    ['a space', 'configuration updated'],
    ['a glob', 'configuration.*'],
    ['non-ASCII letters', 'configuración.updated'],
    ['the empty string', ''],
    ['a number', 42],
    ['null', null],
  ])('rejects a type with %s and says what a type looks like', (_name, type) => {
    const d = problemOf({ type });
    expect(d?.path).toBe('/type');
    expect(d?.message).toContain('like configuration.updated');
  });

  it('rejects a type longer than 128 characters, giving the length', () => {
    expect(problemOf({ type: 'x'.repeat(129) })?.message).toBe('must be at most 128 characters (it has 129)');
  });

  it('requires a type', () => {
    expect(details({ actor: { type: 'user', id: '1' } })).toEqual([
      { path: '/type', message: 'is required: a lowercase dotted name like configuration.updated' },
    ]);
  });
});

describe('validateAppendRequest: actor and entity', () => {
  it('accepts an actor with a name and an e-mail', () => {
    expect(isValid({ actor: { type: 'user', id: '5', name: 'Ana María', email: 'ana@example.com' } })).toBe(true);
  });

  it.each([
    ['a string', 'user:5', '/actor'],
    ['an array', [], '/actor'],
    ['no id', { type: 'user' }, '/actor/id'],
    ['no type', { id: '5' }, '/actor/type'],
    ['an empty id', { type: 'user', id: '' }, '/actor/id'],
    ['a numeric id', { type: 'user', id: 5 }, '/actor/id'],
    ['an unknown field', { type: 'user', id: '5', token: 'x' }, '/actor/token'],
    ['a non-string name', { type: 'user', id: '5', name: 7 }, '/actor/name'],
    ['an id with a line break', { type: 'user', id: '5\n' }, '/actor/id'],
    ['a name with a NUL', { type: 'user', id: '5', name: 'A\u0000na' }, '/actor/name'],
  ])('rejects an actor with %s', (_name, actor, path) => {
    expect(problemOf({ actor })?.path).toBe(path);
  });

  it('rejects an actor with an id longer than 256 characters', () => {
    expect(problemOf({ actor: { type: 'user', id: '9'.repeat(257) } })?.message).toContain('at most 256');
  });

  it('rejects an actor name over 8 KiB', () => {
    expect(problemOf({ actor: { type: 'user', id: '5', name: 'a'.repeat(8193) } })?.path).toBe('/actor/name');
  });

  it('allows tabs and line breaks in names but not in identifiers', () => {
    expect(isValid({ actor: { type: 'user', id: '5', name: 'Ana\tMaría\r\n' } })).toBe(true);
    expect(problemOf({ actor: { type: 'user\t', id: '5' } })?.message).toContain('control characters');
  });

  it('accepts an entity with a name and requires its type and id', () => {
    expect(isValid({ entity: { type: 'Policy', id: '1', name: 'Cancellation' } })).toBe(true);
    expect(paths(minimal({ entity: {} }))).toEqual(['/entity/type', '/entity/id']);
  });

  it('rejects an entity with an e-mail, which only actors have', () => {
    expect(problemOf({ entity: { type: 'Policy', id: '1', email: 'x@y' } })?.path).toBe('/entity/email');
  });
});

describe('validateAppendRequest: enumerations and scalars', () => {
  it.each(['info', 'low', 'medium', 'high', 'critical'])('accepts the severity %s', (severity) => {
    expect(isValid({ severity })).toBe(true);
  });

  it.each(['INFO', 'warning', '', 3])('rejects the severity %s and lists the allowed ones', (severity) => {
    expect(problemOf({ severity })).toEqual({ path: '/severity', message: 'must be one of info, low, medium, high, critical' });
  });

  it('accepts success and failure as outcomes and nothing else', () => {
    expect(isValid({ outcome: 'success' })).toBe(true);
    expect(isValid({ outcome: 'failure' })).toBe(true);
    expect(problemOf({ outcome: 'error' })?.path).toBe('/outcome');
  });

  it.each([0, 1, 7, Number.MAX_SAFE_INTEGER])('accepts the expectedVersion %s', (expectedVersion) => {
    expect(isValid({ expectedVersion })).toBe(true);
  });

  it.each([-1, 1.5, '7', NaN, Infinity, 2 ** 53, null])('rejects the expectedVersion %s', (expectedVersion) => {
    expect(problemOf({ expectedVersion })?.message).toContain('non-negative integer');
  });

  it.each(['ui', 'api', 'console', 'system', 'my-app_2', 'a'.repeat(32)])('accepts the source %s', (source) => {
    expect(isValid({ source })).toBe(true);
  });

  it.each(['UI', '1ui', '', '-ui', 'a b', 'a'.repeat(33), 'ui\n', 5])('rejects the source %j', (source) => {
    expect(problemOf({ source })?.message).toContain('short lowercase token');
  });

  it('accepts a stream of 256 characters and rejects one of 257', () => {
    expect(isValid({ stream: 's'.repeat(256) })).toBe(true);
    expect(problemOf({ stream: 's'.repeat(257) })?.message).toBe('must be at most 256 characters (it has 257)');
  });

  it('rejects an empty stream', () => {
    expect(problemOf({ stream: '' })).toEqual({ path: '/stream', message: 'must not be empty' });
  });

  it.each(['correlationId', 'causationId', 'idempotencyKey'])('checks %s as a string of at most 256 characters', (field) => {
    expect(isValid({ [field]: 'k'.repeat(256) })).toBe(true);
    expect(problemOf({ [field]: 'k'.repeat(257) })?.path).toBe(`/${field}`);
    expect(problemOf({ [field]: 42 })?.path).toBe(`/${field}`);
    expect(problemOf({ [field]: 'a\u0007b' })?.message).toContain('control characters');
  });

  it('checks action as an identifier of at most 128 characters', () => {
    expect(isValid({ action: 'update' })).toBe(true);
    expect(problemOf({ action: 'a'.repeat(129) })?.path).toBe('/action');
    expect(problemOf({ action: {} })?.path).toBe('/action');
  });

  it('rejects an unknown top-level field and says which', () => {
    expect(problemOf({ user_id: 5 })).toEqual({
      path: '/user_id',
      message: expect.stringMatching(/^unknown field "user_id"; known fields: type, action, .*idempotencyKey$/),
    });
  });

  it('treats a top-level field set to undefined as absent, like JSON does', () => {
    expect(isValid({ entity: undefined, data: undefined })).toBe(true);
  });
});

describe('validateAppendRequest: occurredAt', () => {
  it.each([
    '2026-11-22T10:00:00Z',
    '2026-11-22T10:00:00.000Z',
    '2026-11-22T10:00:00.1Z',
    '2026-11-22T10:00:00.123456789Z',
    '2026-11-22T12:00:00+02:00',
    '2026-11-22T05:30:00-04:30',
    '2026-11-22t10:00:00z',
    '2024-02-29T00:00:00Z',
    '2000-02-29T23:59:59.999Z',
  ])('accepts %s', (occurredAt) => {
    expect(isValid({ occurredAt })).toBe(true);
  });

  it.each([
    ['no time zone', '2026-11-22T10:00:00', 'time zone'],
    ['no time', '2026-11-22', 'RFC 3339'],
    ['a space for T', '2026-11-22 10:00:00Z', 'RFC 3339'],
    ['words', 'yesterday', 'RFC 3339'],
    ['February 30th', '2026-02-30T00:00:00Z', 'real date'],
    ['February 29th of a common year', '2025-02-29T00:00:00Z', 'real date'],
    ['February 29th of 1900', '1900-02-29T00:00:00Z', 'real date'],
    ['month 13', '2026-13-01T00:00:00Z', 'real date'],
    ['day 0', '2026-01-00T00:00:00Z', 'real date'],
    ['hour 24', '2026-01-01T24:00:00Z', 'real date'],
    ['a leap second', '2016-12-31T23:59:60Z', 'real date'],
    ['an offset of +24:00', '2026-01-01T00:00:00+24:00', 'real date'],
    ['an offset without a colon', '2026-01-01T00:00:00+0200', 'RFC 3339'],
    ['an empty fraction', '2026-01-01T00:00:00.Z', 'RFC 3339'],
    ['trailing text', '2026-01-01T00:00:00Z ', 'RFC 3339'],
  ])('rejects a timestamp with %s', (_name, occurredAt, hint) => {
    const d = problemOf({ occurredAt });
    expect(d?.path).toBe('/occurredAt');
    expect(d?.message).toContain(hint);
  });

  it('rejects a number of milliseconds as occurredAt', () => {
    expect(problemOf({ occurredAt: 1763805600000 })?.message).toContain('RFC 3339');
  });
});

describe('validateAppendRequest: changes, context, data and tags', () => {
  it('accepts changes with any JSON old and new values, or only one of them', () => {
    expect(isValid({
      changes: [
        { field: 'hours_before', old: 24, new: 48 },
        { field: 'name', new: 'x' },
        { field: 'address', old: { street: 'a', lines: ['x', null, true] }, new: null },
      ],
    })).toBe(true);
  });

  it.each([
    ['not an array', { field: 'a' }, '/changes'],
    ['an entry that is not an object', ['a'], '/changes/0'],
    ['an entry without field', [{ old: 1, new: 2 }], '/changes/0/field'],
    ['an empty field', [{ field: '', new: 2 }], '/changes/0/field'],
    ['an unknown key', [{ field: 'a', before: 1 }], '/changes/0/before'],
    ['a NaN value', [{ field: 'a', new: NaN }], '/changes/0/new'],
  ])('rejects changes with %s', (_name, changes, path) => {
    expect(problemOf({ changes })?.path).toBe(path);
  });

  it('rejects more than 1000 changes', () => {
    const changes = Array.from({ length: 1001 }, (_, i) => ({ field: `f${i}` }));
    expect(problemOf({ changes })?.message).toBe('holds 1001 changes; an event may hold at most 1000');
  });

  it('accepts context with the known fields and any other JSON keys', () => {
    expect(isValid({
      context: { ip: '::1', userAgent: 'Mozilla/5.0\t(X11)', route: 'GET /v1/x', requestId: 'r-1', tenantPlan: 'pro', geo: { country: 'PT' } },
    })).toBe(true);
  });

  it.each([
    ['an array', [], '/context'],
    ['a numeric ip', { ip: 127001 }, '/context/ip'],
    ['a request id with a tab', { requestId: 'r\t1' }, '/context/requestId'],
    ['a user agent over 8 KiB', { userAgent: 'M'.repeat(8193) }, '/context/userAgent'],
    ['a route that is not a string', { route: ['a'] }, '/context/route'],
    ['a key with a control character', { 'a\u0001b': 1 }, '/context/a\u0001b'],
  ])('rejects context with %s', (_name, context, path) => {
    expect(problemOf({ context })?.path).toBe(path);
  });

  it('accepts data with nested objects, arrays and every JSON type', () => {
    expect(isValid({ data: { a: 1, b: 'x', c: true, d: null, e: [1, { f: [] }], g: {}, h: -0.5e-10 } })).toBe(true);
  });

  it.each([['an array', [1]], ['a string', 'x'], ['null', null], ['a number', 1]])('rejects data that is %s', (_name, data) => {
    expect(problemOf({ data })?.path).toBe('/data');
  });

  it('allows tabs and line breaks in data strings but no other control characters', () => {
    expect(isValid({ data: { note: 'line 1\r\nline 2\tend' } })).toBe(true);
    expect(problemOf({ data: { note: 'bell\u0007' } })?.path).toBe('/data/note');
    expect(problemOf({ data: { note: 'del\u007f' } })?.path).toBe('/data/note');
    expect(problemOf({ data: { list: ['ok', 'esc\u001b'] } })?.path).toBe('/data/list/1');
  });

  it('accepts up to 100 tags of up to 256 characters', () => {
    expect(isValid({ tags: Array.from({ length: 100 }, (_, i) => `t:${i}`.padEnd(256, 'x')) })).toBe(true);
  });

  it.each([
    ['not an array', 'company:123', '/tags'],
    ['a non-string tag', ['a', 5], '/tags/1'],
    ['an empty tag', [''], '/tags/0'],
    ['a tag of 257 characters', ['t'.repeat(257)], '/tags/0'],
    ['a tag with DEL', ['a\u007f'], '/tags/0'],
    ['a tag with a line break', ['a\n'], '/tags/0'],
  ])('rejects tags %s', (_name, tags, path) => {
    expect(problemOf({ tags })?.path).toBe(path);
  });

  it('rejects more than 100 tags', () => {
    expect(problemOf({ tags: Array.from({ length: 101 }, (_, i) => `t${i}`) })?.message).toContain('at most 100');
  });
});

describe('validateAppendRequest: hostile input', () => {
  it('accepts 32 levels of nesting in data and refuses 33', () => {
    expect(isValid({ data: nested(32) })).toBe(true); // data itself is level 1
    const d = problemOf({ data: nested(33) });
    expect(d?.path).toBe(`/data${'/a'.repeat(32)}`);
    expect(d?.message).toContain('nested too deeply');
  });

  it('counts nesting in changes values and context values too', () => {
    expect(isValid({ changes: [{ field: 'a', new: nested(31, []) }] })).toBe(true);
    expect(problemOf({ changes: [{ field: 'a', new: nested(32, []) }] })?.path).toMatch(/^\/changes\/0\/new(\/a){32}$/);
    expect(isValid({ context: { x: nested(31) } })).toBe(true);
    expect(problemOf({ context: { x: nested(32) } })?.path).toMatch(/^\/context\/x(\/a){31}$/);
  });

  it('reports 100-level nesting once', () => {
    expect(details(minimal({ data: nested(100) }))).toHaveLength(1);
  });

  it('survives 100,000 levels of nesting inside data, arrays and unknown fields without throwing', () => {
    const deepObject = nested(100_000);
    let deepArray: unknown = [];
    for (let i = 0; i < 100_000; i++) deepArray = [deepArray];
    expect(() => validateAppendRequest(minimal({ data: { x: deepObject, y: deepArray }, extra: deepArray }), LIMITS)).not.toThrow();
    expect(paths(minimal({ data: { y: deepArray }, extra: deepObject }))).toEqual([`/data/y${'/0'.repeat(31)}`, '/extra']);
  });

  it('survives a cycle without throwing', () => {
    const data: Record<string, unknown> = {};
    data['self'] = data;
    const actor: Record<string, unknown> = { type: 'user', id: '1' };
    actor['name'] = actor;
    expect(paths(minimal({ data, actor }))).toEqual(['/actor/name', `/data${'/self'.repeat(32)}`]);
  });

  it('refuses lone surrogates in values and keys anywhere, and accepts well-formed pairs', () => {
    expect(isValid({ data: { emoji: 'ok 😀', '😀': 1 }, actor: { type: 'user', id: '5', name: '😀' } })).toBe(true);
    const d = details(minimal({
      data: { high: 'a\ud800', low: '\udc00b', reversed: '\udc00\ud800', ['k\ud800']: 1 },
      actor: { type: 'user', id: '5', name: 'x\udbff' },
      tags: ['\ud83d'],
      context: { requestId: '\udfff' },
    }));
    expect(d.map((x) => x.path)).toEqual([
      '/actor/name', '/context/requestId', '/data/high', '/data/low', '/data/reversed', '/data/k\ud800', '/tags/0',
    ]);
    for (const x of d) expect(x.message).toContain('lone UTF-16 surrogate');
  });

  it('refuses a "__proto__" key inside data and does not touch any prototype', () => {
    const body: unknown = JSON.parse('{"type":"a.b","actor":{"type":"user","id":"1"},"data":{"__proto__":{"polluted":true},"constructor":{"prototype":1}}}');
    expect(details(body)).toEqual([{ path: '/data/__proto__', message: expect.stringContaining('"__proto__" is not allowed') }]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('accepts "constructor" and "prototype" as ordinary data keys', () => {
    expect(isValid({ data: { constructor: 'x', prototype: { toString: 1 } } })).toBe(true);
  });

  it('reports a top-level "__proto__" field as unknown', () => {
    const body: unknown = JSON.parse('{"type":"a.b","actor":{"type":"user","id":"1"},"__proto__":{"x":1}}');
    expect(paths(body)).toEqual(['/__proto__']);
  });

  it('measures an event with a 1 MB string and rejects it as too large, with the size and the limit', () => {
    const r = validateAppendRequest(minimal({ data: { blob: 'x'.repeat(1_000_000) } }), LIMITS);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.tooLarge).toBe(true);
      expect(r.details).toEqual([{
        path: '',
        message: expect.stringMatching(/^the event is 1000\d{3} bytes as JSON, over the limit of 65536 bytes/),
      }]);
    }
  });

  it('reports a 1 MB name as too long and the event as too large', () => {
    expect(paths({ events: [minimal({ actor: { type: 'user', id: '5', name: 'n'.repeat(1_000_000) } })] }))
      .toEqual(['/events/0/actor/name', '/events/0']);
  });

  it('accepts an event of exactly maxEventBytes and rejects one byte more', () => {
    const base = minimal({ data: { pad: '' } });
    const overhead = Buffer.byteLength(JSON.stringify(base));
    const limits = { ...LIMITS, maxEventBytes: 10_000 };
    expect(validateAppendRequest(minimal({ data: { pad: 'é'.repeat(2_000) + 'x'.repeat(10_000 - overhead - 4_000) } }), limits).ok).toBe(true);
    const over = validateAppendRequest(minimal({ data: { pad: 'é'.repeat(2_000) + 'x'.repeat(10_001 - overhead - 4_000) } }), limits);
    expect(over.ok).toBe(false);
    if (!over.ok) expect(over.details[0]?.message).toContain('10001 bytes');
  });

  it('counts UTF-8 bytes and JSON escapes, not characters, against the limit', () => {
    const limits = { ...LIMITS, maxEventBytes: 1000 };
    expect(validateAppendRequest(minimal({ data: { s: '€'.repeat(400) } }), limits).ok).toBe(false); // 1200 bytes
    expect(validateAppendRequest(minimal({ data: { s: '"'.repeat(600) } }), limits).ok).toBe(false); // 1200 bytes escaped
    expect(validateAppendRequest(minimal({ data: { s: 'a'.repeat(600) } }), limits).ok).toBe(true);
  });

  it('refuses values JSON cannot carry', () => {
    class Thing { x = 1; }
    const d = details(minimal({
      data: {
        date: new Date(0), map: new Map(), thing: new Thing(), fn: () => 1, sym: Symbol('s'), big: 10n,
        nan: NaN, inf: -Infinity, undef: undefined, holes: [1, undefined],
      },
    }));
    expect(d.map((x) => x.path)).toEqual([
      '/data/date', '/data/map', '/data/thing', '/data/fn', '/data/sym', '/data/big', '/data/nan', '/data/inf',
      '/data/undef', '/data/holes/1',
    ]);
  });

  it('does not throw on objects whose getters or proxies throw', () => {
    const getter = Object.defineProperty({ type: 'a.b', actor: { type: 'u', id: '1' } }, 'data', {
      enumerable: true,
      get() { throw new Error('boom'); },
    });
    const proxy = new Proxy({}, { ownKeys() { throw new Error('boom'); } });
    expect(validateAppendRequest(getter, LIMITS).ok).toBe(false);
    expect(validateAppendRequest({ events: [proxy] }, LIMITS).ok).toBe(false);
    expect(validateAppendRequest(minimal({ data: proxy }), LIMITS).ok).toBe(false);
  });

  it('does not throw when the body itself is a hostile proxy', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const trap = new Proxy({}, { getPrototypeOf() { throw new Error('boom'); } });
    const events = new Proxy({ events: [] }, { get() { throw new Error('boom'); } });
    for (const body of [proxy, trap, events]) {
      expect(validateAppendRequest(body, LIMITS)).toEqual({ ok: false, details: [{ path: '', message: expect.any(String) }] });
    }
  });

  it('accepts objects without a prototype, as some parsers make them', () => {
    const data = Object.create(null) as Record<string, unknown>;
    data['a'] = 1;
    expect(isValid({ data })).toBe(true);
  });

  it('cuts very long keys in paths and messages so error bodies stay small', () => {
    const key = 'k'.repeat(50_000);
    const d = details(minimal({ [key]: 1 }));
    expect(d).toHaveLength(1);
    expect(d[0]!.path.length).toBeLessThan(300);
    expect(d[0]!.message.length).toBeLessThan(600);
  });

  it('escapes ~ and / in reported paths', () => {
    expect(paths(minimal({ data: { 'a/b': { 'c~d': NaN } } }))).toEqual(['/data/a~1b/c~0d']);
  });
});

describe('validateAppendRequest: speed', () => {
  // A guard against accidental quadratic work, not a benchmark: about 3 µs per event when warm, so the
  // bound leaves room for a loaded CI machine.
  it('validates 10,000 typical events in well under five seconds', () => {
    const body = { events: Array.from({ length: 1000 }, () => fullEvent()) };
    for (let i = 0; i < 3; i++) validateAppendRequest(body, LIMITS);
    const started = performance.now();
    for (let i = 0; i < 10; i++) expect(validateAppendRequest(body, LIMITS).ok).toBe(true);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

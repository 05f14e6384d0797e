import { describe, it, expect } from 'vitest';
import { parseFilterParams, parseSearchParams, parseStatsParams } from '../../src/query/parseQueryParams.ts';
import type { RawQuery } from '../../src/query/parseQueryParams.ts';
import { STATS_GROUPS } from '../../src/store/EventStore.ts';

function problems(result: { ok: boolean; details?: { path: string; message: string }[] }): { path: string; message: string }[] {
  return result.ok ? [] : (result.details ?? []);
}

const searchProblems = (raw: RawQuery) => problems(parseSearchParams(raw));

function search(raw: RawQuery) {
  const r = parseSearchParams(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.details));
  return r.value;
}

describe('parseSearchParams', () => {
  it('defaults to the newest 100 events and no filters', () => {
    expect(search({})).toEqual({ limit: 100, order: 'desc' });
  });

  it('parses every filter parameter', () => {
    expect(search({
      type: ['configuration.*', 'user.created'],
      severity: ['high', 'critical'],
      minSeverity: 'low',
      actorType: 'user',
      actorId: '5',
      entityType: 'PolicyConfiguration',
      entityId: '123',
      stream: 'PolicyConfiguration:123',
      source: 'ui',
      outcome: 'failure',
      tag: ['company:123', 'config:hours_before'],
      field: 'fee_percentage',
      correlationId: 'c-1',
      from: '2026-11-01T00:00:00Z',
      to: '2026-12-01T00:00:00Z',
      limit: '50',
      order: 'asc',
      cursor: 'eyJrIjo0Mn0',
    })).toEqual({
      types: ['configuration.*', 'user.created'],
      severities: ['high', 'critical'],
      minSeverity: 'low',
      actorType: 'user',
      actorId: '5',
      entityType: 'PolicyConfiguration',
      entityId: '123',
      stream: 'PolicyConfiguration:123',
      source: 'ui',
      outcome: 'failure',
      tags: ['company:123', 'config:hours_before'],
      field: 'fee_percentage',
      correlationId: 'c-1',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      limit: 50,
      order: 'asc',
      cursor: 'eyJrIjo0Mn0',
    });
  });

  it('accepts a single type and type globs', () => {
    expect(search({ type: 'user.login' }).types).toEqual(['user.login']);
    expect(search({ type: ['*', '*.updated', 'a.*.b'] }).types).toEqual(['*', '*.updated', 'a.*.b']);
  });

  it.each(['User.login', 'user-login', 'user login', '', 'x'.repeat(129), 'a?b'])('rejects the type %j', (type) => {
    expect(searchProblems({ type })).toEqual([{ path: '/query/type', message: expect.stringContaining('like configuration.updated') }]);
  });

  it('reports each bad type of a repeated parameter', () => {
    expect(searchProblems({ type: ['ok', 'Bad', 'also bad'] })).toHaveLength(2);
  });

  it('takes severities repeated or as a comma list, without duplicates', () => {
    expect(search({ severity: 'high,critical' }).severities).toEqual(['high', 'critical']);
    expect(search({ severity: ['low', 'high,low'] }).severities).toEqual(['low', 'high']);
  });

  it('rejects an unknown severity and lists the valid ones', () => {
    expect(searchProblems({ severity: 'high,urgent' })).toEqual([
      { path: '/query/severity', message: expect.stringContaining('info, low, medium, high, critical') },
    ]);
    expect(searchProblems({ minSeverity: 'severe' })).toEqual([{ path: '/query/minSeverity', message: 'must be one of info, low, medium, high, critical' }]);
  });

  it('takes repeated tags as tags that must all be present', () => {
    expect(search({ tag: ['a', 'b', 'a'] }).tags).toEqual(['a', 'b']);
    expect(search({ tag: 'a,b' }).tags).toEqual(['a,b']);
  });

  it.each(['actorType', 'actorId', 'entityType', 'entityId', 'stream', 'field', 'correlationId', 'tag'])(
    'rejects an empty, oversized or control-character %s',
    (name) => {
      expect(searchProblems({ [name]: '' })).toEqual([{ path: `/query/${name}`, message: expect.stringContaining('must not be empty') }]);
      expect(searchProblems({ [name]: 'x'.repeat(257) })).toEqual([{ path: `/query/${name}`, message: expect.stringContaining('at most 256') }]);
      expect(searchProblems({ [name]: 'a\u0000b' })).toEqual([{ path: `/query/${name}`, message: expect.stringContaining('control characters') }]);
      expect(searchProblems({ [name]: 'a\ud800' })).toHaveLength(1);
    },
  );

  it('checks source as a short token and outcome as success or failure', () => {
    expect(searchProblems({ source: 'UI' })).toEqual([{ path: '/query/source', message: expect.stringContaining('short lowercase token') }]);
    expect(searchProblems({ outcome: 'ok' })).toEqual([{ path: '/query/outcome', message: 'must be one of success, failure' }]);
  });

  it('normalises from and to to UTC ISO 8601 with milliseconds', () => {
    expect(search({ from: '2026-11-22T12:00:00+02:00', to: '2026-11-22T10:00:00.5Z' })).toMatchObject({
      from: '2026-11-22T10:00:00.000Z',
      to: '2026-11-22T10:00:00.500Z',
    });
  });

  it.each(['2026-11-22', '2026-11-22T10:00:00', '2026-02-30T00:00:00Z', '1763805600000', 'now'])('rejects the timestamp %j', (from) => {
    expect(searchProblems({ from })).toEqual([{ path: '/query/from', message: expect.any(String) }]);
  });

  it('rejects from after to, and accepts an empty range', () => {
    expect(searchProblems({ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' })).toEqual([
      { path: '/query/from', message: expect.stringContaining('must not be after to') },
    ]);
    expect(searchProblems({ from: '2026-01-01T02:00:00+02:00', to: '2026-01-01T00:00:00Z' })).toEqual([]);
  });

  it.each(['1', '1000', '0100'])('accepts the limit %s', (limit) => {
    expect(search({ limit }).limit).toBe(Number(limit));
  });

  it.each(['0', '1001', '-1', '1.5', 'abc', '1e2', ' 5', '', '99999999999'])('rejects the limit %j', (limit) => {
    expect(searchProblems({ limit })).toEqual([{ path: '/query/limit', message: 'must be a whole number from 1 to 1000' }]);
  });

  it('rejects an order other than asc or desc', () => {
    expect(searchProblems({ order: 'newest' })).toEqual([{ path: '/query/order', message: 'must be one of asc, desc' }]);
  });

  it('passes the cursor through untouched and bounds its length', () => {
    expect(search({ cursor: 'not-checked-here_~' }).cursor).toBe('not-checked-here_~');
    expect(searchProblems({ cursor: 'c'.repeat(513) })).toEqual([{ path: '/query/cursor', message: expect.stringContaining('at most 512') }]);
    expect(searchProblems({ cursor: '' })).toHaveLength(1);
  });

  it.each(['limit', 'order', 'cursor', 'actorId', 'from', 'minSeverity', 'source', 'outcome'])('rejects %s given twice', (name) => {
    expect(searchProblems({ [name]: ['a', 'b'] })).toEqual([{ path: `/query/${name}`, message: 'is given 2 times; give it once' }]);
  });

  it('accepts a single-valued parameter delivered as a one-element array', () => {
    expect(search({ limit: ['5'] }).limit).toBe(5);
  });

  it('rejects unknown parameters and lists the known ones', () => {
    expect(searchProblems({ actor: '5' })).toEqual([{
      path: '/query/actor',
      message: expect.stringMatching(/^unknown parameter; known: type, severity, .* limit, order, cursor$/),
    }]);
  });

  it('ignores parameters whose value is undefined', () => {
    expect(search({ foo: undefined, limit: undefined })).toEqual({ limit: 100, order: 'desc' });
  });

  it('accepts the extra parameters its caller parses itself', () => {
    expect(parseSearchParams({ format: 'csv' }, ['format']).ok).toBe(true);
  });

  it('reports every problem at once', () => {
    const d = searchProblems({
      type: 'Bad', severity: 'x', limit: '0', order: 'sideways', from: 'then', unknown: '1', actorId: ['1', '2'],
    });
    expect(d.map((x) => x.path).sort()).toEqual([
      '/query/actorId', '/query/from', '/query/limit', '/query/order', '/query/severity', '/query/type', '/query/unknown',
    ]);
  });

  it('bounds how many times a parameter may repeat', () => {
    expect(searchProblems({ tag: Array.from({ length: 101 }, (_, i) => `t${i}`) })).toEqual([
      { path: '/query/tag', message: expect.stringContaining('at most 100') },
    ]);
  });

  it('escapes a hostile parameter name in the path', () => {
    expect(searchProblems({ 'a/b~c': '1' })[0]?.path).toBe('/query/a~1b~0c');
  });
});

describe('parseFilterParams', () => {
  it('parses only the filters and refuses paging parameters unless allowed', () => {
    expect(parseFilterParams({ actorId: '5' })).toEqual({ ok: true, value: { actorId: '5' } });
    expect(problems(parseFilterParams({ limit: '5' }))).toEqual([{ path: '/query/limit', message: expect.stringContaining('unknown parameter') }]);
    expect(parseFilterParams({ format: 'ndjson', actorId: '5' }, ['format'])).toEqual({ ok: true, value: { actorId: '5' } });
  });

  it('names the allowed extras among the known parameters', () => {
    expect(problems(parseFilterParams({ x: '1' }, ['format']))[0]?.message).toMatch(/, format$/);
  });
});

describe('parseStatsParams', () => {
  it.each(STATS_GROUPS)('accepts groupBy=%s', (groupBy) => {
    expect(parseStatsParams({ groupBy })).toEqual({ ok: true, value: { groupBy } });
  });

  it('requires groupBy and lists the groups', () => {
    expect(problems(parseStatsParams({}))).toEqual([
      { path: '/query/groupBy', message: 'is required: one of type, severity, actor, entityType, source, outcome' },
    ]);
  });

  it('rejects an unknown group', () => {
    expect(problems(parseStatsParams({ groupBy: 'tenant' }))).toEqual([
      { path: '/query/groupBy', message: 'must be one of type, severity, actor, entityType, source, outcome' },
    ]);
  });

  it('takes an hour or day interval and the filters', () => {
    expect(parseStatsParams({ groupBy: 'type', interval: 'day', type: 'configuration.*', from: '2026-01-01T00:00:00Z' })).toEqual({
      ok: true,
      value: { groupBy: 'type', interval: 'day', types: ['configuration.*'], from: '2026-01-01T00:00:00.000Z' },
    });
    expect(problems(parseStatsParams({ groupBy: 'type', interval: 'week' }))).toEqual([
      { path: '/query/interval', message: 'must be one of hour, day' },
    ]);
  });

  it('refuses search-only parameters', () => {
    expect(problems(parseStatsParams({ groupBy: 'type', limit: '10' })).map((d) => d.path)).toEqual(['/query/limit']);
  });
});

import { describe, expect, it } from 'vitest';
import { isVellumError, type ErrorDetail } from '@vellum/core';
import {
  parseCreateSubscription, parseLimit, parsePurgeDeadLetters, parseReplay, parseRetryDeadLetters, parseRotateSecret, parseUpdateSubscription,
} from '../../src/subscriptions/parseSubscriptionRequests.ts';
import { parseSubscriptionFilter } from '../../src/subscriptions/parseSubscriptionFilter.ts';

const target = { kind: 'webhook', url: 'https://example.com/hook' };

/** The details a throwing parser reports (fails the test if it does not throw VALIDATION_FAILED). */
function problems(fn: () => unknown): ErrorDetail[] {
  try {
    fn();
  } catch (err) {
    if (isVellumError(err) && err.code === 'VALIDATION_FAILED') return err.details;
    throw err;
  }
  throw new Error('expected VALIDATION_FAILED');
}
const paths = (details: readonly ErrorDetail[]) => details.map((d) => d.path).sort();

describe('parseSubscriptionFilter', () => {
  const parse = (raw: unknown) => {
    const details: ErrorDetail[] = [];
    return { filter: parseSubscriptionFilter(raw, '/filter', details), details };
  };

  it('takes every search filter as JSON and keeps what the search rules accept', () => {
    const raw = {
      types: ['configuration.*', 'user.created'], severities: ['high', 'critical'], minSeverity: 'medium', actorType: 'user', actorId: '5',
      entityType: 'PolicyConfiguration', entityId: '123', stream: 'PolicyConfiguration:123', source: 'ui', outcome: 'failure',
      tags: ['pci', 'a,b'], field: 'fee_percentage', correlationId: 'req-1',
    };
    const { filter, details } = parse(raw);
    expect(details).toEqual([]);
    expect(filter).toEqual(raw);
  });

  it('an empty object matches everything; duplicates collapse', () => {
    expect(parse({}).filter).toEqual({});
    expect(parse({ types: ['a.b', 'a.b'] }).filter).toEqual({ types: ['a.b'] });
  });

  it('lists every bad value at its own pointer, nothing kept', () => {
    const { filter, details } = parse({
      types: ['Bad Type', 'ok.type', 'x,y', 7], severities: ['urgent'], minSeverity: 'huge', source: 'Not A Token', outcome: 'maybe',
      tags: [], actorId: '', entityId: 'a\u0000b', stream: 'x'.repeat(300), field: 12, from: '2026-01-01T00:00:00Z', bogus: true,
    });
    expect(filter).toBeNull();
    expect(paths(details)).toEqual([
      '/filter/actorId', '/filter/bogus', '/filter/entityId', '/filter/field', '/filter/from', '/filter/minSeverity', '/filter/outcome',
      '/filter/severities/0', '/filter/source', '/filter/stream', '/filter/tags', '/filter/types/0', '/filter/types/2', '/filter/types/3',
    ]);
  });

  it('refuses a non-object and an array over the limit', () => {
    expect(paths(parse('configuration.*').details)).toEqual(['/filter']);
    expect(paths(parse([]).details)).toEqual(['/filter']);
    expect(paths(parse({ tags: Array.from({ length: 101 }, (_, i) => `t${i}`) }).details)).toEqual(['/filter/tags']);
  });
});

describe('parseCreateSubscription', () => {
  it('defaults: filter {} and startFrom now', () => {
    expect(parseCreateSubscription({ name: ' audit hook ', target })).toEqual({
      value: { name: 'audit hook', filter: {}, target, startFrom: { kind: 'now' } }, details: [],
    });
  });

  it('start points', () => {
    const start = (startFrom: unknown) => parseCreateSubscription({ name: 'n', target, startFrom });
    expect(start('beginning').value.startFrom).toEqual({ kind: 'beginning' });
    expect(start({ position: 5 }).value.startFrom).toEqual({ kind: 'position', position: 5 });
    expect(start({ time: '2026-12-01T01:00:00+01:00' }).value.startFrom).toEqual({ kind: 'time', time: '2026-12-01T00:00:00.000Z' });
    for (const bad of ['later', 3, { position: 0 }, { position: 1.5 }, { position: '4' }, { time: 'yesterday' }, { time: '2026-12-01T00:00:00' }, {}, { position: 1, time: '2026-12-01T00:00:00Z' }, { position: 1, from: 2 }]) {
      expect(start(bad).details.length, JSON.stringify(bad)).toBeGreaterThan(0);
      expect(start(bad).details.every((d) => d.path.startsWith('/startFrom')), JSON.stringify(bad)).toBe(true);
    }
  });

  it('lists every problem at once', () => {
    const { details } = parseCreateSubscription({ name: '', filter: { types: ['BAD'] }, startFrom: 'later', extra: 1 });
    expect(paths(details)).toEqual(['/extra', '/filter/types/0', '/name', '/startFrom', '/target']);
  });

  it('names: 1..100 characters, no control characters', () => {
    for (const name of ['', '   ', 'x'.repeat(101), 'a\u0007b', 'a\u009bb', 42, null]) {
      expect(paths(parseCreateSubscription({ name, target }).details), JSON.stringify(name)).toEqual(['/name']);
    }
    expect(parseCreateSubscription({ name: 'x'.repeat(100), target }).details).toEqual([]);
  });

  it('a body that is not an object', () => {
    for (const body of [null, undefined, [], 'x', 3]) expect(paths(parseCreateSubscription(body).details)).toEqual(['']);
  });

  it('cuts a huge unknown property name in the path', () => {
    const { details } = parseCreateSubscription({ name: 'n', target, ['k'.repeat(100_000)]: 1 });
    expect(details[0]!.path.length).toBeLessThan(300);
  });
});

describe('parseUpdateSubscription', () => {
  it('takes any of name, filter, target', () => {
    expect(parseUpdateSubscription({ name: 'b' })).toEqual({ value: { name: 'b' }, details: [] });
    expect(parseUpdateSubscription({ filter: { minSeverity: 'high' }, target })).toEqual({ value: { filter: { minSeverity: 'high' }, target }, details: [] });
  });
  it('needs one; refuses status, cursor and unknowns', () => {
    expect(paths(parseUpdateSubscription({}).details)).toEqual(['']);
    expect(paths(parseUpdateSubscription({ name: 'a', status: 'active', cursor: 0 }).details)).toEqual(['/cursor', '/status']);
    expect(paths(parseUpdateSubscription({ name: 'a'.repeat(101), filter: { outcome: 'x' } }).details)).toEqual(['/filter/outcome', '/name']);
  });
});

describe('other bodies and queries', () => {
  it('replay: position or time, exactly one', () => {
    expect(parseReplay({ position: 3 })).toEqual({ kind: 'position', position: 3 });
    expect(parseReplay({ time: '2026-12-01T00:00:00Z' })).toEqual({ kind: 'time', time: '2026-12-01T00:00:00.000Z' });
    expect(paths(problems(() => parseReplay({})))).toEqual(['']);
    expect(paths(problems(() => parseReplay(null)))).toEqual(['']);
    expect(paths(problems(() => parseReplay({ position: -1 })))).toEqual(['/position']);
    expect(paths(problems(() => parseReplay({ position: 2, time: 'x' })))).toEqual(['']);
    expect(paths(problems(() => parseReplay({ time: 'x', y: 1 })))).toEqual(['/time', '/y']);
  });

  it('dead letter retry: ids optional, bounded, well-formed', () => {
    expect(parseRetryDeadLetters(undefined)).toEqual({ ids: null });
    expect(parseRetryDeadLetters({})).toEqual({ ids: null });
    expect(parseRetryDeadLetters({ ids: ['a-1', 'a-1', 'b'] })).toEqual({ ids: ['a-1', 'b'] });
    expect(paths(problems(() => parseRetryDeadLetters({ ids: [] })))).toEqual(['/ids']);
    expect(paths(problems(() => parseRetryDeadLetters({ ids: Array.from({ length: 101 }, (_, i) => `x${i}`) })))).toEqual(['/ids']);
    expect(paths(problems(() => parseRetryDeadLetters({ ids: ['ok', 'not ok', 5, 'x'.repeat(65)], more: 1 })))).toEqual(['/ids/1', '/ids/2', '/ids/3', '/more']);
  });

  it('dead letter purge: ?id= repeated, nothing else', () => {
    expect(parsePurgeDeadLetters({})).toEqual({ ids: undefined });
    expect(parsePurgeDeadLetters({ id: 'a' })).toEqual({ ids: ['a'] });
    expect(parsePurgeDeadLetters({ id: ['a', 'b'] })).toEqual({ ids: ['a', 'b'] });
    expect(paths(problems(() => parsePurgeDeadLetters({ id: ['a', '<b>'], all: 'yes' })))).toEqual(['/query/all', '/query/id/1']);
  });

  it('limit', () => {
    expect(parseLimit({}, 50, 200)).toBe(50);
    expect(parseLimit({ limit: '200' }, 50, 200)).toBe(200);
    for (const limit of ['0', '201', '-1', 'ten', '1e2', ['1', '2']]) expect(paths(problems(() => parseLimit({ limit }, 50, 200)))).toEqual(['/query/limit']);
    expect(paths(problems(() => parseLimit({ offset: '3' }, 50, 200)))).toEqual(['/query/offset']);
  });

  it('rotate-secret: graceSeconds 0..30 days', () => {
    expect(parseRotateSecret(undefined)).toEqual({ graceSeconds: 86_400 });
    expect(parseRotateSecret({ graceSeconds: 0 })).toEqual({ graceSeconds: 0 });
    for (const g of [-1, 30 * 86_400 + 1, 1.5, '60']) expect(paths(problems(() => parseRotateSecret({ graceSeconds: g })))).toEqual(['/graceSeconds']);
    expect(paths(problems(() => parseRotateSecret({ secret: 'whsec_x' })))).toEqual(['/secret']);
  });
});

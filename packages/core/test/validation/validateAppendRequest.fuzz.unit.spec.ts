import { describe, it, expect } from 'vitest';
import { seededRandom } from '../../src/testing/queryFixture.ts';
import { DEFAULT_INGEST_LIMITS, validateAppendRequest } from '../../src/validation/validateAppendRequest.ts';

/** Seeded, so a failure can be replayed. */
const random = seededRandom;

const NASTY_STRINGS = [
  '', ' ', 'a', 'configuration.updated', 'Configuration.Updated', '..', 'a..b', '*', 'user', '5',
  '\u0000', '\t', '\n', '\r\n', '\u001b[31m', '\u007f', '\ud800', '\udc00', '\ud83d\ude00', 'x\ud800y',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'events', 'type', 'actor',
  '2026-11-22T10:00:00.000Z', '2026-02-30T00:00:00Z', '9999-12-31T23:59:59.999-23:59', 'NaN', '-0',
  'x'.repeat(129), 'y'.repeat(257), 'z'.repeat(9000), '\u2028\u2029', '\ufeff', '~/', '/a/b', '"\\',
];
const NASTY_NUMBERS = [0, -0, 1, -1, 0.5, 1e308, -1e-308, 2 ** 53, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity];
const FIELDS = [
  'type', 'action', 'severity', 'outcome', 'actor', 'entity', 'stream', 'expectedVersion', 'source', 'changes',
  'context', 'data', 'tags', 'correlationId', 'causationId', 'occurredAt', 'idempotencyKey', '__proto__', 'extra',
];

function validEvent(): Record<string, unknown> {
  return {
    type: 'configuration.updated',
    severity: 'high',
    outcome: 'failure',
    actor: { type: 'user', id: '5', name: 'Ana', email: 'ana@example.com' },
    entity: { type: 'Policy', id: '123', name: 'Cancellation' },
    stream: 'Policy:123',
    expectedVersion: 3,
    source: 'ui',
    changes: [{ field: 'hours_before', old: 24, new: 48 }, { field: 'name', new: { a: [1, 'b', null] } }],
    context: { ip: '10.0.0.1', userAgent: 'curl/8', route: '/x', requestId: 'r', extra: { deep: [true] } },
    data: { company_id: 123, nested: { list: [1, 2, { x: 'y' }] } },
    tags: ['company:123'],
    correlationId: 'c',
    causationId: 'e',
    occurredAt: '2026-11-22T12:00:00+02:00',
    idempotencyKey: 'k',
  };
}

function generator(rand: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;

  // A node budget per case keeps random trees from occasionally growing huge.
  let budget = 0;
  const value = (depth: number): unknown => {
    const r = rand();
    if (--budget < 0 || depth > 40 || r < 0.25) return pick(NASTY_STRINGS);
    if (r < 0.35) return pick(NASTY_NUMBERS);
    if (r < 0.4) return pick([true, false, null, undefined]);
    if (r < 0.45) return validEvent();
    if (r < 0.7) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
    const obj: Record<string, unknown> = {};
    const n = Math.floor(rand() * 5);
    for (let i = 0; i < n; i++) {
      const key = rand() < 0.5 ? pick(FIELDS) : pick(NASTY_STRINGS);
      Object.defineProperty(obj, key, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return obj;
  };

  const deep = (): unknown => {
    let v: unknown = pick(NASTY_STRINGS);
    const levels = Math.floor(rand() * 200);
    for (let i = 0; i < levels; i++) v = rand() < 0.5 ? [v] : { a: v };
    return v;
  };

  /** A valid event with a few fields replaced, removed, or pointed at hostile values. */
  const mutated = (): Record<string, unknown> => {
    const ev = validEvent();
    const edits = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < edits; i++) {
      const field = pick(FIELDS);
      const r = rand();
      if (r < 0.3) delete ev[field];
      else if (r < 0.5) ev[field] = deep();
      else if (r < 0.6 && typeof ev['data'] === 'object' && ev['data'] !== null) (ev['data'] as Record<string, unknown>)[pick(NASTY_STRINGS)] = value(0);
      else if (r < 0.7 && typeof ev['actor'] === 'object' && ev['actor'] !== null) (ev['actor'] as Record<string, unknown>)[pick(['type', 'id', 'name', 'email', 'x'])] = value(3);
      else Object.defineProperty(ev, field, { value: value(0), enumerable: true, writable: true, configurable: true });
    }
    return ev;
  };

  const reset = (): void => { budget = 300; };

  return { value, mutated, pick, reset };
}

describe('validateAppendRequest under random input', () => {
  it('never throws on 5,000 random and mutated JSON values and always answers in the documented shape', () => {
    const rand = random(20261122);
    const g = generator(rand);
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      g.reset();
      const r = rand();
      const body = r < 0.3 ? g.value(0)
        : r < 0.7 ? g.mutated()
        : { events: Array.from({ length: Math.floor(rand() * 5) }, () => (rand() < 0.8 ? g.mutated() : g.value(1))) };
      let result: ReturnType<typeof validateAppendRequest> | undefined;
      expect(() => { result = validateAppendRequest(body, DEFAULT_INGEST_LIMITS); }, `case ${i}`).not.toThrow();
      if (result === undefined) continue;
      if (result.ok) {
        accepted++;
        expect(result.value.events.length).toBeGreaterThan(0);
        // Anything accepted survives a trip through JSON unchanged in meaning, and is still valid after it.
        const wire: unknown = JSON.parse(JSON.stringify(body));
        expect(validateAppendRequest(wire, DEFAULT_INGEST_LIMITS).ok, `case ${i}`).toBe(true);
      } else {
        expect(result.details.length).toBeGreaterThan(0);
        expect(result.details.length).toBeLessThanOrEqual(101);
        for (const d of result.details) {
          expect(d.path === '' || d.path.startsWith('/')).toBe(true);
          expect(d.message.length).toBeGreaterThan(0);
        }
        // Error bodies must themselves be serialisable.
        expect(() => JSON.stringify(result)).not.toThrow();
      }
    }
    // The generator is useful only if it produces both outcomes.
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(4900);
  });
});

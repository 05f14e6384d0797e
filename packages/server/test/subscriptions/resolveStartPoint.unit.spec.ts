import { describe, expect, it } from 'vitest';
import { InMemoryEventStore, isVellumError } from '@vellum/core';
import { createPreparedFactory } from '@vellum/core/testing';
import { firstPositionAtOrAfter, resolveStartPoint } from '../../src/subscriptions/resolveStartPoint.ts';

/** Start points against a real (in-memory) log: events recorded one second apart from 10:00:00. */
async function logOf(n: number, tenant = 'acme') {
  const store = new InMemoryEventStore();
  const make = createPreparedFactory({ start: '2026-12-01T10:00:00.000Z' });
  if (n > 0) await store.append([{ tenant, events: Array.from({ length: n }, () => make({ tenant })) }]);
  // Another tenant's events interleave nothing: positions are per tenant.
  await store.append([{ tenant: 'other', events: [createPreparedFactory({ start: '2026-12-01T09:00:00.000Z' })({ tenant: 'other' })] }]);
  return store;
}
const at = (s: number) => new Date(Date.parse('2026-12-01T10:00:00.000Z') + s * 1000).toISOString();

describe('resolveStartPoint', () => {
  it('now is the head, beginning is 0, a position N starts at N', async () => {
    const store = await logOf(10);
    expect(await resolveStartPoint(store, 'acme', { kind: 'now' }, '/startFrom')).toBe(10);
    expect(await resolveStartPoint(store, 'acme', { kind: 'beginning' }, '/startFrom')).toBe(0);
    expect(await resolveStartPoint(store, 'acme', { kind: 'position', position: 1 }, '/startFrom')).toBe(0);
    expect(await resolveStartPoint(store, 'acme', { kind: 'position', position: 11 }, '/startFrom')).toBe(10);
  });

  it('refuses a position past head + 1, at the given path', async () => {
    const store = await logOf(3);
    try {
      await resolveStartPoint(store, 'acme', { kind: 'position', position: 5 }, '/startFrom');
      expect.unreachable();
    } catch (err) {
      expect(isVellumError(err) && err.code).toBe('VALIDATION_FAILED');
      expect((err as { details: unknown }).details).toEqual([{ path: '/startFrom/position', message: expect.stringContaining('at most 4') }]);
    }
  });

  it('a time lands just before the first event recorded at or after it', async () => {
    const store = await logOf(100);
    // Event p was recorded at 10:00:00 + (p - 1) s.
    expect(await resolveStartPoint(store, 'acme', { kind: 'time', time: at(0) }, '')).toBe(0);
    expect(await resolveStartPoint(store, 'acme', { kind: 'time', time: at(41) }, '')).toBe(41);
    expect(await resolveStartPoint(store, 'acme', { kind: 'time', time: new Date(Date.parse(at(41)) - 1).toISOString() }, '')).toBe(41);
    expect(await resolveStartPoint(store, 'acme', { kind: 'time', time: new Date(Date.parse(at(41)) + 1).toISOString() }, '')).toBe(42);
    expect(await resolveStartPoint(store, 'acme', { kind: 'time', time: '2020-01-01T00:00:00.000Z' }, '')).toBe(0);
    expect(await resolveStartPoint(store, 'acme', { kind: 'time', time: '2030-01-01T00:00:00.000Z' }, '')).toBe(100);
  });

  it('every time over a log of odd size, and an empty log', async () => {
    const store = await logOf(37);
    for (let s = -1; s <= 37; s++) expect(await firstPositionAtOrAfter(store, 'acme', 37, at(s))).toBe(Math.max(1, s + 1));
    const empty = await logOf(0);
    expect(await resolveStartPoint(empty, 'acme', { kind: 'time', time: at(0) }, '')).toBe(0);
    expect(await resolveStartPoint(empty, 'acme', { kind: 'now' }, '')).toBe(0);
  });
});

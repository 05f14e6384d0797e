import { describe, expect, it } from 'vitest';
import type { SearchQuery, StoredEvent } from '@vellum/core';
import { describeRestriction, isWithinRestriction, restrictFilter } from '../../src/auth/readRestriction.ts';
import type { ReadRestriction } from '../../src/auth/authenticate.ts';

const actor5: ReadRestriction = { actor: { type: 'user', id: '5' } };
const policy1: ReadRestriction = { entity: { type: 'Policy', id: '1' } };
const both: ReadRestriction = { ...actor5, ...policy1 };
const as = (restriction: ReadRestriction | null) => ({ restriction });
const query = (extra: Partial<SearchQuery> = {}): SearchQuery => ({ limit: 10, order: 'desc', ...extra });

const event = (actorId: string, entity?: { type: string; id: string }): StoredEvent => ({
  id: 'e', tenant: 'acme', position: 1, stream: 's', streamVersion: 1, type: 'x.y', severity: 'info',
  actor: { type: 'user', id: actorId }, ...(entity === undefined ? {} : { entity }),
  occurredAt: '2026-01-01T00:00:00.000Z', recordedAt: '2026-01-01T00:00:00.000Z', hash: '00',
});

describe('restrictFilter', () => {
  it('leaves an unrestricted caller\'s filter as it is', () => {
    const q = query({ actorId: '6' });
    expect(restrictFilter(as(null), q)).toBe(q);
  });

  it('adds the restriction, keeping every other field (cursor, limit, order, filters) and the input untouched', () => {
    const q = query({ cursor: 'eyJrIjo1fQ', types: ['configuration.*'], stream: 'Policy:1' });
    expect(restrictFilter(as(both), q)).toEqual({ ...q, actorType: 'user', actorId: '5', entityType: 'Policy', entityId: '1' });
    expect(q).toEqual(query({ cursor: 'eyJrIjo1fQ', types: ['configuration.*'], stream: 'Policy:1' }));
  });

  it('accepts a filter that names the restriction again, or part of it', () => {
    expect(restrictFilter(as(actor5), query({ actorType: 'user' }))).toMatchObject({ actorType: 'user', actorId: '5' });
    expect(restrictFilter(as(actor5), query({ actorId: '5' }))).toMatchObject({ actorType: 'user', actorId: '5' });
    expect(restrictFilter(as(policy1), query({ actorId: '9' }))).toMatchObject({ actorId: '9', entityType: 'Policy', entityId: '1' });
  });

  it.each([
    [actor5, { actorId: '6' }],
    [actor5, { actorType: 'service' }],
    [actor5, { actorType: 'User' }],
    [policy1, { entityId: '2' }],
    [policy1, { entityType: 'Config' }],
    [both, { entityId: '2', actorId: '5' }],
  ])('refuses with 403 a filter asking for another actor or entity (%o, %o)', (restriction, extra) => {
    expect(() => restrictFilter(as(restriction), query(extra))).toThrow(expect.objectContaining({ code: 'FORBIDDEN', status: 403 }));
  });

  it('says in the refusal what the token is limited to', () => {
    expect(() => restrictFilter(as(both), query({ actorId: '6' }))).toThrow('limited to the events of actor "user":"5" and entity "Policy":"1"; actorId asks for another');
  });
});

describe('isWithinRestriction', () => {
  it('lets everything through without a restriction', () => {
    expect(isWithinRestriction(as(null), event('6'))).toBe(true);
  });

  it('matches the actor, the entity, or both', () => {
    expect(isWithinRestriction(as(actor5), event('5'))).toBe(true);
    expect(isWithinRestriction(as(actor5), event('6', { type: 'Policy', id: '1' }))).toBe(false);
    expect(isWithinRestriction(as(policy1), event('6', { type: 'Policy', id: '1' }))).toBe(true);
    expect(isWithinRestriction(as(policy1), event('6', { type: 'Policy', id: '2' }))).toBe(false);
    expect(isWithinRestriction(as(policy1), event('6'))).toBe(false);
    expect(isWithinRestriction(as(both), event('5', { type: 'Policy', id: '1' }))).toBe(true);
    expect(isWithinRestriction(as(both), event('5', { type: 'Policy', id: '2' }))).toBe(false);
  });

  it('describes a restriction with its values quoted', () => {
    expect(describeRestriction({ actor: { type: 'user', id: 'a"b' } })).toBe('actor "user":"a\\"b"');
  });
});

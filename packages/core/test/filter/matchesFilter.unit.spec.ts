import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/event/types.ts';
import { matchesFilter, typeGlobToRegExp } from '../../src/filter/matchesFilter.ts';

const event: StoredEvent = {
  id: '0190f5a0-0000-7000-8000-000000000001',
  tenant: 'acme',
  position: 1,
  stream: 'PolicyConfiguration:123',
  streamVersion: 1,
  type: 'configuration.updated',
  severity: 'medium',
  outcome: 'success',
  actor: { type: 'user', id: '5' },
  entity: { type: 'PolicyConfiguration', id: '123' },
  source: 'ui',
  changes: [{ field: 'hours_before', old: 24, new: 48 }, { field: 'fee_percentage', new: 3 }],
  tags: ['company:123', 'config:hours_before'],
  correlationId: 'c-1',
  occurredAt: '2026-11-22T10:00:00.000Z',
  recordedAt: '2026-11-22T10:00:01.000Z',
  hash: '00',
};
const bare: StoredEvent = {
  id: '0190f5a0-0000-7000-8000-000000000002',
  tenant: 'acme',
  position: 2,
  stream: 'user:5',
  streamVersion: 1,
  type: 'user.login',
  severity: 'info',
  actor: { type: 'user', id: '5' },
  occurredAt: '2026-11-22T10:00:00.000Z',
  recordedAt: '2026-11-22T10:00:01.000Z',
  hash: '00',
};

describe('matchesFilter', () => {
  it('matches everything with an empty filter', () => {
    expect(matchesFilter(event, {})).toBe(true);
    expect(matchesFilter(bare, {})).toBe(true);
  });

  it('matches any of several types, exact or with globs', () => {
    expect(matchesFilter(event, { types: ['configuration.updated'] })).toBe(true);
    expect(matchesFilter(event, { types: ['configuration.created'] })).toBe(false);
    expect(matchesFilter(event, { types: ['user.login', 'configuration.*'] })).toBe(true);
    expect(matchesFilter(event, { types: ['*.updated'] })).toBe(true);
    expect(matchesFilter(event, { types: ['*'] })).toBe(true);
    expect(matchesFilter(event, { types: ['configuration'] })).toBe(false);
    expect(matchesFilter(event, { types: ['configuration.update'] })).toBe(false);
  });

  it('treats an empty list as no restriction', () => {
    expect(matchesFilter(event, { types: [], severities: [], tags: [] })).toBe(true);
  });

  it('matches any of several severities', () => {
    expect(matchesFilter(event, { severities: ['low', 'medium'] })).toBe(true);
    expect(matchesFilter(event, { severities: ['info', 'high'] })).toBe(false);
  });

  it('matches a minimum severity by rank', () => {
    expect(matchesFilter(event, { minSeverity: 'info' })).toBe(true);
    expect(matchesFilter(event, { minSeverity: 'medium' })).toBe(true);
    expect(matchesFilter(event, { minSeverity: 'high' })).toBe(false);
    expect(matchesFilter(bare, { minSeverity: 'low' })).toBe(false);
  });

  it('matches actor, entity, stream, source, outcome and correlation id by equality', () => {
    expect(matchesFilter(event, { actorType: 'user', actorId: '5' })).toBe(true);
    expect(matchesFilter(event, { actorId: '6' })).toBe(false);
    expect(matchesFilter(event, { entityType: 'PolicyConfiguration', entityId: '123' })).toBe(true);
    expect(matchesFilter(event, { entityType: 'policyconfiguration' })).toBe(false);
    expect(matchesFilter(event, { stream: 'PolicyConfiguration:123' })).toBe(true);
    expect(matchesFilter(event, { source: 'api' })).toBe(false);
    expect(matchesFilter(event, { outcome: 'success' })).toBe(true);
    expect(matchesFilter(event, { outcome: 'failure' })).toBe(false);
    expect(matchesFilter(event, { correlationId: 'c-1' })).toBe(true);
  });

  it('never matches a field filter against an event that lacks the field', () => {
    expect(matchesFilter(bare, { entityType: 'PolicyConfiguration' })).toBe(false);
    expect(matchesFilter(bare, { entityId: '123' })).toBe(false);
    expect(matchesFilter(bare, { source: 'ui' })).toBe(false);
    expect(matchesFilter(bare, { outcome: 'success' })).toBe(false);
    expect(matchesFilter(bare, { correlationId: 'c-1' })).toBe(false);
    expect(matchesFilter(bare, { tags: ['company:123'] })).toBe(false);
    expect(matchesFilter(bare, { field: 'hours_before' })).toBe(false);
  });

  it('requires every tag', () => {
    expect(matchesFilter(event, { tags: ['company:123'] })).toBe(true);
    expect(matchesFilter(event, { tags: ['company:123', 'config:hours_before'] })).toBe(true);
    expect(matchesFilter(event, { tags: ['company:123', 'pii'] })).toBe(false);
  });

  it('matches a field name among the changes', () => {
    expect(matchesFilter(event, { field: 'fee_percentage' })).toBe(true);
    expect(matchesFilter(event, { field: 'hours' })).toBe(false);
  });

  it('includes from and excludes to on occurredAt', () => {
    expect(matchesFilter(event, { from: '2026-11-22T10:00:00.000Z' })).toBe(true);
    expect(matchesFilter(event, { from: '2026-11-22T10:00:00.001Z' })).toBe(false);
    expect(matchesFilter(event, { to: '2026-11-22T10:00:00.000Z' })).toBe(false);
    expect(matchesFilter(event, { to: '2026-11-22T10:00:00.001Z' })).toBe(true);
    expect(matchesFilter(event, { from: '2026-11-22T09:00:00.000Z', to: '2026-11-22T11:00:00.000Z' })).toBe(true);
  });

  it('compares time bounds as instants whatever their spelling', () => {
    expect(matchesFilter(event, { from: '2026-11-22T12:00:00+02:00' })).toBe(true);
    expect(matchesFilter(event, { to: '2026-11-22T10:00:00Z' })).toBe(false);
    expect(matchesFilter(event, { from: '2026-11-22' })).toBe(true);
    expect(matchesFilter(event, { to: '2026-11-22' })).toBe(false);
  });

  it('combines fields with AND', () => {
    expect(matchesFilter(event, { types: ['configuration.*'], actorId: '5', tags: ['company:123'], minSeverity: 'low' })).toBe(true);
    expect(matchesFilter(event, { types: ['configuration.*'], actorId: '6' })).toBe(false);
  });
});

describe('typeGlobToRegExp', () => {
  it('anchors the pattern and turns * into any run of characters', () => {
    const re = typeGlobToRegExp('configuration.*');
    expect(re.test('configuration.updated')).toBe(true);
    expect(re.test('configuration.')).toBe(true);
    expect(re.test('configuration.a.b')).toBe(true);
    expect(re.test('xconfiguration.updated')).toBe(false);
    expect(re.test('configuration')).toBe(false);
  });

  it('treats dots and other regex characters literally', () => {
    expect(typeGlobToRegExp('a.b').test('axb')).toBe(false);
    expect(typeGlobToRegExp('a+b(c)').test('a+b(c)')).toBe(true);
    expect(typeGlobToRegExp('a$').test('a$')).toBe(true);
  });

  it('supports several stars', () => {
    const re = typeGlobToRegExp('*.refund.*');
    expect(re.test('invoice.refund.issued')).toBe(true);
    expect(re.test('invoice.refunded')).toBe(false);
    expect(typeGlobToRegExp('**').test('')).toBe(true);
  });
});

import type { EventFilter } from '../store/EventStore.ts';
import type { QueryFixture } from './queryFixture.ts';

export interface FilterCase {
  /** Completes the sentence "finds exactly the events matchesFilter accepts for …". */
  name: string;
  filter: EventFilter;
}

/**
 * One case per EventFilter field and its edge cases, plus combinations, over the query fixture. Several
 * cases are traps for a naive SQL translation: `_` and `%` (LIKE), `?` and `[` (GLOB), case differences.
 */
export function filterCases(fixture: QueryFixture): FilterCase[] {
  const shared = fixture.sharedInstants;
  const instant = shared[Math.floor(shared.length / 2)] ?? '2026-11-21T00:00:00.000Z';
  const early = shared[1] ?? '2026-11-20T06:00:00.000Z';
  const late = shared[shared.length - 2] ?? '2026-11-22T18:00:00.000Z';
  return [
    { name: 'no filter', filter: {} },
    { name: 'one exact type', filter: { types: ['configuration.updated'] } },
    { name: 'several exact types', filter: { types: ['user.login', 'invoice.paid'] } },
    { name: 'a trailing type glob', filter: { types: ['configuration.*'] } },
    { name: 'a leading type glob', filter: { types: ['*.paid'] } },
    { name: 'a type glob in the middle', filter: { types: ['invoice.*.issued'] } },
    { name: 'a type glob that spans dots', filter: { types: ['invoice.*'] } },
    { name: 'a lone star type glob', filter: { types: ['*'] } },
    { name: 'a type glob mixed with an exact type', filter: { types: ['user.*', 'invoice.paid'] } },
    { name: 'a type nobody used', filter: { types: ['nothing.here'] } },
    { name: 'a type that is only a prefix of used types', filter: { types: ['user'] } },
    { name: 'a type with _ where used types have a dot (no LIKE wildcard)', filter: { types: ['user_login'] } },
    { name: 'a type with % (no LIKE wildcard)', filter: { types: ['user%'] } },
    { name: 'a type with ? (no GLOB wildcard)', filter: { types: ['user.log?n'] } },
    { name: 'a type with [ ] (no GLOB character class)', filter: { types: ['invoice.[r]efund.issued'] } },
    { name: 'a type with _ that is literally in a used type', filter: { types: ['invoice.refund_failed'] } },
    { name: 'an empty type list', filter: { types: [] } },
    { name: 'one severity', filter: { severities: ['high'] } },
    { name: 'several severities', filter: { severities: ['info', 'critical'] } },
    { name: 'an empty severity list', filter: { severities: [] } },
    { name: 'minimum severity info', filter: { minSeverity: 'info' } },
    { name: 'minimum severity low', filter: { minSeverity: 'low' } },
    { name: 'minimum severity medium', filter: { minSeverity: 'medium' } },
    { name: 'minimum severity high', filter: { minSeverity: 'high' } },
    { name: 'minimum severity critical', filter: { minSeverity: 'critical' } },
    { name: 'severities and a minimum severity together', filter: { severities: ['low', 'high'], minSeverity: 'medium' } },
    { name: 'an actor type', filter: { actorType: 'service' } },
    { name: 'an actor id shared by two actor types', filter: { actorId: '1' } },
    { name: 'an actor type and id', filter: { actorType: 'user', actorId: '1' } },
    { name: 'an entity type', filter: { entityType: 'Invoice' } },
    { name: 'an entity type in the wrong case', filter: { entityType: 'invoice' } },
    { name: 'an entity id shared by two entity types', filter: { entityId: '2' } },
    { name: 'an entity type and id', filter: { entityType: 'PolicyConfiguration', entityId: '1' } },
    { name: 'a derived stream', filter: { stream: 'Invoice:2' } },
    { name: 'an explicit stream', filter: { stream: 'billing-run:2' } },
    { name: 'an actor stream', filter: { stream: 'user:3' } },
    { name: 'a source', filter: { source: 'ui' } },
    { name: 'another source', filter: { source: 'system' } },
    { name: 'outcome failure', filter: { outcome: 'failure' } },
    { name: 'outcome success', filter: { outcome: 'success' } },
    { name: 'one tag', filter: { tags: ['pii'] } },
    { name: 'two tags, all required', filter: { tags: ['company:1', 'billing'] } },
    { name: 'three tags, all required', filter: { tags: ['company:1', 'billing', 'pii'] } },
    { name: 'a tag listed twice', filter: { tags: ['pii', 'pii'] } },
    { name: 'a tag nobody used', filter: { tags: ['company:3'] } },
    { name: 'an empty tag list', filter: { tags: [] } },
    { name: 'a changed field', filter: { field: 'fee_percentage' } },
    { name: 'another changed field', filter: { field: 'email' } },
    { name: 'a field nobody changed', filter: { field: 'hours' } },
    { name: 'a correlation id', filter: { correlationId: 'c-3' } },
    { name: 'from, inclusive, at an instant several events share', filter: { from: instant } },
    { name: 'to, exclusive, at an instant several events share', filter: { to: instant } },
    { name: 'a from..to window', filter: { from: early, to: late } },
    { name: 'a window whose from equals its to', filter: { from: instant, to: instant } },
    { name: 'a window before every event', filter: { to: '2020-01-01T00:00:00.000Z' } },
    { name: 'a type glob, a minimum severity and a tag', filter: { types: ['configuration.*'], minSeverity: 'medium', tags: ['company:1'] } },
    { name: 'an actor id and a from bound', filter: { actorId: '2', from: instant } },
    { name: 'an entity type, a changed field and an outcome', filter: { entityType: 'PolicyConfiguration', field: 'hours_before', outcome: 'success' } },
    { name: 'a stream, a source and a window', filter: { stream: 'PolicyConfiguration:1', source: 'api', from: early, to: late } },
    { name: 'a correlation id and several severities', filter: { correlationId: 'c-1', severities: ['info', 'low', 'medium'] } },
  ];
}

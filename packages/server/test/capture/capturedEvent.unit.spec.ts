import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '@vellum/core';
import { buildCapturedEvent, capturedEventType, changesOf, parseAuditContext } from '../../src/capture/capturedEvent.ts';
import type { OutboxRow } from '../../src/capture/capturedEvent.ts';
import { foldChanges } from '../../src/capture/foldIn.ts';
import { qualifiedName, validateCaptureTarget } from '../../src/capture/captureSql.ts';

const row = (over: Partial<OutboxRow> = {}): OutboxRow => ({
  id: '12',
  table_name: 'public.reseller_configs',
  entity_type: 'ResellerConfig',
  entity_id: '42',
  op: 'update',
  old_values: { status: 'active' },
  new_values: { status: 'disabled' },
  context: null,
  txid: '900',
  captured_at: new Date('2026-12-04T10:00:00.000Z'),
  ...over,
});

const stored = (over: Partial<StoredEvent>): StoredEvent =>
  ({ id: 'e1', tenant: 'default', position: 1, stream: 's', streamVersion: 1, type: 'reseller.auto_disabled', severity: 'info',
    actor: { type: 'service', id: 'job' }, entity: { type: 'ResellerConfig', id: '42' }, occurredAt: '', recordedAt: '', hash: '',
    changes: [{ field: 'status', old: 'active', new: 'disabled' }], ...over }) as StoredEvent;

describe('captured events', () => {
  it('names the event after the entity type lowercased and the operation', () => {
    expect(capturedEventType('ResellerConfig', 'update')).toBe('resellerconfig.updated');
    expect(capturedEventType('Policy_Config', 'insert')).toBe('policy_config.created');
    expect(capturedEventType('X', 'delete')).toBe('x.deleted');
  });

  it('records a change without context as the system, with source system and a deterministic idempotency key', () => {
    const event = buildCapturedEvent(row(), 'abc', changesOf(row()), []);
    expect(event).toMatchObject({
      type: 'resellerconfig.updated', action: 'update', actor: { type: 'system', id: 'system' }, source: 'system',
      entity: { type: 'ResellerConfig', id: '42' }, changes: [{ field: 'status', old: 'active', new: 'disabled' }],
      occurredAt: '2026-12-04T10:00:00.000Z', idempotencyKey: 'capture:abc:12',
    });
    expect(buildCapturedEvent(row(), 'abc', changesOf(row()), [])).toEqual(event);
  });

  it('takes actor, source, correlation and request context from the transaction, and leaves source out when the context has none', () => {
    const ctx = JSON.stringify({ actor: { type: 'user', id: '5', extra: 1 }, correlationId: 'c1', context: { ip: '192.0.2.1' }, ignored: true });
    const event = buildCapturedEvent(row({ context: ctx }), 'abc', changesOf(row()), []);
    expect(event.actor).toEqual({ type: 'user', id: '5' });
    expect(event).toMatchObject({ correlationId: 'c1', context: { ip: '192.0.2.1' } });
    expect(event.source).toBeUndefined();
  });

  it('names every problem of a malformed context and falls back to the system actor', () => {
    expect(parseAuditContext('[1]')).toEqual({ context: null, problem: 'vellum.context is not a JSON object' });
    const { context, problem } = parseAuditContext(JSON.stringify({ actor: { id: 5 }, source: '', context: 'x', correlationId: 'ok' }));
    expect(context).toEqual({ correlationId: 'ok' });
    expect(problem).toBe('actor needs string type and id; source must be a non-empty string; context must be an object');
    expect(buildCapturedEvent(row({ context: '{"actor":1}' }), 'a', [], []).actor).toEqual({ type: 'system', id: 'system' });
  });

  it('gives inserts only new values and deletes only old ones', () => {
    expect(changesOf(row({ op: 'insert', old_values: {}, new_values: { status: 'a', limit: null } }))).toEqual([
      { field: 'status', new: 'a' }, { field: 'limit', new: null },
    ]);
    expect(changesOf(row({ op: 'delete', old_values: { status: 'a' }, new_values: {} }))).toEqual([{ field: 'status', old: 'a' }]);
  });
});

describe('fold-in matching', () => {
  const entity = { type: 'ResellerConfig', id: '42' };
  const captured = [{ field: 'status', old: 'active', new: 'disabled' }, { field: 'limit', old: 1, new: 2 }];

  it('folds the fields an explicit event records with the same old and new, and keeps the rest', () => {
    const r = foldChanges(entity, captured, [stored({})], new Set());
    expect(r).toEqual({ remaining: [{ field: 'limit', old: 1, new: 2 }], folded: [{ field: 'status', eventId: 'e1' }] });
  });

  it('never folds into a captured event, another entity, another transition, or an explicit change already used', () => {
    const candidates = [
      stored({ id: 'c', idempotencyKey: 'capture:abc:1' }),
      stored({ id: 'o', entity: { type: 'ResellerConfig', id: '43' } }),
      stored({ id: 't', entity: { type: 'Reseller', id: '42' } }),
      stored({ id: 'x', changes: [{ field: 'status', old: 'active', new: 'suspended' }] }),
      stored({ id: 'u' }),
    ];
    const consumed = new Set(['u/status']);
    expect(foldChanges(entity, captured.slice(0, 1), candidates, consumed).folded).toEqual([]);
    expect(foldChanges(entity, captured.slice(0, 1), [stored({ id: 'v', idempotencyKey: 'job-1' })], consumed).folded).toEqual([{ field: 'status', eventId: 'v' }]);
    expect(consumed.has('v/status')).toBe(true);
  });

  it('treats an absent value and null alike and compares values by content', () => {
    const r = foldChanges(entity, [{ field: 'cfg', old: null, new: { b: 1, a: [1] } }], [stored({ changes: [{ field: 'cfg', new: { a: [1], b: 1 } }] })], new Set());
    expect(r.remaining).toEqual([]);
  });
});

describe('install validation', () => {
  it('lists every problem with its option', () => {
    const details = validateCaptureTarget({ table: 'a.b.c', columns: ['ok', 'x y', 'ok'], entityType: 'Bad-Type', idColumn: 'id;', schema: '', operations: ['merge' as never] });
    expect(details.map((d) => d.path)).toEqual(['--table', '--schema', '--id-column', '--entity-type', '--columns/1', '--columns/2', '--on/0']);
  });

  it('quotes table names and refuses anything but identifiers', () => {
    expect(qualifiedName('app.reseller_configs')).toBe('"app"."reseller_configs"');
    expect(qualifiedName('x"; DROP TABLE y; --')).toBeUndefined();
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/canonical/canonicalJson.ts';
import type { EventInput } from '../../src/event/types.ts';
import { keyedFingerprinter, prepareEvent, requestFingerprint } from '../../src/ingest/prepareEvent.ts';

const ctx = { tenant: 'acme', id: '0190f5a0-0000-7000-8000-000000000001', recordedAt: '2026-11-22T10:00:05.123Z' };
const minimal: EventInput = { type: 'user.login', actor: { type: 'user', id: '5' } };
const full: EventInput = {
  type: 'configuration.updated',
  action: 'update',
  severity: 'medium',
  outcome: 'success',
  actor: { type: 'user', id: '5', name: 'Ana' },
  entity: { type: 'PolicyConfiguration', id: '123', name: 'Cancellation policy' },
  stream: 'policies:123',
  expectedVersion: 7,
  source: 'ui',
  changes: [{ field: 'hours_before', old: 24, new: 48 }],
  context: { ip: '192.168.1.100', userAgent: 'Mozilla/5.0', route: 'admin.policies.update', requestId: 'r-1' },
  data: { company_id: 123 },
  tags: ['company:123'],
  correlationId: 'c-1',
  causationId: 'e-0',
  occurredAt: '2026-11-22T10:00:00.000Z',
  idempotencyKey: 'policy-123-v8',
};
const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

describe('prepareEvent', () => {
  it('fills id, tenant, recordedAt and the defaults for a minimal event', () => {
    const { event, expectedVersion } = prepareEvent(minimal, [], ctx);
    expect(event).toStrictEqual({
      id: ctx.id,
      tenant: 'acme',
      stream: 'user:5',
      type: 'user.login',
      severity: 'info',
      actor: { type: 'user', id: '5' },
      occurredAt: ctx.recordedAt,
      recordedAt: ctx.recordedAt,
    });
    expect(expectedVersion).toBeUndefined();
  });

  it('copies every field of a full event except expectedVersion, which becomes the append condition', () => {
    const prepared = prepareEvent(full, ['/data/api_key'], ctx);
    const { expectedVersion: _v, ...rest } = full;
    expect(prepared.event).toStrictEqual({ ...rest, id: ctx.id, tenant: 'acme', recordedAt: ctx.recordedAt, masked: ['/data/api_key'] });
    expect(prepared.expectedVersion).toBe(7);
    expect('expectedVersion' in prepared.event).toBe(false);
    expect(prepared.event.idempotencyKey).toBe('policy-123-v8');
  });

  it('keeps expectedVersion 0, meaning the stream must not exist', () => {
    expect(prepareEvent({ ...minimal, expectedVersion: 0 }, [], ctx).expectedVersion).toBe(0);
  });

  it('defaults the stream to the entity, else to the actor', () => {
    expect(prepareEvent({ ...minimal, entity: { type: 'Invoice', id: '9' } }, [], ctx).event.stream).toBe('Invoice:9');
    expect(prepareEvent(minimal, [], ctx).event.stream).toBe('user:5');
    expect(prepareEvent({ ...minimal, entity: { type: 'Invoice', id: '9' }, stream: 's-1' }, [], ctx).event.stream).toBe('s-1');
  });

  it('normalises occurredAt to UTC ISO 8601 with milliseconds', () => {
    expect(prepareEvent({ ...minimal, occurredAt: '2026-11-22T12:00:00+02:00' }, [], ctx).event.occurredAt).toBe('2026-11-22T10:00:00.000Z');
    expect(prepareEvent({ ...minimal, occurredAt: '2026-11-22T10:00:00Z' }, [], ctx).event.occurredAt).toBe('2026-11-22T10:00:00.000Z');
  });

  it('omits masked when nothing was masked', () => {
    expect('masked' in prepareEvent(minimal, [], ctx).event).toBe(false);
  });

  it('leaves no undefined-valued members on the event', () => {
    const { event } = prepareEvent({ ...minimal, action: undefined, entity: undefined }, [], ctx);
    expect(Object.values(event as object)).not.toContain(undefined);
    expect('action' in event).toBe(false);
  });

  it('fingerprints the canonical JSON of the input without its idempotency key', () => {
    const { idempotencyKey: _k, ...content } = full;
    expect(prepareEvent(full, [], ctx).fingerprint).toBe(sha256(canonicalJson(content)));
  });

  it('gives a retry the same fingerprint whatever its key, id, time or member order', () => {
    const a = prepareEvent(full, [], ctx).fingerprint;
    const reordered = Object.fromEntries(Object.entries(full).reverse()) as unknown as EventInput;
    const b = prepareEvent({ ...reordered, idempotencyKey: 'other' }, [], { tenant: 'acme', id: 'another-id', recordedAt: '2030-01-01T00:00:00.000Z' }).fingerprint;
    expect(b).toBe(a);
  });

  it('gives different content a different fingerprint, including a different expectedVersion', () => {
    const a = prepareEvent(full, [], ctx).fingerprint;
    expect(prepareEvent({ ...full, severity: 'high' }, [], ctx).fingerprint).not.toBe(a);
    expect(prepareEvent({ ...full, expectedVersion: 8 }, [], ctx).fingerprint).not.toBe(a);
    expect(prepareEvent({ ...full, data: { company_id: 124 } }, [], ctx).fingerprint).not.toBe(a);
  });

  it('spends no fingerprint on a keyless event, not even when the event is cloned for the writer thread', () => {
    let computed = 0;
    const counting = (content: unknown): string => { computed += 1; return sha256(canonicalJson(content)); };
    const keyless = prepareEvent(minimal, [], { ...ctx, fingerprint: counting });
    const copy = structuredClone(keyless);
    expect(computed).toBe(0);
    expect('fingerprint' in copy).toBe(false);
    const { idempotencyKey: _k, ...content } = full;
    expect(prepareEvent(full, [], { ...ctx, fingerprint: counting }).fingerprint).toBe(sha256(canonicalJson(content)));
    expect(computed).toBe(1);
  });
});

describe('keyed fingerprints over the unmasked input', () => {
  const masked = { ...minimal, idempotencyKey: 'k-1', data: { api_key: '••••••••1234' } } as EventInput;
  const withSecret = (secret: string) => ({ ...minimal, idempotencyKey: 'k-1', data: { api_key: secret } }) as EventInput;

  it('tells apart two secrets that mask alike when given the unmasked input', () => {
    const a = prepareEvent(masked, ['/data/api_key'], { ...ctx, unmasked: withSecret('sk_aaaa1234') }).fingerprint;
    const b = prepareEvent(masked, ['/data/api_key'], { ...ctx, unmasked: withSecret('sk_bbbb1234') }).fingerprint;
    expect(a).not.toBe(b);
    expect(prepareEvent(masked, ['/data/api_key'], { ...ctx, unmasked: withSecret('sk_aaaa1234') }).fingerprint).toBe(a);
  });

  it('keys the fingerprint: another key, another fingerprint, and never the plain hash', () => {
    const one = keyedFingerprinter('key-one');
    const two = keyedFingerprinter('key-two');
    const { idempotencyKey: _k, ...content } = full;
    const f1 = prepareEvent(full, [], { ...ctx, fingerprint: one }).fingerprint;
    expect(f1).toMatch(/^[0-9a-f]{64}$/);
    expect(f1).not.toBe(prepareEvent(full, [], { ...ctx, fingerprint: two }).fingerprint);
    expect(f1).not.toBe(sha256(canonicalJson(content)));
    expect(requestFingerprint({ a: 1 }, one)).toBe(one({ a: 1 }));
  });
});

describe('requestFingerprint', () => {
  it('is the hex SHA-256 of the canonical JSON of the body', () => {
    const body = { events: [minimal, full] };
    expect(requestFingerprint(body)).toBe(sha256(canonicalJson(body)));
    expect(requestFingerprint(body)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores member order and tells different bodies apart', () => {
    expect(requestFingerprint({ a: 1, b: [1, 2] })).toBe(requestFingerprint({ b: [1, 2], a: 1 }));
    expect(requestFingerprint({ a: 1, b: [1, 2] })).not.toBe(requestFingerprint({ a: 1, b: [2, 1] }));
  });
});

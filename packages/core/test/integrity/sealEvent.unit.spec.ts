import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { UnsealedEvent } from '../../src/event/types.ts';
import { hashEvent, sealEvent } from '../../src/integrity/sealEvent.ts';

const unsealed: UnsealedEvent = {
  id: '0190f5a0-0000-7000-8000-000000000001',
  tenant: 'acme',
  stream: 'PolicyConfiguration:123',
  type: 'configuration.updated',
  severity: 'info',
  actor: { type: 'user', id: '5', name: 'Ana' },
  entity: { type: 'PolicyConfiguration', id: '123' },
  changes: [{ field: 'hours_before', old: 24, new: 48 }],
  occurredAt: '2026-11-22T10:00:00.000Z',
  recordedAt: '2026-11-22T10:00:01.000Z',
};

// The canonical text written out by hand, so the test does not depend on canonicalJson alone.
const expectedJcs =
  '{"actor":{"id":"5","name":"Ana","type":"user"},"changes":[{"field":"hours_before","new":48,"old":24}],' +
  '"entity":{"id":"123","type":"PolicyConfiguration"},"id":"0190f5a0-0000-7000-8000-000000000001",' +
  '"occurredAt":"2026-11-22T10:00:00.000Z","position":7,"recordedAt":"2026-11-22T10:00:01.000Z",' +
  '"severity":"info","stream":"PolicyConfiguration:123","streamVersion":3,"tenant":"acme","type":"configuration.updated"}';

const expectedHash = createHash('sha256').update(Buffer.concat([Buffer.from([0x00]), Buffer.from(expectedJcs, 'utf8')])).digest('hex');

describe('sealEvent', () => {
  it('assigns the position and stream version and keeps every other field', () => {
    const sealed = sealEvent(unsealed, 7, 3);
    expect(sealed).toEqual({ ...unsealed, position: 7, streamVersion: 3, hash: expectedHash });
  });

  it('hashes 0x00 followed by the UTF-8 canonical JSON of the event without its hash', () => {
    expect(sealEvent(unsealed, 7, 3).hash).toBe(expectedHash);
    expect(expectedHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not modify the event it was given', () => {
    const copy = structuredClone(unsealed);
    sealEvent(unsealed, 7, 3);
    expect(unsealed).toEqual(copy);
  });

  it('gives a different hash when the position, version or any content differs', () => {
    const base = sealEvent(unsealed, 7, 3).hash;
    expect(sealEvent(unsealed, 8, 3).hash).not.toBe(base);
    expect(sealEvent(unsealed, 7, 4).hash).not.toBe(base);
    expect(sealEvent({ ...unsealed, tenant: 'globex' }, 7, 3).hash).not.toBe(base);
    expect(sealEvent({ ...unsealed, changes: [{ field: 'hours_before', old: 24, new: 49 }] }, 7, 3).hash).not.toBe(base);
  });

  it('hashes UTF-8 bytes of non-ASCII text', () => {
    const sealed = sealEvent({ ...unsealed, actor: { type: 'user', id: '5', name: 'Ana Müller 😀' } }, 7, 3);
    const jcs = expectedJcs.replace('"name":"Ana"', '"name":"Ana Müller 😀"');
    expect(sealed.hash).toBe(createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(jcs, 'utf8')])).digest('hex'));
  });
});

describe('hashEvent', () => {
  it('recomputes the hash of a sealed event, ignoring its hash field', () => {
    const sealed = sealEvent(unsealed, 7, 3);
    expect(hashEvent(sealed)).toBe(sealed.hash);
    expect(hashEvent({ ...sealed, hash: 'tampered' } as never)).toBe(sealed.hash);
  });

  it('hashes an event given without a hash field', () => {
    const { hash: _hash, ...withoutHash } = sealEvent(unsealed, 7, 3);
    expect(hashEvent(withoutHash)).toBe(expectedHash);
  });

  it('detects a tampered event', () => {
    const sealed = sealEvent(unsealed, 7, 3);
    expect(hashEvent({ ...sealed, severity: 'critical' })).not.toBe(sealed.hash);
  });

  it('does not depend on member order', () => {
    const sealed = sealEvent(unsealed, 7, 3);
    const reordered = Object.fromEntries(Object.entries(sealed).reverse()) as typeof sealed;
    expect(hashEvent(reordered)).toBe(sealed.hash);
  });
});

import { createHmac, hash } from 'node:crypto';
import { canonicalJson } from '../canonical/canonicalJson.ts';
import type { EventInput, PreparedEvent, UnsealedEvent } from '../event/types.ts';

export interface PrepareContext {
  tenant: string;
  id: string;
  /** ISO 8601 UTC with milliseconds. */
  recordedAt: string;
  /** How fingerprints are made (default: plainFingerprint). The server passes a keyed one. */
  fingerprint?: Fingerprinter;
  /**
   * The event as the client sent it, before masking (default: `input`). The fingerprint covers it, so that two
   * different secrets that mask alike (`••••••••1234`, `[REDACTED]`) are not taken for a retry of one another.
   */
  unmasked?: EventInput;
}

const sha256Hex = (text: string): string => hash('sha256', text, 'hex');

/** Turns content (an event without its idempotency key, or a whole request body) into an idempotency fingerprint. */
export type Fingerprinter = (content: unknown) => string;

/** Hex SHA-256 of the canonical JSON: for content that holds no secret (tests, masked content). */
export const plainFingerprint: Fingerprinter = (content) => sha256Hex(canonicalJson(content));

/**
 * Hex HMAC-SHA256 of the canonical JSON under a server key. Fingerprints are stored beside idempotency keys and
 * cover the content before masking: a plain hash of a body holding a short password would let anyone who reads
 * the store test guesses against it; a keyed one does not.
 */
export function keyedFingerprinter(key: Uint8Array | string): Fingerprinter {
  return (content) => createHmac('sha256', key).update(canonicalJson(content)).digest('hex');
}

/**
 * Turns a validated, masked input into an event ready to append: defaults the stream
 * (`<entity.type>:<entity.id>`, else `<actor.type>:<actor.id>`), severity (`info`) and occurredAt
 * (recordedAt), normalises occurredAt to UTC ISO with milliseconds, records masked paths, and computes
 * the idempotency fingerprint over the client's content when the event has an idempotency key.
 *
 * Only the event model's fields are copied, so nothing the validator let through by accident reaches the
 * log. `expectedVersion` is a condition on the append, not part of the event: it goes to
 * `PreparedEvent.expectedVersion`. The fingerprint covers everything the client sent (before masking) except
 * `idempotencyKey` (the key names the event; the fingerprint tells whether a retry carries the same one).
 */
export function prepareEvent(input: EventInput, masked: string[], ctx: PrepareContext): PreparedEvent {
  const { idempotencyKey } = input;
  const expectedVersion = input.expectedVersion;
  const event: UnsealedEvent = {
    id: ctx.id,
    tenant: ctx.tenant,
    stream: input.stream ?? (input.entity ? `${input.entity.type}:${input.entity.id}` : `${input.actor.type}:${input.actor.id}`),
    type: input.type,
    severity: input.severity ?? 'info',
    actor: input.actor,
    occurredAt: input.occurredAt === undefined ? ctx.recordedAt : new Date(input.occurredAt).toISOString(),
    recordedAt: ctx.recordedAt,
  };
  // Optional members are only set when present, so the stored form has no `undefined` keys to lose in a round-trip.
  if (input.action !== undefined) event.action = input.action;
  if (input.outcome !== undefined) event.outcome = input.outcome;
  if (input.entity !== undefined) event.entity = input.entity;
  if (input.source !== undefined) event.source = input.source;
  if (input.changes !== undefined) event.changes = input.changes;
  if (input.context !== undefined) event.context = input.context;
  if (input.data !== undefined) event.data = input.data;
  if (input.tags !== undefined) event.tags = input.tags;
  if (input.correlationId !== undefined) event.correlationId = input.correlationId;
  if (input.causationId !== undefined) event.causationId = input.causationId;
  if (idempotencyKey !== undefined) event.idempotencyKey = idempotencyKey;
  if (masked.length > 0) event.masked = masked;

  // Only an event with an idempotency key needs a fingerprint, and it costs a canonical serialisation and a
  // SHA-256: the common keyless event goes without. (Not a lazy getter: cloning the event to SQLite's writer
  // thread reads every property, and paid for it on every event.)
  const prepared: PreparedEvent = { event };
  if (expectedVersion !== undefined) prepared.expectedVersion = expectedVersion;
  if (idempotencyKey !== undefined) {
    const { idempotencyKey: _key, ...content } = ctx.unmasked ?? input;
    prepared.fingerprint = (ctx.fingerprint ?? plainFingerprint)(content);
  }
  return prepared;
}

/** The fingerprint a store keeps under a keyed event's idempotency key. A keyed event prepared without one is a bug. */
export function keyedFingerprint(prepared: PreparedEvent): string {
  if (prepared.fingerprint === undefined) throw new Error(`event ${prepared.event.id} has an idempotency key but no fingerprint (prepareEvent sets it)`);
  return prepared.fingerprint;
}

/** Fingerprint of a whole request body (as sent, before masking), for the Idempotency-Key header. */
export function requestFingerprint(body: unknown, fingerprint: Fingerprinter = plainFingerprint): string {
  return fingerprint(body);
}

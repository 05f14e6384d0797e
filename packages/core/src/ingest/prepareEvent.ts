import type { EventInput, PreparedEvent } from '../event/types.ts';

export interface PrepareContext {
  tenant: string;
  id: string;
  /** ISO 8601 UTC with milliseconds. */
  recordedAt: string;
}

/**
 * Turns a validated, masked input into an event ready to append: defaults the stream
 * (`<entity.type>:<entity.id>`, else `<actor.type>:<actor.id>`), severity (`info`) and occurredAt
 * (recordedAt), normalises occurredAt to UTC ISO with milliseconds, records masked paths, and computes
 * the idempotency fingerprint over the client's content.
 */
export function prepareEvent(input: EventInput, masked: string[], ctx: PrepareContext): PreparedEvent {
  void input; void masked; void ctx;
  throw new Error('not implemented');
}

/** Fingerprint of a whole request body, for the Idempotency-Key header. */
export function requestFingerprint(body: unknown): string {
  void body;
  throw new Error('not implemented');
}

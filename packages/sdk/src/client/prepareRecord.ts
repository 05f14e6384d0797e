/**
 * What record() does before anything is written or sent, the same in both modes: fill in the request context,
 * mask (so a secret never reaches the outbox file or the network), give the event its idempotency key, and
 * serialise it once, within the size limit.
 */
import { randomBytes } from 'node:crypto';
import { uuidv7 } from '@vellum/core';
import type { EventInput, Masker } from '@vellum/core';
import { applyContext, currentContext } from '../context/requestContext.ts';
import type { RecordInput } from '../context/requestContext.ts';
import { VellumRecordError } from '../errors.ts';

export interface PreparedRecord {
  idempotencyKey: string;
  /** The masked event as JSON. */
  body: string;
}

export function newIdempotencyKey(): string {
  return uuidv7(Date.now(), randomBytes(10));
}

export function prepareRecord(input: RecordInput, masker: Masker, tenant: string, maxEventBytes: number): PreparedRecord {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new VellumRecordError('NOT_SERIALISABLE', 'record() takes an event object like { type: "invoice.paid", actor: { type: "user", id: "5" } }');
  }
  const withCtx = applyContext(input, currentContext());
  if (withCtx.actor === undefined) {
    throw new VellumRecordError('NO_ACTOR', `The event ${JSON.stringify(String(withCtx.type)).slice(0, 140)} has no actor, and no request context gives one: set event.actor, or the middleware's actor option, or use withContext`);
  }
  const idempotencyKey = typeof withCtx.idempotencyKey === 'string' && withCtx.idempotencyKey !== '' ? withCtx.idempotencyKey : newIdempotencyKey();
  const masked = masker.maskEvent(tenant, { ...(withCtx as EventInput), idempotencyKey }).event;
  let body: string;
  try {
    body = JSON.stringify(masked);
  } catch (e) {
    throw new VellumRecordError('NOT_SERIALISABLE', `The event cannot be sent as JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const bytes = Buffer.byteLength(body);
  if (bytes > maxEventBytes) {
    throw new VellumRecordError('EVENT_TOO_LARGE', `The event is ${bytes} bytes of JSON; the limit (maxEventBytes) is ${maxEventBytes}. Put large payloads elsewhere and reference them.`);
  }
  return { idempotencyKey, body };
}

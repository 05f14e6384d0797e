import { prepareEvent, requestFingerprint, uuidv7, validateAppendRequest, VellumError } from '@vellum/core';
import type { AppendBatch, Fingerprinter, IngestLimits, Masker } from '@vellum/core';

export interface BuildBatchContext {
  tenant: string;
  limits: IngestLimits;
  masker: Masker;
  /** The `Idempotency-Key` header, if the client sent one. */
  idempotencyKey: string | undefined;
  now(): number;
  random(n: number): Uint8Array;
  /** Keyed idempotency fingerprints (app.fingerprint). */
  fingerprint: Fingerprinter;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * A POST /v1/events body as one all-or-nothing batch: validated (every problem reported), then masked —
 * before anything can log or store it — then prepared with ids and the recording time.
 */
export function buildAppendBatch(body: unknown, ctx: BuildBatchContext): AppendBatch {
  const header = ctx.idempotencyKey;
  const headerProblem =
    header !== undefined && !IDEMPOTENCY_KEY.test(header)
      ? { path: '/headers/idempotency-key', message: 'must be 1 to 255 printable ASCII characters without spaces' }
      : null;

  const validation = validateAppendRequest(body, ctx.limits);
  if (!validation.ok || headerProblem !== null) {
    const details = [...(headerProblem === null ? [] : [headerProblem]), ...(validation.ok ? [] : validation.details)];
    // An event over maxEventBytes or a batch over maxEventsPerRequest is a size problem (413), still listing
    // every other problem so the client can fix everything in one go.
    const tooLarge = !validation.ok && validation.tooLarge === true;
    throw new VellumError(tooLarge ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED', { details });
  }

  const nowMs = ctx.now();
  const recordedAt = new Date(nowMs).toISOString();
  const events = validation.value.events.map((input) => {
    const { event, masked } = ctx.masker.maskEvent(ctx.tenant, input);
    return prepareEvent(event, masked, { tenant: ctx.tenant, id: uuidv7(nowMs, ctx.random(10)), recordedAt, fingerprint: ctx.fingerprint, unmasked: input });
  });

  const batch: AppendBatch = { tenant: ctx.tenant, events };
  if (header !== undefined) batch.requestKey = { key: header, fingerprint: requestFingerprint(body, ctx.fingerprint) };
  return batch;
}

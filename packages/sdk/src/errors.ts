/**
 * The SDK's errors. Each sets `name` so callers can tell them apart without importing classes, and none ever
 * carries the API key: messages name the URL path and the server's answer, never a header.
 */
import type { ErrorDetail } from '@vellum/core';

/** Bad client options; `details` lists every problem, as the server does (`/batchSize`, `/retry/maxMs`). */
export class VellumOptionsError extends Error {
  override readonly name = 'VellumOptionsError';
  constructor(readonly details: ErrorDetail[]) {
    super(`Invalid Vellum client options: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`);
  }
}

/** The server answered with an error status. `details` are its `{ path, message }` entries (`/events/3/type`). */
export class VellumRequestError extends Error {
  override readonly name = 'VellumRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[],
    /** Milliseconds from the Retry-After header, when the server sent one. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(`Vellum answered ${status} ${code}: ${message}`);
  }
}

/** The request did not get an answer (connection refused, reset, timeout). Always retried. */
export class VellumNetworkError extends Error {
  override readonly name = 'VellumNetworkError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** record() refused the event before it reached the outbox: the event is too big, has no actor, or the outbox is full. */
export class VellumRecordError extends Error {
  override readonly name = 'VellumRecordError';
  constructor(readonly code: 'OUTBOX_FULL' | 'EVENT_TOO_LARGE' | 'NO_ACTOR' | 'CLOSED' | 'NOT_SERIALISABLE', message: string) {
    super(message);
  }
}

/** Another process (or another client in this one) holds the outbox file. */
export class VellumOutboxLockedError extends Error {
  override readonly name = 'VellumOutboxLockedError';
  constructor(readonly file: string, options?: { cause?: unknown }) {
    super(
      `The outbox ${file} is in use by another process or client. Each process needs its own outbox file ` +
        '(for example one per worker: outbox-<pid>.db); two writers on one file could send events twice or out of order.',
      options,
    );
  }
}

/** flush() or close() did not finish within its timeout; the events stay in the outbox and are sent later. */
export class VellumTimeoutError extends Error {
  override readonly name = 'VellumTimeoutError';
  constructor(message: string) {
    super(message);
  }
}

/**
 * Every error Vellum reports, in one place: its code, HTTP status and default message.
 * `docs/errors.md` is kept in step with this table by a test.
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, message: 'The request is not valid; see details for every problem.' },
  MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the body as application/json.' },
  INVALID_CURSOR: { status: 400, message: 'The cursor is not one this server issued; start again without it.' },
  UNAUTHENTICATED: { status: 401, message: 'Send a valid API key as "Authorization: Bearer <key>" or "X-API-Key: <key>".' },
  FORBIDDEN: { status: 403, message: 'This key does not have the scope this operation needs.' },
  NOT_FOUND: { status: 404, message: 'No such resource.' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No such route; see /openapi.json for the API.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'This route does not accept that method.' },
  STREAM_VERSION_CONFLICT: { status: 409, message: 'The stream is not at the expected version.' },
  IDEMPOTENCY_KEY_REUSED: { status: 409, message: 'This idempotency key was already used with a different body.' },
  ALREADY_EXISTS: { status: 409, message: 'A resource with this id already exists.' },
  KEY_INACTIVE: { status: 409, message: 'The key is revoked or expired, so it cannot be rotated.' },
  LIMIT_REACHED: { status: 409, message: 'A per-tenant limit is reached; remove something first.' },
  CONCURRENT_UPDATE: { status: 409, message: 'The resource kept changing while this update was applied; retry it.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request or one of its events is larger than the configured limit.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; retry after the indicated delay.' },
  OVERLOADED: { status: 503, message: 'The server is at capacity; retry after the indicated delay.' },
  SHUTTING_DOWN: { status: 503, message: 'The server is shutting down; retry against another node or later.' },
  STORE_UNAVAILABLE: { status: 503, message: 'The event store cannot be reached; retry later.' },
  ARCHIVE_FAILED: { status: 500, message: 'The retention archive could not be written; nothing was pruned.' },
  INVALID_CONFIG: { status: 500, message: 'The configuration is not valid.' },
  INTERNAL: { status: 500, message: 'An unexpected error occurred; it has been logged.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** One violation, located by a JSON pointer into the request (`/events/3/type`, `/query/limit`). */
export interface ErrorDetail {
  path: string;
  message: string;
}

export interface VellumErrorOptions {
  message?: string;
  details?: ErrorDetail[];
  /** Extra machine-readable facts, e.g. `{ expectedVersion, actualVersion }` for a conflict. */
  meta?: Record<string, unknown>;
  /** Seconds the client should wait (429/503), sent as Retry-After. */
  retryAfter?: number;
  cause?: unknown;
}

export class VellumError extends Error {
  override readonly name = 'VellumError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetail[];
  readonly meta: Record<string, unknown> | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, options: VellumErrorOptions = {}) {
    super(options.message ?? ERRORS[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = options.details ?? [];
    this.meta = options.meta;
    this.retryAfter = options.retryAfter;
  }

  /** The JSON body of an error response. */
  toJSON(): { error: { code: ErrorCode; message: string; details?: ErrorDetail[] } & Record<string, unknown> } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details.length > 0 ? { details: this.details } : {}),
        ...this.meta,
      },
    };
  }
}

export const isVellumError = (e: unknown): e is VellumError => e instanceof VellumError;

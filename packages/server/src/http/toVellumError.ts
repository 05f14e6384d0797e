import { isVellumError, VellumError } from '@vellum/core';
import type { ErrorCode } from '@vellum/core';

const FASTIFY_CODES: Record<string, { code: ErrorCode; message?: string; path?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'MALFORMED_JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'MALFORMED_JSON', message: 'The request body is empty; send a JSON object.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'VALIDATION_FAILED', message: 'The body length does not match Content-Length.', path: '/headers/content-length' },
  FST_ERR_BAD_URL: { code: 'VALIDATION_FAILED', message: 'The URL is not valid.', path: '/url' },
  FST_ERR_VALIDATION: { code: 'VALIDATION_FAILED' },
  FST_ERR_NOT_FOUND: { code: 'ROUTE_NOT_FOUND' },
};

/** Fallbacks by status for client errors Fastify or Node raise without a code we know. */
const BY_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'ROUTE_NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/**
 * Every error the server can meet, as one of ours. Messages of foreign errors are not passed on: they can
 * quote the request (a JSON parser's message quotes the body), and the body may hold a secret.
 */
export function toVellumError(err: unknown): VellumError {
  if (isVellumError(err)) return err;
  const e = err as { code?: unknown; statusCode?: unknown; validation?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const known = code === undefined ? undefined : FASTIFY_CODES[code];
  if (known !== undefined) {
    return new VellumError(known.code, {
      ...(known.message === undefined ? {} : { message: known.message }),
      ...(known.path === undefined ? {} : { details: [{ path: known.path, message: known.message ?? 'is not valid' }] }),
      cause: err,
    });
  }
  const status = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  if (status !== undefined && status >= 400 && status < 500) {
    return new VellumError(BY_STATUS[status] ?? 'VALIDATION_FAILED', { cause: err });
  }
  return new VellumError('INTERNAL', { cause: err });
}

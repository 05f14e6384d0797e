import { isVellumError, VellumError } from '@vellum/core';

/** Socket-level failures: the server is down, unreachable or went away mid-conversation. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);
/** SQLSTATEs that mean "not now", not "your query is wrong": too many connections, shutting down, starting up. */
const UNAVAILABLE_SQLSTATES = new Set(['53300', '57P01', '57P02', '57P03']);

/** Whether an error from the driver means the database cannot be reached (class 08 is connection exceptions). */
export function isUnavailable(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const { code, message } = e as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08'))) return true;
  if (e instanceof AggregateError) return e.errors.some(isUnavailable);
  // pg reports these without a code.
  return typeof message === 'string' && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message);
}

/** Rethrows driver errors as VellumError STORE_UNAVAILABLE where the database is unreachable; others unchanged. */
export function toStoreError(e: unknown): unknown {
  if (isVellumError(e) || !isUnavailable(e)) return e;
  const { code, message } = e as { code?: unknown; message?: unknown };
  // Node reports a refused dual-stack connect as an AggregateError with an empty message but a code.
  const reason = typeof message === 'string' && message !== '' ? message : typeof code === 'string' ? code : String(e);
  return new VellumError('STORE_UNAVAILABLE', { message: `The event store (PostgreSQL) cannot be reached: ${reason}`, cause: e });
}

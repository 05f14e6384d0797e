/**
 * Client options and their defaults, in one object (SDK_DEFAULTS), checked once by resolveOptions: every bad
 * option is listed in one VellumOptionsError rather than discovered later by a failing flush.
 */
import type { ErrorDetail, MaskingConfig } from '@vellum/core';
import { VellumOptionsError } from './errors.ts';
import type { RetryPolicy } from './http/backoff.ts';

export interface ClientErrorInfo {
  /** What was going on: a background flush, a direct-mode record, or dead-lettering an event. */
  during: 'flush' | 'record' | 'dead-letter';
  /** Events affected, when known. */
  events?: number;
  /** Milliseconds until the next attempt, when one is planned. */
  retryInMs?: number;
}

export interface ClientOptions {
  /** Base URL of the Vellum server, e.g. `http://127.0.0.1:7070`. */
  url: string;
  /** An API key with `events:write` (and `events:read` for the read helpers). Never logged. */
  apiKey: string;
  /** Path of the SQLite outbox file. Omit it for direct mode: record() awaits the server. */
  outbox?: string;
  /** Sent as `Vellum-Tenant` (admin keys only). */
  tenant?: string;
  /** Events per POST. Default 100 (the server accepts up to 1,000). */
  batchSize?: number;
  /** A batch stops growing before this many bytes of JSON. Default 1 MiB (the server accepts 5 MiB). */
  maxBatchBytes?: number;
  /** How long the flusher waits after a record() to gather more events into one batch. Default 50 ms. */
  flushIntervalMs?: number;
  /** record() refuses events once this many wait in the outbox, dead letters included. Default 100,000. */
  maxOutboxEvents?: number;
  /** record() refuses an event whose JSON exceeds this. Default 64 KiB (the server's default limit). */
  maxEventBytes?: number;
  /** Backoff for network errors, 408/425/429 and 5xx. */
  retry?: Partial<RetryPolicy>;
  /** Wait after a 401/403/404 before trying again (the events stay in the outbox). Default 30 s. */
  authPauseMs?: number;
  /** Per-request timeout. Default 10 s. */
  requestTimeoutMs?: number;
  /** close() waits this long for the outbox to drain. Default 10 s. */
  closeTimeoutMs?: number;
  /** Client-side masking (same rules and defaults as the server's `masking`). Default: the built-in sensitive keys. */
  masking?: MaskingConfig;
  /** Told about every failure the flusher meets (it keeps going). Default: nothing; see stats().lastError. */
  onError?: (error: Error, info: ClientErrorInfo) => void;
}

export const SDK_DEFAULTS = {
  batchSize: 100,
  maxBatchBytes: 1024 * 1024,
  flushIntervalMs: 50,
  maxOutboxEvents: 100_000,
  maxEventBytes: 64 * 1024,
  retry: { baseMs: 200, maxMs: 30_000, maxAttempts: 5, maxRetryAfterMs: 300_000 } satisfies RetryPolicy,
  authPauseMs: 30_000,
  requestTimeoutMs: 10_000,
  closeTimeoutMs: 10_000,
} as const;

export interface ResolvedOptions {
  url: string;
  apiKey: string;
  outbox: string | undefined;
  tenant: string | undefined;
  batchSize: number;
  maxBatchBytes: number;
  flushIntervalMs: number;
  maxOutboxEvents: number;
  maxEventBytes: number;
  retry: RetryPolicy;
  authPauseMs: number;
  requestTimeoutMs: number;
  closeTimeoutMs: number;
  masking: MaskingConfig;
  onError: ((error: Error, info: ClientErrorInfo) => void) | undefined;
}

const KNOWN = [
  'url', 'apiKey', 'outbox', 'tenant', 'batchSize', 'maxBatchBytes', 'flushIntervalMs', 'maxOutboxEvents', 'maxEventBytes',
  'retry', 'authPauseMs', 'requestTimeoutMs', 'closeTimeoutMs', 'masking', 'onError',
];
const RETRY_KNOWN = ['baseMs', 'maxMs', 'maxAttempts', 'maxRetryAfterMs'];

export function resolveOptions(input: ClientOptions): ResolvedOptions {
  const details: ErrorDetail[] = [];
  const bad = (path: string, message: string): void => void details.push({ path, message });
  if (typeof input !== 'object' || input === null) throw new VellumOptionsError([{ path: '', message: 'must be an object' }]);
  for (const key of Object.keys(input)) if (!KNOWN.includes(key)) bad(`/${key}`, `unknown option; known: ${KNOWN.join(', ')}`);

  if (typeof input.url !== 'string' || !/^https?:\/\/[^\s]+$/.test(input.url)) bad('/url', 'must be an http(s) URL like http://127.0.0.1:7070');
  if (typeof input.apiKey !== 'string' || input.apiKey.trim() === '') bad('/apiKey', 'must be a non-empty API key');
  if (input.outbox !== undefined && (typeof input.outbox !== 'string' || input.outbox === '' || input.outbox === ':memory:')) {
    bad('/outbox', 'must be a file path (an in-memory outbox would not survive a crash); omit it for direct mode');
  }
  if (input.tenant !== undefined && (typeof input.tenant !== 'string' || input.tenant === '')) bad('/tenant', 'must be a tenant id');

  const int = (path: string, value: unknown, fallback: number, min: number, max: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      bad(path, `must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const retryIn = input.retry ?? {};
  if (typeof retryIn !== 'object' || retryIn === null) bad('/retry', 'must be an object like { baseMs: 200, maxMs: 30000 }');
  else for (const key of Object.keys(retryIn)) if (!RETRY_KNOWN.includes(key)) bad(`/retry/${key}`, `unknown option; known: ${RETRY_KNOWN.join(', ')}`);
  const r = (typeof retryIn === 'object' && retryIn !== null ? retryIn : {}) as Partial<RetryPolicy>;
  const retry: RetryPolicy = {
    baseMs: int('/retry/baseMs', r.baseMs, SDK_DEFAULTS.retry.baseMs, 1, 3_600_000),
    maxMs: int('/retry/maxMs', r.maxMs, SDK_DEFAULTS.retry.maxMs, 1, 3_600_000),
    maxAttempts: int('/retry/maxAttempts', r.maxAttempts, SDK_DEFAULTS.retry.maxAttempts, 1, 1000),
    maxRetryAfterMs: int('/retry/maxRetryAfterMs', r.maxRetryAfterMs, SDK_DEFAULTS.retry.maxRetryAfterMs, 0, 86_400_000),
  };
  if (retry.maxMs < retry.baseMs) bad('/retry/maxMs', 'must be at least retry.baseMs');
  if (input.masking !== undefined && (typeof input.masking !== 'object' || input.masking === null)) bad('/masking', 'must be a masking configuration object');
  if (input.onError !== undefined && typeof input.onError !== 'function') bad('/onError', 'must be a function');

  const resolved: ResolvedOptions = {
    url: input.url,
    apiKey: input.apiKey,
    outbox: input.outbox,
    tenant: input.tenant,
    batchSize: int('/batchSize', input.batchSize, SDK_DEFAULTS.batchSize, 1, 1000),
    maxBatchBytes: int('/maxBatchBytes', input.maxBatchBytes, SDK_DEFAULTS.maxBatchBytes, 1024, 5 * 1024 * 1024),
    flushIntervalMs: int('/flushIntervalMs', input.flushIntervalMs, SDK_DEFAULTS.flushIntervalMs, 0, 3_600_000),
    maxOutboxEvents: int('/maxOutboxEvents', input.maxOutboxEvents, SDK_DEFAULTS.maxOutboxEvents, 1, 100_000_000),
    maxEventBytes: int('/maxEventBytes', input.maxEventBytes, SDK_DEFAULTS.maxEventBytes, 256, 5 * 1024 * 1024),
    retry,
    authPauseMs: int('/authPauseMs', input.authPauseMs, SDK_DEFAULTS.authPauseMs, 1, 86_400_000),
    requestTimeoutMs: int('/requestTimeoutMs', input.requestTimeoutMs, SDK_DEFAULTS.requestTimeoutMs, 1, 600_000),
    closeTimeoutMs: int('/closeTimeoutMs', input.closeTimeoutMs, SDK_DEFAULTS.closeTimeoutMs, 0, 3_600_000),
    masking: input.masking ?? {},
    onError: input.onError,
  };
  if (details.length > 0) throw new VellumOptionsError(details);
  return resolved;
}

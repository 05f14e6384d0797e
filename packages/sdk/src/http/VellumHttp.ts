/**
 * The one place that talks HTTP to Vellum: adds the key, applies the timeout, and turns every answer into
 * either parsed JSON or a VellumRequestError / VellumNetworkError. It never puts the key in an error.
 */
import type { ErrorDetail } from '@vellum/core';
import { VellumNetworkError, VellumRequestError } from '../errors.ts';
import { parseRetryAfter } from './backoff.ts';

export interface HttpOptions {
  url: string;
  apiKey: string;
  tenant: string | undefined;
  requestTimeoutMs: number;
}

export class VellumHttp {
  private readonly base: string;

  constructor(private readonly options: HttpOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.apiKey}`, accept: 'application/json' };
    if (this.options.tenant !== undefined) headers['vellum-tenant'] = this.options.tenant;
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers,
        ...(payload === undefined ? {} : { body: payload }),
        signal: signal === undefined ? AbortSignal.timeout(this.options.requestTimeoutMs) : AbortSignal.any([signal, AbortSignal.timeout(this.options.requestTimeoutMs)]),
      });
    } catch (e) {
      const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : undefined;
      const what = e instanceof Error && e.name === 'TimeoutError' ? `no answer within ${this.options.requestTimeoutMs} ms` : (cause ?? String(e));
      throw new VellumNetworkError(`${method} ${path} failed: ${what}`, { cause: e });
    }
    const text = await response.text().catch(() => '');
    if (response.ok) {
      try {
        return (text === '' ? undefined : JSON.parse(text)) as T;
      } catch {
        throw new VellumRequestError(response.status, 'BAD_RESPONSE', 'the answer is not JSON', [], undefined);
      }
    }
    throw toRequestError(response.status, text, response.headers.get('retry-after'));
  }
}

export function toRequestError(status: number, text: string, retryAfter: string | null): VellumRequestError {
  let code = `HTTP_${status}`;
  let message = 'no error body';
  let details: ErrorDetail[] = [];
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const err = parsed.error;
    if (err && typeof err === 'object') {
      if (typeof err.code === 'string') code = err.code;
      if (typeof err.message === 'string') message = err.message;
      if (Array.isArray(err.details)) {
        details = err.details.filter(
          (d): d is ErrorDetail => typeof d === 'object' && d !== null && typeof d.path === 'string' && typeof d.message === 'string',
        );
      }
    }
  } catch {
    // A proxy's HTML error page: keep a short excerpt, never the whole page.
    if (text !== '') message = text.slice(0, 200);
  }
  return new VellumRequestError(status, code, message, details, parseRetryAfter(retryAfter, Date.now()));
}

/** Errors worth retrying unchanged: no answer, 408, 425, 429 and every 5xx. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof VellumNetworkError) return true;
  if (error instanceof VellumRequestError) {
    return error.status === 408 || error.status === 425 || error.status === 429 || error.status >= 500 || error.code === 'BAD_RESPONSE';
  }
  return false;
}

/**
 * 401 and 403 mean the key (not the events) is wrong; a 404 on POST /v1/events means the URL is wrong. Sending the
 * same events again later, after the operator fixes the key or the URL, will work, so they must not be dead-lettered.
 */
export function isConfigurationError(error: unknown): boolean {
  return error instanceof VellumRequestError && (error.status === 401 || error.status === 403 || error.status === 404 || error.status === 405);
}

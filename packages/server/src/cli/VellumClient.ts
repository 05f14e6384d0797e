import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import type { ErrorDetail, RateLimitSetting, SearchPage, TenantRecord } from '@vellum/core';
import type { KeyView } from '../access/keyView.ts';
import { CliError } from './CliError.ts';

/** POST /v1/keys as the CLI sends it: the server validates every field and lists every problem. */
export interface CreateKeyBody {
  name: string;
  scopes: string[];
  expiresAt?: string;
  expiresIn?: string;
  rateLimit?: RateLimitSetting;
}

/** The only response that carries a key's secret. */
export interface CreatedKey {
  key: KeyView;
  secret: string;
}

export interface RotatedKey extends CreatedKey {
  /** The replaced key, with the expiry its grace period gave it. */
  previous: KeyView;
}

/** GET /v1/keys/self: a key describes itself; a viewer token only its tenant, scopes and restriction. */
export type SelfView =
  | ({ kind: 'key'; actingTenant: string; restriction: null } & KeyView)
  | { kind: 'viewer'; tenant: string; scopes: string[]; restriction: Record<string, unknown> | null };

export interface SendOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  params?: URLSearchParams;
  /** Sent as JSON. */
  body?: unknown;
  /** The Vellum-Tenant header: an admin key acts for this tenant instead of `default`. */
  tenant?: string | undefined;
  accept?: string;
  /** More request headers (Last-Event-ID for a live stream). */
  headers?: Record<string, string>;
  /** A connection pool of the caller's (undici's fetch is used then); default: Node's fetch and its global pool. */
  dispatcher?: Dispatcher;
  signal?: AbortSignal | undefined;
}

/** The few HTTP calls the CLI makes to a running server, with the server's errors turned into CliErrors. */
export class VellumClient {
  readonly #base: URL;
  readonly #key: string;

  constructor(url: string, key: string) {
    try {
      this.#base = new URL(url);
    } catch {
      throw new CliError(`--url ${JSON.stringify(url)} is not a URL (e.g. http://127.0.0.1:7070)`);
    }
    this.#key = key;
  }

  async search(params: URLSearchParams, signal?: AbortSignal): Promise<SearchPage> {
    const res = await this.request('/v1/events', params, signal);
    return (await res.json()) as SearchPage;
  }

  createKey(body: CreateKeyBody, tenant?: string): Promise<CreatedKey> {
    return this.#json('/v1/keys', { method: 'POST', body, tenant });
  }

  /** `tenant: '*'` asks an admin key for every tenant's keys. */
  async listKeys(options: { tenant?: string | undefined; all?: boolean } = {}): Promise<KeyView[]> {
    const params = new URLSearchParams(options.all === true ? { tenant: '*' } : {});
    return (await this.#json<{ keys: KeyView[] }>('/v1/keys', { params, tenant: options.tenant })).keys;
  }

  getKey(id: string): Promise<KeyView> {
    return this.#json(`/v1/keys/${encodeURIComponent(id)}`);
  }

  keySelf(): Promise<SelfView> {
    return this.#json('/v1/keys/self');
  }

  // The server refuses a POST whose JSON body is empty, so option-less POSTs send `{}`.
  revokeKey(id: string): Promise<KeyView> {
    return this.#json(`/v1/keys/${encodeURIComponent(id)}/revoke`, { method: 'POST', body: {} });
  }

  rotateKey(id: string, gracePeriod?: string): Promise<RotatedKey> {
    return this.#json(`/v1/keys/${encodeURIComponent(id)}/rotate`, { method: 'POST', body: gracePeriod === undefined ? {} : { gracePeriod } });
  }

  createTenant(body: { id: string; name?: string }): Promise<TenantRecord> {
    return this.#json('/v1/tenants', { method: 'POST', body });
  }

  async listTenants(): Promise<TenantRecord[]> {
    return (await this.#json<{ tenants: TenantRecord[] }>('/v1/tenants')).tenants;
  }

  /** Any JSON call, for command groups that keep their calls beside their commands (`vellum subscriptions`). */
  call<T>(path: string, options: SendOptions = {}): Promise<T> {
    return this.#json(path, options);
  }

  /**
   * GET /v1/live: the Server-Sent Events response, resuming after `lastEventId` (a position) when given. Call
   * `close()` once the stream is over. It runs on a connection pool of its own because Node's fetch, after a body
   * it was reading is aborted, opens a spare connection it never uses or closes — and a server shutting down waits
   * for that one until its headers timeout. Destroying the pool takes the spare with it.
   */
  async live(params: URLSearchParams, lastEventId: number | null, signal?: AbortSignal): Promise<{ response: Response; close(): Promise<void> }> {
    const pool = new Agent();
    const close = () => pool.destroy();
    try {
      const headers: Record<string, string> = lastEventId === null ? {} : { 'last-event-id': String(lastEventId) };
      const response = await this.#send('/v1/live', { params, signal, accept: 'text/event-stream', headers, dispatcher: pool });
      return { response, close };
    } catch (err) {
      await close();
      throw err;
    }
  }

  /** A response whose body the caller streams (export). */
  request(path: string, params: URLSearchParams, signal?: AbortSignal): Promise<Response> {
    return this.#send(path, { params, signal, accept: 'application/json, application/x-ndjson, text/csv' });
  }

  async #json<T>(path: string, options: SendOptions = {}): Promise<T> {
    const res = await this.#send(path, options);
    return (await res.json()) as T;
  }

  async #send(path: string, options: SendOptions): Promise<Response> {
    const url = new URL(path, this.#base);
    url.search = options.params?.toString() ?? '';
    const headers: Record<string, string> = { ...options.headers, authorization: `Bearer ${this.#key}`, accept: options.accept ?? 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.tenant !== undefined) headers['vellum-tenant'] = options.tenant;
    let res: Response;
    try {
      const init = {
        method: options.method ?? 'GET',
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      };
      // undici's Response is the WHATWG Response Node's fetch returns, from the same library.
      res = options.dispatcher === undefined ? await fetch(url, init) : ((await undiciFetch(url, { ...init, dispatcher: options.dispatcher })) as unknown as Response);
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`cannot reach ${this.#base.origin}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, { cause: err });
    }
    if (!res.ok) throw await errorFrom(res);
    return res;
  }
}

async function errorFrom(res: Response): Promise<CliError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; details?: ErrorDetail[] } };
    if (body.error?.message !== undefined) {
      return new CliError(body.error.message, { ...(body.error.code === undefined ? {} : { code: body.error.code }), details: body.error.details ?? [] });
    }
  } catch {
    // not our error format: fall through to the status line
  }
  return new CliError(`the server answered ${res.status} ${res.statusText}${text === '' ? '' : `: ${text.slice(0, 200)}`}`);
}

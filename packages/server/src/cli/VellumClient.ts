import type { ErrorDetail, SearchPage } from '@vellum/core';
import { CliError } from './CliError.ts';

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

  /** A response whose body the caller streams (export). */
  async request(path: string, params: URLSearchParams, signal?: AbortSignal): Promise<Response> {
    const url = new URL(path, this.#base);
    url.search = params.toString();
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { authorization: `Bearer ${this.#key}`, accept: 'application/json, application/x-ndjson, text/csv' },
        ...(signal === undefined ? {} : { signal }),
      });
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

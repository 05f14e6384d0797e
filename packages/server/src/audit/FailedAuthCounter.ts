import type { FastifyRequest } from 'fastify';
import type { SecurityEventSpec } from './securityEvent.ts';

const MAX_LISTED = 20;

/**
 * Failed authentications, summarised once per interval: a guesser sending thousands of bad keys a second
 * must not be able to grow the audit log (or the commit queue) at the same rate. Each summary says how many
 * failures, from which addresses and on which routes (the first few of each), and over which period.
 */
export class FailedAuthCounter {
  readonly #flush: (summary: SecurityEventSpec) => Promise<void>;
  readonly #timer: NodeJS.Timeout;
  #count = 0;
  #since: string | null = null;
  readonly #ips = new Set<string>();
  readonly #routes = new Set<string>();

  constructor(options: { flush: (summary: SecurityEventSpec) => Promise<void>; intervalMs: number }) {
    this.#flush = options.flush;
    this.#timer = setInterval(() => void this.flush(), options.intervalMs);
    this.#timer.unref();
  }

  note(request: FastifyRequest): void {
    this.#count += 1;
    this.#since ??= new Date().toISOString();
    if (this.#ips.size < MAX_LISTED) this.#ips.add(request.ip);
    if (this.#routes.size < MAX_LISTED) this.#routes.add(`${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`);
  }

  flush(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    const summary: SecurityEventSpec = {
      type: 'vellum.auth.failed',
      action: 'authenticate',
      severity: 'medium',
      outcome: 'failure',
      actor: { type: 'anonymous', id: [...this.#ips][0] ?? 'unknown' },
      data: { failures: this.#count, since: this.#since, until: new Date().toISOString(), ips: [...this.#ips], routes: [...this.#routes] },
    };
    this.#count = 0;
    this.#since = null;
    this.#ips.clear();
    this.#routes.clear();
    return this.#flush(summary);
  }

  close(): Promise<void> {
    clearInterval(this.#timer);
    return this.flush();
  }
}

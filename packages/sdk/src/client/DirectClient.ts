/**
 * Direct mode (no outbox), for scripts and tests: record() POSTs the event and resolves with the server's
 * result, retrying network errors, 429 and 5xx like the flusher; a 4xx rejects with the server's details.
 */
import type { AppendResult, Masker } from '@vellum/core';
import type { RecordInput } from '../context/requestContext.ts';
import { VellumRecordError, VellumRequestError } from '../errors.ts';
import { backoffDelay } from '../http/backoff.ts';
import { isRetryable } from '../http/VellumHttp.ts';
import type { VellumHttp } from '../http/VellumHttp.ts';
import type { ResolvedOptions } from '../options.ts';
import { prepareRecord } from './prepareRecord.ts';
import { ClientBase } from './ClientBase.ts';
import type { ClientStats, CloseResult, DeadLetters, RecordReceipt, VellumClient } from './VellumClient.ts';

export class DirectClient extends ClientBase implements VellumClient {
  readonly mode = 'direct' as const;
  private readonly inProgress = new Set<Promise<unknown>>();
  private lastError: Error | undefined;
  private lastFlushAt: Date | undefined;
  private closed = false;
  readonly deadLetters: DeadLetters = { list: () => [], retry: () => 0, purge: () => 0 };

  constructor(http: VellumHttp, private readonly options: ResolvedOptions, private readonly masker: Masker) {
    super(http, options);
  }

  record(event: RecordInput): Promise<RecordReceipt> {
    if (this.closed) return Promise.reject(new VellumRecordError('CLOSED', 'The client is closed; events can no longer be recorded'));
    let prepared;
    try {
      prepared = prepareRecord(event, this.masker, this.options.tenant ?? '', this.options.maxEventBytes);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    const { idempotencyKey, body } = prepared;
    const work = this.send(body).then((result) => ({ idempotencyKey, result }));
    this.inProgress.add(work);
    const forget = (): void => void this.inProgress.delete(work);
    work.then(forget, forget);
    return work;
  }

  private async send(body: string): Promise<AppendResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.http.request<{ events: AppendResult[] }>('POST', '/v1/events', `{"events":[${body}]}`);
        this.lastFlushAt = new Date();
        return answer.events[0]!;
      } catch (e) {
        this.lastError = e as Error;
        if (!isRetryable(e) || attempt >= this.options.retry.maxAttempts) throw e;
        const retryAfter = e instanceof VellumRequestError ? e.retryAfterMs : undefined;
        const delay = backoffDelay(this.options.retry, attempt, Math.random(), retryAfter);
        try {
          this.options.onError?.(e as Error, { during: 'record', events: 1, retryInMs: delay });
        } catch {
          // A throwing hook must not change the outcome.
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  async flush(): Promise<void> {
    await Promise.allSettled([...this.inProgress]);
  }

  async close(): Promise<CloseResult> {
    this.closed = true;
    await this.flush();
    return { drained: true, pending: 0 };
  }

  stats(): ClientStats {
    return { pending: this.inProgress.size, inFlight: this.inProgress.size, deadLetters: 0, lastError: this.lastError, lastFlushAt: this.lastFlushAt };
  }
}

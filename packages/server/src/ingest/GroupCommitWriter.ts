import { isVellumError, VellumError } from '@vellum/core';
import type { AppendBatch, AppendOutcome, AppendResult, EventStore } from '@vellum/core';

/** What the writer reports, so metrics stay outside it. */
export interface WriterObserver {
  onCommit?(info: { batches: number; events: number; durationSeconds: number }): void;
  onQueueDepth?(events: number): void;
  /** A whole commit failed (the store threw); every request in it gets the same error. */
  onCommitFailed?(error: unknown, info: { batches: number; events: number }): void;
}

export interface GroupCommitWriterOptions {
  store: Pick<EventStore, 'append'>;
  /** Events waiting for a commit beyond which submit() refuses with OVERLOADED. */
  maxQueuedEvents: number;
  /** Most events one commit takes from the queue; a single larger batch still goes whole. */
  maxEventsPerCommit: number;
  /** Retry-After (seconds) sent with OVERLOADED and SHUTTING_DOWN. */
  retryAfterSeconds: number;
  /**
   * Commits handed to the store before the previous one has finished (default 1). Only for a store that runs its
   * appends one after another in call order (EventStore.appendPipelineDepth).
   */
  maxCommitsInFlight?: number;
  observer?: WriterObserver;
  /** Milliseconds clock, injectable for tests of the stuck check. */
  now?: () => number;
}

/** A tenant's log grew: its newest position after a commit (what live streams and deliveries wake up on). */
export interface TenantAdvance {
  tenant: string;
  head: number;
}

/** A batch of a durable commit with its results, one per event in order (duplicates marked). */
export interface CommittedBatch {
  batch: AppendBatch;
  results: readonly AppendResult[];
}

interface Pending {
  batch: AppendBatch;
  resolve(outcome: AppendOutcome): void;
  reject(error: unknown): void;
}

/**
 * Group commit: concurrent requests share one durable commit. Requests queue here (bounded, so memory
 * never grows with load), and whenever the store can take a commit, everything queued — up to
 * maxEventsPerCommit events — goes to it in one store.append, so the fsync cost is paid once per commit
 * instead of once per request.
 *
 * By default one commit is in flight at a time, so commits never race each other for positions. A store that
 * queues appends and runs them strictly in order (the SQLite writer thread) takes the next commit while the
 * current one is written: it then starts on it the moment the current one ends, instead of waiting until this
 * thread hears back and sends it — on a busy event loop that wait left the writer idle a fifth of the time.
 */
export class GroupCommitWriter {
  readonly #store: Pick<EventStore, 'append'>;
  readonly #maxQueued: number;
  readonly #maxPerCommit: number;
  readonly #retryAfter: number;
  readonly #maxInFlight: number;
  readonly #observer: WriterObserver;
  readonly #now: () => number;

  #queue: Pending[] = [];
  #queuedEvents = 0;
  #pumpScheduled = false;
  #commitsInFlight = 0;
  #inFlightEvents = 0;
  #idleWaiters: Array<() => void> = [];
  #closed = false;
  #lastProgressAt: number;
  readonly #commitListeners: Array<(advances: TenantAdvance[], committed: readonly CommittedBatch[]) => void> = [];

  constructor(options: GroupCommitWriterOptions) {
    for (const name of ['maxQueuedEvents', 'maxEventsPerCommit', 'retryAfterSeconds', 'maxCommitsInFlight'] as const) {
      const v = name === 'maxCommitsInFlight' ? (options[name] ?? 1) : options[name];
      if (!Number.isSafeInteger(v) || v < 1) throw new TypeError(`GroupCommitWriter: ${name} must be a positive integer, got ${v}`);
    }
    this.#store = options.store;
    this.#maxQueued = options.maxQueuedEvents;
    this.#maxPerCommit = options.maxEventsPerCommit;
    this.#retryAfter = options.retryAfterSeconds;
    this.#maxInFlight = options.maxCommitsInFlight ?? 1;
    this.#observer = options.observer ?? {};
    this.#now = options.now ?? Date.now;
    this.#lastProgressAt = this.#now();
  }

  /** Events waiting for a commit (not counting the commit in flight). */
  get queuedEvents(): number {
    return this.#queuedEvents;
  }

  /** Events in the commits being written right now. */
  get inFlightEvents(): number {
    return this.#inFlightEvents;
  }

  /**
   * True when there is work and no commit has finished within `thresholdMs` — the store is hanging.
   * Idle time does not count: progress is measured from when the writer last became busy.
   */
  isStuck(thresholdMs: number): boolean {
    const busy = this.#queuedEvents > 0 || this.#inFlightEvents > 0;
    return busy && this.#now() - this.#lastProgressAt > thresholdMs;
  }

  /**
   * Queues a batch and resolves with its outcome once the commit holding it is durable. Throws
   * OVERLOADED at once when the queue is full (a request larger than the whole queue is still taken
   * when the queue is empty, so no valid request is refused forever), SHUTTING_DOWN after close().
   */
  submit(batch: AppendBatch): Promise<AppendOutcome> {
    if (this.#closed) {
      return Promise.reject(new VellumError('SHUTTING_DOWN', { retryAfter: this.#retryAfter }));
    }
    const size = batch.events.length;
    if (this.#queuedEvents > 0 && this.#queuedEvents + size > this.#maxQueued) {
      return Promise.reject(new VellumError('OVERLOADED', { retryAfter: this.#retryAfter }));
    }
    return new Promise<AppendOutcome>((resolve, reject) => {
      if (this.#queuedEvents === 0 && this.#inFlightEvents === 0) this.#lastProgressAt = this.#now();
      this.#queue.push({ batch, resolve, reject });
      this.#queuedEvents += size;
      this.#observer.onQueueDepth?.(this.#queuedEvents);
      this.#schedulePump();
    });
  }

  /**
   * Calls `listener` after every durable commit, once its requests are answered, with each tenant's newest position
   * that the commit stored (none when every batch was rejected or a duplicate): for work that follows the log (the
   * Merkle integrator, live streams, deliveries), and the committed batches themselves (for this node's live streams,
   * which then need not read back what was just written). A listener that throws affects neither the commit nor the
   * others.
   */
  onCommitted(listener: (advances: TenantAdvance[], committed: readonly CommittedBatch[]) => void): void {
    this.#commitListeners.push(listener);
  }

  /** Stops accepting batches and resolves once everything already queued is committed. */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #idle(): boolean {
    return this.#queue.length === 0 && this.#commitsInFlight === 0 && !this.#pumpScheduled;
  }

  #schedulePump(): void {
    if (this.#pumpScheduled || this.#commitsInFlight >= this.#maxInFlight) return;
    this.#pumpScheduled = true;
    // Let the requests that arrive in the same tick join the commit.
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  /** Hands the store commits while it has room for them; called again whenever a commit ends. */
  #pump(): void {
    while (this.#queue.length > 0 && this.#commitsInFlight < this.#maxInFlight) {
      const { group, events } = this.#take();
      this.#commitsInFlight += 1;
      void this.#commit(group, events).then(() => {
        this.#commitsInFlight -= 1;
        this.#pump();
        if (this.#idle()) for (const resolve of this.#idleWaiters.splice(0)) resolve();
      });
    }
  }

  #take(): { group: Pending[]; events: number } {
    const group: Pending[] = [];
    let events = 0;
    while (this.#queue.length > 0) {
      const next = this.#queue[0]!;
      const size = next.batch.events.length;
      if (group.length > 0 && events + size > this.#maxPerCommit) break;
      group.push(next);
      this.#queue.shift();
      events += size;
    }
    this.#queuedEvents -= events;
    this.#inFlightEvents += events;
    this.#observer.onQueueDepth?.(this.#queuedEvents);
    return { group, events };
  }

  /** `events`: how many the group holds. Never rejects: a failed commit is reported to its requests. */
  async #commit(group: Pending[], events: number): Promise<void> {
    const started = this.#now();
    const startedHr = process.hrtime.bigint();
    try {
      const outcomes = await this.#store.append(group.map((p) => p.batch));
      if (outcomes.length !== group.length) {
        throw new Error(`store.append returned ${outcomes.length} outcomes for ${group.length} batches`);
      }
      group.forEach((p, i) => p.resolve(outcomes[i]!));
      this.#observer.onCommit?.({
        batches: group.length,
        events,
        durationSeconds: Number(process.hrtime.bigint() - startedHr) / 1e9,
      });
      const advances = tenantAdvances(group, outcomes);
      const committed: CommittedBatch[] = [];
      group.forEach((p, i) => {
        const outcome = outcomes[i]!;
        if (outcome.status === 'committed') committed.push({ batch: p.batch, results: outcome.results });
      });
      for (const listener of this.#commitListeners) {
        try {
          listener(advances, committed);
        } catch {
          // Not the commit's failure: it is durable and answered already.
        }
      }
    } catch (err) {
      // The commit as a whole failed: nothing of it is durable, so every request in it learns the same.
      // We do not retry here — after an ambiguous failure (connection lost during COMMIT) a retry could
      // store events twice; clients retry with their idempotency keys instead.
      this.#observer.onCommitFailed?.(err, { batches: group.length, events });
      const error = isVellumError(err) ? err : new VellumError('STORE_UNAVAILABLE', { retryAfter: this.#retryAfter, cause: err });
      for (const p of group) p.reject(error);
    } finally {
      this.#inFlightEvents -= events;
      this.#lastProgressAt = Math.max(this.#now(), started);
    }
  }
}

/** The newest new position per tenant among the committed batches (duplicates stored nothing new). */
function tenantAdvances(group: readonly Pending[], outcomes: readonly AppendOutcome[]): TenantAdvance[] {
  const heads = new Map<string, number>();
  group.forEach((p, i) => {
    const outcome = outcomes[i]!;
    if (outcome.status !== 'committed') return;
    for (const result of outcome.results) {
      if (result.duplicate === true) continue;
      const tenant = p.batch.tenant;
      if (result.position > (heads.get(tenant) ?? 0)) heads.set(tenant, result.position);
    }
  });
  return [...heads].map(([tenant, head]) => ({ tenant, head }));
}

import { randomBytes } from 'node:crypto';
import {
  CircuitBreaker,
  encodeCursor,
  nextRetryDelayMs,
  parseDuration,
  uuidv7,
  type BreakerState,
  type DeliveryOutcome,
  type EventStore,
  type PendingDelivery,
  type StoredEvent,
  type SubscriptionChanges,
  type SubscriptionRecord,
  type SubscriptionStore,
} from '@vellum/core';
import type { DeliveryOptions } from '../config/VellumConfig.ts';
import type { DeliveryResult, DeliveryTarget, DeliveryTargets } from './DeliveryTarget.ts';
import type { DeadLetterRetryResult, DeliveryService, SubscriptionStats } from './DeliveryService.ts';
import { isPriorityFilter } from './deliveryPriority.ts';

/** Pino's signature; given ids, counts and error words only — never a secret, a target URL or an event body. */
export interface DeliveryLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** What the worker reports for metrics (the plugin wires it to prom-client). */
export interface DeliveryObserver {
  attempt?(subscriptionId: string, outcome: DeliveryOutcome | 'skipped'): void;
  deadLettered?(subscriptionId: string): void;
  lag?(subscriptionId: string, positions: number, seconds: number): void;
  breaker?(subscriptionId: string, state: BreakerState): void;
  /** The subscription left this node (deleted, paused, disabled, or leased elsewhere): drop its series. */
  forget?(subscriptionId: string): void;
}

export interface DeliveryWorkerOptions {
  store: Pick<EventStore, 'search' | 'headPosition'> & { subscriptions: SubscriptionStore };
  targets: Pick<DeliveryTargets, 'open'>;
  config: Pick<DeliveryOptions, 'batchSize' | 'requestTimeoutSeconds' | 'retrySchedule' | 'onExhausted' | 'concurrency' | 'breakerFailures' | 'breakerCooldownSeconds'>;
  /** Events as readers see them (personal fields opened); identity by default. */
  openEvents?: (events: StoredEvent[]) => Promise<StoredEvent[]>;
  log: DeliveryLog;
  /** Milliseconds clock (Date.now by default): due times, leases, records, breakers. */
  clock?: () => number;
  /** [0, 1) (Math.random by default): the full jitter of retry waits. */
  random?: () => number;
  /** This node's lease owner name; random by default. */
  nodeId?: string;
  /** How long a lease lasts without renewal: a crashed node's subscriptions move on after it. */
  leaseMs?: number;
  /** How often the subscription list (and other nodes' heads) is read again. */
  refreshMs?: number;
  observer?: DeliveryObserver;
}

/** What this node knows about one active subscription. */
interface SubState {
  id: string;
  tenant: string;
  record: SubscriptionRecord;
  priority: boolean;
  /** When to look at it again (ms); Infinity: caught up, until the log of its tenant grows past checkedHead. */
  dueAt: number;
  checkedHead: number;
  /** The highest head announced for its tenant (so a signal during a pass is not lost). */
  signalledHead: number;
  running: Promise<void> | null;
  lastDeliveredAt: string | null;
  endpoint: string | null;
  /** Consecutive store errors (the wait before trying again grows with them). */
  storeErrors: number;
}

const MAX_PAGE = 1000;
const CAS_ROUNDS = 5;
const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The delivery worker of one node: the store is the queue (a cursor and a written-down pending batch per
 * subscription), leases keep each subscription on one node at a time, and every attempt's consequences (cursor,
 * retry time, dead letter, pause, disable) are compare-and-set updates, so a user's pause/replay/delete made
 * meanwhile wins and a node that crashes anywhere leaves work another node resumes exactly (same range, same
 * message id). Deliveries run `concurrency` at a time, priority subscriptions first, then the longest due.
 */
export class DeliveryWorker implements DeliveryService {
  readonly nodeId: string;
  readonly #store: DeliveryWorkerOptions['store'];
  readonly #subs: SubscriptionStore;
  readonly #targets: DeliveryWorkerOptions['targets'];
  readonly #config: DeliveryWorkerOptions['config'];
  readonly #openEvents: (events: StoredEvent[]) => Promise<StoredEvent[]>;
  readonly #log: DeliveryLog;
  readonly #clock: () => number;
  readonly #random: () => number;
  readonly #leaseMs: number;
  readonly #refreshMs: number;
  readonly #observer: DeliveryObserver;
  readonly #states = new Map<string, SubState>();
  readonly #breakers = new Map<string, CircuitBreaker>();
  /** Subscriptions whose lease this node holds (released on shutdown). */
  readonly #leases = new Set<string>();
  /** Subscriptions leased by another node: not tried again before this time. */
  readonly #leasedElsewhere = new Map<string, number>();
  /** The last delivery this node made of each subscription, kept across a subscription leaving and coming back. */
  readonly #lastDelivered = new Map<string, string | null>();
  #inFlight = 0;
  #stopped = false;
  #started = false;
  #timer: NodeJS.Timeout | null = null;
  #refreshTimer: NodeJS.Timeout | null = null;
  #refreshing: Promise<void> | null = null;
  #pumpQueued = false;

  constructor(options: DeliveryWorkerOptions) {
    this.#store = options.store;
    this.#subs = options.store.subscriptions;
    this.#targets = options.targets;
    this.#config = options.config;
    this.#openEvents = options.openEvents ?? (async (events) => events);
    this.#log = options.log;
    this.#clock = options.clock ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#refreshMs = options.refreshMs ?? 5_000;
    this.#observer = options.observer ?? {};
    this.nodeId = options.nodeId ?? `node-${randomBytes(8).toString('hex')}`;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Life cycle and scheduling

  /** Starts the refresh loop and the timers (tests drive refresh() and drain() by hand instead). */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    const loop = async (): Promise<void> => {
      await this.refresh();
      this.#pump();
      if (!this.#stopped) {
        this.#refreshTimer = setTimeout(() => void loop(), this.#refreshMs);
        // The server's listener keeps the process alive; a worker alone (an app never closed in a test) must not.
        this.#refreshTimer.unref?.();
      }
    };
    void loop();
  }

  /**
   * Graceful shutdown: takes no more work, lets deliveries in flight finish (each is bounded by the request
   * timeout), then releases this node's leases so another node carries on at once.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (this.#refreshTimer !== null) clearTimeout(this.#refreshTimer);
    const running = [...this.#states.values()].map((s) => s.running).filter((p): p is Promise<void> => p !== null);
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...running, this.#refreshing ?? Promise.resolve()]),
      new Promise<void>((resolve) => {
        bound = setTimeout(resolve, this.#config.requestTimeoutSeconds * 1000 + 2_000);
      }),
    ]);
    clearTimeout(bound);
    await Promise.allSettled([...this.#leases].map((id) => this.#subs.releaseLease(id, this.nodeId)));
    this.#leases.clear();
  }

  /** The log of `tenant` reached `head`: its caught-up subscriptions have something to look at. */
  signal(tenant: string, head: number): void {
    let any = false;
    for (const s of this.#states.values()) {
      if (s.tenant !== tenant) continue;
      s.signalledHead = Math.max(s.signalledHead, head);
      if (s.running === null && s.dueAt === Infinity && head > s.checkedHead) {
        s.dueAt = this.#clock();
        any = true;
      }
    }
    if (any) this.#pump();
  }

  wake(): void {
    // A worker that was never started (delivery.enabled false on this node) delivers nothing, woken or not.
    if (this.#stopped || !this.#started) return;
    void this.refresh({ all: true }).then(() => this.#pump());
  }

  /**
   * Reads the active subscriptions again: new ones are due now, changed ones (a resume, replay, new target) are
   * due now, inactive or deleted ones leave. Caught-up ones whose tenant's log grew (on any node) are due again.
   * `all`: every known one is looked at now (after a wake()).
   */
  refresh(options: { all?: boolean } = {}): Promise<void> {
    const run = async (): Promise<void> => {
      try {
        await this.#refresh(options.all === true);
      } catch (err) {
        this.#log.warn({ err: errorWords(err) }, 'delivery: reading the subscriptions failed; trying again later');
      }
    };
    const previous = this.#refreshing ?? Promise.resolve();
    const next = previous.then(run);
    this.#refreshing = next;
    return next;
  }

  async #refresh(all: boolean): Promise<void> {
    const now = this.#clock();
    const records = await this.#subs.listSubscriptions('*');
    const seen = new Set<string>();
    for (const record of records) {
      if (record.status !== 'active') continue;
      seen.add(record.id);
      const known = this.#states.get(record.id);
      if (known === undefined) {
        this.#states.set(record.id, this.#newState(record, now));
        continue;
      }
      if (known.running !== null) continue;
      // Newer than what this node last wrote or read: someone changed it (resume, replay, target, filter).
      if (record.revision > known.record.revision) {
        known.record = record;
        known.priority = isPriorityFilter(record.filter);
        known.dueAt = record.pending === null ? now : Date.parse(record.pending.nextAttemptAt);
      } else if (all && known.dueAt === Infinity) {
        known.dueAt = now;
      }
    }
    for (const s of [...this.#states.values()]) {
      if (!seen.has(s.id) && s.running === null) await this.#forget(s);
    }
    // Other nodes' commits reach this node through the store when no signal carries them.
    const heads = new Map<string, number>();
    for (const s of this.#states.values()) {
      if (s.running !== null) continue;
      let head = heads.get(s.tenant);
      if (head === undefined) {
        head = await this.#store.headPosition(s.tenant);
        heads.set(s.tenant, head);
      }
      if (s.dueAt === Infinity && head > s.checkedHead) s.dueAt = now;
      if (this.#leases.has(s.id)) await this.#reportLag(s, head);
    }
  }

  #newState(record: SubscriptionRecord, now: number): SubState {
    return {
      id: record.id,
      tenant: record.tenant,
      record,
      priority: isPriorityFilter(record.filter),
      dueAt: record.pending === null ? now : Date.parse(record.pending.nextAttemptAt),
      checkedHead: -1,
      signalledHead: 0,
      running: null,
      lastDeliveredAt: this.#lastDelivered.get(record.id) ?? null,
      endpoint: null,
      storeErrors: 0,
    };
  }

  async #forget(s: SubState): Promise<void> {
    this.#states.delete(s.id);
    this.#lastDelivered.set(s.id, s.lastDeliveredAt);
    this.#observer.forget?.(s.id);
    if (this.#leases.delete(s.id)) {
      try {
        await this.#subs.releaseLease(s.id, this.nodeId);
      } catch (err) {
        this.#log.warn({ subscription: s.id, err: errorWords(err) }, 'delivery: releasing a lease failed (it expires by itself)');
      }
    }
  }

  /** Starts due work up to the concurrency limit (priority first, then oldest due) and sets the next timer. */
  #pump(): void {
    if (this.#pumpQueued || this.#stopped) return;
    this.#pumpQueued = true;
    queueMicrotask(() => {
      this.#pumpQueued = false;
      this.#startDue();
      if (this.#started) this.#arm();
    });
  }

  /** Starts what is due now; returns how many were started. */
  #startDue(): number {
    if (this.#stopped) return 0;
    const now = this.#clock();
    const due = [...this.#states.values()]
      .filter((s) => s.running === null && s.dueAt <= now)
      .sort((a, b) => (a.priority === b.priority ? a.dueAt - b.dueAt : a.priority ? -1 : 1));
    let started = 0;
    for (const s of due) {
      if (this.#inFlight >= this.#config.concurrency) break;
      this.#inFlight += 1;
      started += 1;
      s.running = this.#serveSafely(s).finally(() => {
        s.running = null;
        this.#inFlight -= 1;
        this.#pump();
      });
    }
    return started;
  }

  #arm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#stopped) return;
    let next = Infinity;
    for (const s of this.#states.values()) if (s.running === null && s.dueAt < next) next = s.dueAt;
    if (next === Infinity) return;
    const wait = Math.min(Math.max(next - this.#clock(), 5), 2 ** 31 - 1);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#pump();
    }, wait);
    this.#timer.unref?.();
  }

  /** For tests: starts due work and waits until nothing is due now and nothing is in flight. */
  async drain(): Promise<void> {
    for (let round = 0; round < 10_000; round += 1) {
      this.#startDue();
      const running = [...this.#states.values()].map((s) => s.running).filter((p): p is Promise<void> => p !== null);
      if (running.length === 0) return;
      await Promise.race(running);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** For tests and stats: when the subscription is next looked at on this node (ms; Infinity when caught up). */
  dueAt(subscriptionId: string): number | null {
    return this.#states.get(subscriptionId)?.dueAt ?? null;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // One pass over one subscription

  async #serveSafely(s: SubState): Promise<void> {
    try {
      await this.#serve(s);
      s.storeErrors = 0;
    } catch (err) {
      // The store (or something unexpected) failed: nothing is lost — the pending batch and cursor are as they
      // were written — so look again later, waiting longer while it keeps failing.
      s.storeErrors += 1;
      s.dueAt = this.#clock() + Math.min(1_000 * 2 ** Math.min(s.storeErrors - 1, 5), 30_000);
      this.#log.error({ subscription: s.id, tenant: s.tenant, err: errorWords(err) }, 'delivery: a pass failed; trying again later');
    }
  }

  async #serve(s: SubState): Promise<void> {
    const now = this.#clock();
    const elsewhere = this.#leasedElsewhere.get(s.id);
    if (elsewhere !== undefined && elsewhere > now) {
      s.dueAt = elsewhere;
      return;
    }
    if (!(await this.#subs.acquireLease(s.id, this.nodeId, iso(now), iso(now + this.#leaseMs)))) {
      // Gone (leases of unknown subscriptions are refused), or another node delivers it: look again after a
      // refresh (its lease may lapse if that node died).
      const current = await this.#subs.getSubscription(s.tenant, s.id);
      if (current === null || current.status !== 'active') {
        await this.#forget(s);
        return;
      }
      this.#leases.delete(s.id);
      this.#leasedElsewhere.set(s.id, now + this.#refreshMs);
      s.dueAt = now + this.#refreshMs;
      this.#observer.forget?.(s.id);
      return;
    }
    this.#leasedElsewhere.delete(s.id);
    this.#leases.add(s.id);
    // Renewed while working, so a slow receiver does not hand the subscription to another node mid-attempt.
    const renew = setInterval(() => {
      const at = this.#clock();
      this.#subs.acquireLease(s.id, this.nodeId, iso(at), iso(at + this.#leaseMs)).catch((err: unknown) => {
        this.#log.warn({ subscription: s.id, err: errorWords(err) }, 'delivery: renewing a lease failed');
      });
    }, Math.max(1_000, Math.floor(this.#leaseMs / 3)));
    renew.unref?.();
    try {
      await this.#pass(s);
    } finally {
      clearInterval(renew);
    }
  }

  async #pass(s: SubState): Promise<void> {
    let record = await this.#subs.getSubscription(s.tenant, s.id);
    for (let round = 0; round < CAS_ROUNDS; round += 1) {
      if (record === null || record.status !== 'active') {
        await this.#forget(s);
        return;
      }
      s.record = record;
      s.priority = isPriorityFilter(record.filter);
      let events: StoredEvent[] | null = null;
      if (record.pending === null) {
        const next = await this.#nextBatch(s, record);
        if (next === 'conflict') {
          record = await this.#subs.getSubscription(s.tenant, s.id);
          continue;
        }
        if (next === null) return;
        record = next.record;
        events = next.events;
      }
      const pending = record.pending as PendingDelivery;
      const due = Date.parse(pending.nextAttemptAt);
      if (due > this.#clock()) {
        s.dueAt = due;
        return;
      }
      await this.#attempt(s, record, pending, events);
      return;
    }
    s.dueAt = this.#clock() + 1_000;
  }

  /**
   * Writes down the next batch (or moves the cursor to the head when nothing matches, so lag stays true and
   * nothing is scanned twice). Null: caught up.
   */
  async #nextBatch(s: SubState, record: SubscriptionRecord): Promise<{ record: SubscriptionRecord; events: StoredEvent[] } | null | 'conflict'> {
    // The head is read before the events: every position up to it is committed, so a cursor moved to it skips
    // nothing that could still appear.
    const head = await this.#store.headPosition(record.tenant);
    const limit = Math.min(this.#config.batchSize, MAX_PAGE);
    const page = await this.#store.search(record.tenant, { ...record.filter, order: 'asc', limit, cursor: encodeCursor({ k: record.cursor }) });
    const now = this.#clock();
    if (page.events.length === 0) {
      if (head > record.cursor) {
        const moved = await this.#subs.updateSubscription(record.tenant, record.id, record.revision, { cursor: head }, iso(now));
        if (moved === 'conflict') return 'conflict';
        if (moved === null) {
          await this.#forget(s);
          return null;
        }
        s.record = moved;
      }
      s.checkedHead = head;
      s.dueAt = s.signalledHead > head ? now : Infinity;
      await this.#reportLag(s, head);
      return null;
    }
    const last = page.events[page.events.length - 1] as StoredEvent;
    const pending: PendingDelivery = {
      messageId: uuidv7(now, randomBytes(10)),
      fromPosition: record.cursor + 1,
      toPosition: last.position,
      events: page.events.length,
      attempts: 0,
      nextAttemptAt: iso(now),
      firstAttemptAt: iso(now),
      lastError: null,
    };
    const written = await this.#subs.updateSubscription(record.tenant, record.id, record.revision, { pending }, iso(now));
    if (written === 'conflict') return 'conflict';
    if (written === null) {
      await this.#forget(s);
      return null;
    }
    s.record = written;
    return { record: written, events: page.events };
  }

  /** The matching events of fromPosition..toPosition, in position order (a retry re-reads exactly its batch). */
  async #readRange(record: Pick<SubscriptionRecord, 'tenant' | 'filter'>, fromPosition: number, toPosition: number): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    let after = fromPosition - 1;
    for (;;) {
      const page = await this.#store.search(record.tenant, { ...record.filter, order: 'asc', limit: MAX_PAGE, cursor: encodeCursor({ k: after }) });
      for (const event of page.events) {
        if (event.position > toPosition) return events;
        events.push(event);
      }
      if (page.events.length < MAX_PAGE) return events;
      after = (page.events[page.events.length - 1] as StoredEvent).position;
    }
  }

  /** The target's own retry schedule, or else the server's, in milliseconds. */
  #scheduleMs(own: readonly string[] | null): number[] {
    const schedule = own ?? this.#config.retrySchedule;
    return schedule.map((d) => parseDuration(d)).filter((ms): ms is number => ms !== null && ms >= 0);
  }

  #breaker(endpoint: string): CircuitBreaker {
    let breaker = this.#breakers.get(endpoint);
    if (breaker === undefined) {
      breaker = new CircuitBreaker({ failureThreshold: this.#config.breakerFailures, cooldownMs: this.#config.breakerCooldownSeconds * 1000, clock: this.#clock });
      this.#breakers.set(endpoint, breaker);
    }
    return breaker;
  }

  #open(record: SubscriptionRecord): DeliveryTarget | string {
    try {
      return this.#targets.open(record.target);
    } catch (err) {
      return `the stored target cannot be used (${errorWords(err)})`;
    }
  }

  async #attempt(s: SubState, record: SubscriptionRecord, pending: PendingDelivery, known: StoredEvent[] | null): Promise<void> {
    const target = this.#open(record);
    const events = known ?? (await this.#readRange(record, pending.fromPosition, pending.toPosition));
    if (events.length !== pending.events) {
      this.#log.warn({ subscription: s.id, expected: pending.events, found: events.length }, 'delivery: a pending batch re-read a different number of events (pruned or refiltered)');
    }
    // Everything that may throw (the store) happens before the breaker is asked: a half-open breaker's trial must
    // always be reported, or the endpoint would stay shut.
    const opened = typeof target === 'string' || events.length === 0 ? [] : await this.#openEvents(events);
    if (typeof target !== 'string') s.endpoint = target.endpoint;
    if (typeof target !== 'string' && events.length > 0) {
      const breaker = this.#breaker(target.endpoint);
      if (!breaker.tryAcquire()) {
        // Not an attempt: the endpoint is resting. Look again when it lets a trial through.
        s.dueAt = Math.max(breaker.reopensAt ?? this.#clock() + 1_000, this.#clock() + 50);
        this.#observer.attempt?.(s.id, 'skipped');
        this.#observer.breaker?.(s.id, breaker.state);
        return;
      }
    }
    const attempt = pending.attempts + 1;
    const started = performance.now();
    let result: DeliveryResult;
    if (typeof target === 'string') {
      result = { ok: false, kind: 'retry', error: target, statusCode: null, retryAfterMs: null };
    } else if (events.length === 0) {
      // Nothing left of the range (retention pruned it): nothing to send, the cursor moves past it.
      result = { ok: true, statusCode: null };
    } else {
      result = await this.#send(target, {
        subscription: { id: record.id, tenant: record.tenant, name: record.name },
        messageId: pending.messageId,
        fromPosition: pending.fromPosition,
        toPosition: pending.toPosition,
        events: opened,
        attempt,
      });
      const breaker = this.#breaker(target.endpoint);
      if (result.ok || result.kind === 'gone') breaker.success();
      else breaker.failure();
      this.#observer.breaker?.(s.id, breaker.state);
    }
    const durationMs = Math.round(performance.now() - started);
    const now = this.#clock();

    let outcome: DeliveryOutcome;
    let changes: SubscriptionChanges;
    let leaves = false;
    let deadLetter = false;
    if (result.ok) {
      outcome = 'delivered';
      changes = { cursor: pending.toPosition, pending: null };
      s.lastDeliveredAt = iso(now);
      s.dueAt = now;
    } else if (result.kind === 'gone') {
      outcome = 'gone';
      changes = {
        status: 'disabled',
        statusReason: `the receiver answered${result.statusCode === null ? '' : ` ${result.statusCode}`} Gone: it takes no more deliveries (${result.error})`,
        pending: { ...pending, attempts: attempt, lastError: result.error },
      };
      leaves = true;
    } else {
      const schedule = this.#scheduleMs(typeof target === 'string' ? null : target.retrySchedule);
      // A batch resumed after it paused on exhaustion gets the whole schedule again: attempts count in rounds of
      // schedule length + 1, and each round ends in the exhaustion rule.
      const inRound = ((attempt - 1) % (schedule.length + 1)) + 1;
      const wait = nextRetryDelayMs({ scheduleMs: schedule, attemptsMade: inRound, retryAfterMs: result.retryAfterMs, random: this.#random });
      if (wait !== null) {
        outcome = 'failed';
        changes = { pending: { ...pending, attempts: attempt, nextAttemptAt: iso(now + wait), lastError: result.error } };
        s.dueAt = now + wait;
      } else if (this.#config.onExhausted === 'dead-letter') {
        outcome = 'dead-lettered';
        deadLetter = true;
        changes = { cursor: pending.toPosition, pending: null };
        s.dueAt = now;
      } else {
        outcome = 'failed';
        changes = {
          status: 'paused',
          statusReason: `paused after ${attempt} failed attempts (retries exhausted): ${result.error}`,
          pending: { ...pending, attempts: attempt, lastError: result.error },
        };
        leaves = true;
      }
    }

    // What the delivery record and a dead letter share: whose batch, which positions.
    const batch = () => ({
      id: uuidv7(now, randomBytes(10)),
      tenant: record.tenant,
      subscriptionId: record.id,
      messageId: pending.messageId,
      fromPosition: pending.fromPosition,
      toPosition: pending.toPosition,
      events: events.length,
    });
    await this.#subs.recordDelivery({
      ...batch(),
      attempt,
      outcome,
      statusCode: result.statusCode,
      error: result.ok ? null : result.error,
      durationMs,
      at: iso(now),
    });
    this.#observer.attempt?.(s.id, outcome);
    if (deadLetter && !result.ok) {
      // Parked before the cursor moves: a crash in between resends the batch and may park it twice, never lose it.
      await this.#subs.addDeadLetter({
        ...batch(),
        attempts: attempt,
        lastError: result.error,
        createdAt: iso(now),
      });
      this.#observer.deadLettered?.(s.id);
    }
    const applied = await this.#apply(s, record, pending.messageId, changes, now);
    if (applied === null) return;
    if (leaves) {
      this.#log.warn({ subscription: s.id, tenant: s.tenant, status: applied.status, attempts: attempt }, 'delivery: subscription stopped');
      await this.#forget(s);
    }
  }

  /**
   * Applies an attempt's consequences by compare-and-set. When the revision moved, the subscription is read
   * again: if its pending batch is still this one (someone renamed it, paused it...), the change is applied on
   * top; if not (replayed, retargeted, deleted), the result no longer applies and the next pass decides afresh.
   */
  async #apply(s: SubState, read: SubscriptionRecord, messageId: string, changes: SubscriptionChanges, now: number): Promise<SubscriptionRecord | null> {
    let record: SubscriptionRecord | null = read;
    for (let round = 0; round < CAS_ROUNDS; round += 1) {
      const updated = await this.#subs.updateSubscription(record.tenant, record.id, record.revision, changes, iso(now));
      if (updated !== 'conflict') {
        if (updated === null) {
          await this.#forget(s);
          return null;
        }
        s.record = updated;
        if (updated.status !== 'active') await this.#forget(s);
        return updated;
      }
      record = await this.#subs.getSubscription(s.tenant, s.id);
      if (record === null) {
        await this.#forget(s);
        return null;
      }
      if (record.pending?.messageId !== messageId) {
        s.record = record;
        s.dueAt = this.#clock();
        return null;
      }
    }
    s.dueAt = this.#clock() + 1_000;
    return null;
  }

  /** One call to the target, bounded by the request timeout even if the target ignores its signal. */
  async #send(target: DeliveryTarget, batch: Parameters<DeliveryTarget['deliver']>[0]): Promise<DeliveryResult> {
    const timeoutMs = this.#config.requestTimeoutSeconds * 1000;
    let guard: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        target.deliver(batch, AbortSignal.timeout(timeoutMs)),
        new Promise<DeliveryResult>((resolve) => {
          guard = setTimeout(
            () => resolve({ ok: false, kind: 'retry', error: `no answer within ${this.#config.requestTimeoutSeconds}s`, statusCode: null, retryAfterMs: null }),
            timeoutMs + 1_000,
          );
        }),
      ]);
    } catch (err) {
      // Targets report failures rather than throw; one that throws anyway is a failed attempt, not a crash. Only
      // the error's class is kept: its message could quote a URL or a payload.
      return { ok: false, kind: 'retry', error: `the target failed unexpectedly (${err instanceof Error ? err.name : 'error'})`, statusCode: null, retryAfterMs: null };
    } finally {
      clearTimeout(guard);
    }
  }

  async #reportLag(s: SubState, head: number): Promise<void> {
    if (this.#observer.lag === undefined) return;
    const { positions, seconds } = await this.#lag(s.record, head);
    this.#observer.lag(s.id, positions, seconds);
  }

  async #lag(record: SubscriptionRecord, head: number): Promise<{ positions: number; seconds: number }> {
    const positions = Math.max(0, head - record.cursor);
    if (positions === 0) return { positions, seconds: 0 };
    const page = await this.#store.search(record.tenant, { ...record.filter, order: 'asc', limit: 1, cursor: encodeCursor({ k: record.cursor }) });
    const first = page.events[0];
    const seconds = first === undefined ? 0 : Math.max(0, (this.#clock() - Date.parse(first.recordedAt)) / 1000);
    return { positions, seconds };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // DeliveryService

  async stats(subscription: SubscriptionRecord): Promise<SubscriptionStats> {
    const head = await this.#store.headPosition(subscription.tenant);
    const { positions, seconds } = await this.#lag(subscription, head);
    const state = this.#states.get(subscription.id);
    const localLastDelivered = state !== undefined ? state.lastDeliveredAt : (this.#lastDelivered.get(subscription.id) ?? null);
    const deadLetters = await this.#subs.listDeadLetters(subscription.tenant, subscription.id, 10_000);
    const counts = await this.#subs.deliveryCounts(subscription.tenant, subscription.id);
    // Any node may have delivered it: the kept attempts tell the last success and failure.
    const recent = await this.#subs.listDeliveries(subscription.tenant, subscription.id, 50);
    const lastDelivered = recent.find((d) => d.outcome === 'delivered');
    const newest = recent[0];
    let endpoint = this.#states.get(subscription.id)?.endpoint ?? null;
    if (endpoint === null) {
      const target = this.#open(subscription);
      endpoint = typeof target === 'string' ? null : target.endpoint;
    }
    return {
      lagPositions: positions,
      lagSeconds: Math.round(seconds * 1000) / 1000,
      attempts: counts?.attempts ?? 0,
      failures: counts?.failures ?? 0,
      deadLetters: deadLetters.length,
      breaker: endpoint === null ? 'closed' : (this.#breakers.get(endpoint)?.state ?? 'closed'),
      lastDeliveredAt: lastDelivered?.at ?? localLastDelivered,
      lastError: newest !== undefined && newest.outcome !== 'delivered' ? newest.error : (subscription.pending?.lastError ?? null),
    };
  }

  async retryDeadLetters(subscription: SubscriptionRecord, ids: readonly string[] | null, limit: number): Promise<DeadLetterRetryResult[]> {
    const wanted = ids === null ? null : new Set(ids);
    const listed = await this.#subs.listDeadLetters(subscription.tenant, subscription.id, wanted === null ? limit : 10_000);
    const letters = wanted === null ? listed : listed.filter((l) => wanted.has(l.id)).slice(0, Math.max(limit, wanted.size));
    const target = this.#open(subscription);
    const results: DeadLetterRetryResult[] = [];
    for (const letter of letters) {
      if (typeof target === 'string') {
        results.push({ id: letter.id, delivered: false, error: target });
        continue;
      }
      const events = await this.#readRange(subscription, letter.fromPosition, letter.toPosition);
      const started = performance.now();
      const result: DeliveryResult =
        events.length === 0
          ? { ok: true, statusCode: null }
          : await this.#send(target, {
              subscription: { id: subscription.id, tenant: subscription.tenant, name: subscription.name },
              messageId: letter.messageId,
              fromPosition: letter.fromPosition,
              toPosition: letter.toPosition,
              events: await this.#openEvents(events),
              attempt: letter.attempts + 1,
            });
      if (events.length > 0) {
        const breaker = this.#breaker(target.endpoint);
        if (result.ok || result.kind === 'gone') breaker.success();
        else breaker.failure();
      }
      const now = this.#clock();
      const outcome: DeliveryOutcome = result.ok ? 'delivered' : result.kind === 'gone' ? 'gone' : 'failed';
      await this.#subs.recordDelivery({
        id: uuidv7(now, randomBytes(10)),
        tenant: subscription.tenant,
        subscriptionId: subscription.id,
        messageId: letter.messageId,
        fromPosition: letter.fromPosition,
        toPosition: letter.toPosition,
        events: events.length,
        attempt: letter.attempts + 1,
        outcome,
        statusCode: result.statusCode,
        error: result.ok ? null : result.error,
        durationMs: Math.round(performance.now() - started),
        at: iso(now),
      });
      this.#observer.attempt?.(subscription.id, outcome);
      if (result.ok) await this.#subs.deleteDeadLetters(subscription.tenant, subscription.id, [letter.id]);
      else if (events.length > 0) await this.#subs.recordDeadLetterAttempt(subscription.tenant, subscription.id, letter.id, result.error);
      results.push({ id: letter.id, delivered: result.ok, error: result.ok ? null : result.error });
    }
    return results;
  }
}

/** An error in words for a log line: its class and message, cut short (stores' errors carry no secrets). */
function errorWords(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 300);
  return String(err).slice(0, 300);
}

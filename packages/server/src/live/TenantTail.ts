import { encodeCursor } from '@vellum/core';
import type { StoredEvent } from '@vellum/core';

/** What a tail needs from the app: read events after a position (opened for output), and learn the head. */
export interface TailSource {
  /** Up to `limit` events of `tenant` with position > `after`, in position order, personal data opened. */
  readAfter(tenant: string, after: number, limit: number): Promise<StoredEvent[]>;
  headPosition(tenant: string): Promise<number>;
}

/** Per batch: a filter's key → which of the batch's events match it. */
/** Per filter (its JSON), the indexes of a batch's events that match it: computed once for all consumers sharing it. */
export type BatchMemo = Map<string, Uint32Array>;

/** A consumer as the tail sees it: handed every batch past its start, in order, while attached. */
export interface TailConsumer {
  /**
   * Events with consecutive positions (position > the tail's previous position); never re-entrant. `memo` is
   * shared by every consumer of one batch, so consumers with the same filter match the batch once.
   */
  deliver(events: readonly StoredEvent[], through: number, memo?: BatchMemo): void;
}

const READ_PAGE = 1_000;
/** Most handed-over events kept waiting; past it the tail reads from the store instead. */
const HANDED_MAX = 20_000;

/**
 * One shared reader per tenant per node. On every advance signal it reads the new events from the store
 * once and hands them to every attached consumer, so a thousand subscribers cost one read, not a thousand.
 * Events this node commits come with their signal and are not read back at all (a store read and the opening
 * of personal data per event were most of the fan-out's cost at 5,000 events/s).
 * It keeps the last `ringSize` events so a consumer finishing its catch-up can bridge the few events the
 * tail read meanwhile without another store round trip.
 */
export class TenantTail {
  readonly tenant: string;
  readonly #source: TailSource;
  readonly #consumers = new Set<TailConsumer>();
  readonly #ring: StoredEvent[] = [];
  readonly #ringSize: number;
  readonly #onError: (err: unknown) => void;
  /** Events this node just committed, handed over with their signal: consecutive, not yet delivered. */
  #handed: StoredEvent[] = [];
  /** The position of the last event ever handed over (it may be on its way to consumers, past the tail's position). */
  #handedEnd = 0;
  /** Every event ≤ position has been handed to the attached consumers. */
  #position: number;
  /** The highest head any signal announced. */
  #knownHead: number;
  #reading = false;
  #closed = false;

  constructor(options: { tenant: string; source: TailSource; start: number; ringSize: number; onError: (err: unknown) => void }) {
    this.tenant = options.tenant;
    this.#source = options.source;
    this.#position = options.start;
    this.#knownHead = options.start;
    this.#ringSize = options.ringSize;
    this.#onError = options.onError;
  }

  get position(): number {
    return this.#position;
  }

  get knownHead(): number {
    return Math.max(this.#knownHead, this.#position);
  }

  get consumerCount(): number {
    return this.#consumers.size;
  }

  /**
   * Attaches a consumer that has seen everything up to `through`. Succeeds (true) when the tail can continue
   * from there without a gap: `through` ≥ the tail's position, or the ring still holds every event after
   * `through`, which are handed over first. Otherwise the consumer must read more from the store and retry.
   */
  attach(consumer: TailConsumer, through: number): boolean {
    if (this.#closed) return false;
    if (through >= this.#position) {
      this.#consumers.add(consumer);
      return true;
    }
    const first = this.#ring[0];
    if (first === undefined || first.position > through + 1) return false;
    this.#consumers.add(consumer);
    consumer.deliver(this.#ring.filter((e) => e.position > through), this.#position);
    return true;
  }

  detach(consumer: TailConsumer): void {
    this.#consumers.delete(consumer);
  }

  /**
   * A signal: the tenant's log reaches `head`. `events`, for a commit on this node, gives the events it stored;
   * they are used when they continue exactly where the tail is (or where the events handed before end), and
   * otherwise the store is read. Hands out what is new, one batch at a time.
   */
  advance(head: number, events?: () => readonly StoredEvent[]): void {
    if (head > this.#knownHead) this.#knownHead = head;
    if (events !== undefined && head > this.#position) this.#take(events());
    if (this.#knownHead > this.#position) void this.#drain();
  }

  close(): void {
    this.#closed = true;
    this.#handed = [];
    this.#consumers.clear();
    this.#ring.length = 0;
  }

  #take(events: readonly StoredEvent[]): void {
    const first = events[0];
    if (first === undefined) return;
    // They must continue the events handed over before (or the tail, when it read past those from the store);
    // anything else (a gap: another node's or writer's commit in between) is left to a store read. #next checks
    // again against the tail's position before using them.
    const last = Math.max(this.#position, this.#handedEnd);
    if (first.position !== last + 1 || this.#handed.length + events.length > HANDED_MAX) return;
    for (const e of events) this.#handed.push(e);
    this.#handedEnd = events[events.length - 1]!.position;
  }

  /** The next events after the tail's position: the handed-over ones when they continue it, else a store read. */
  async #next(): Promise<readonly StoredEvent[]> {
    let skip = 0;
    while (skip < this.#handed.length && this.#handed[skip]!.position <= this.#position) skip += 1;
    if (skip > 0) this.#handed.splice(0, skip);
    if (this.#handed[0]?.position === this.#position + 1) return this.#handed.splice(0, READ_PAGE);
    this.#handed = [];
    return this.#source.readAfter(this.tenant, this.#position, READ_PAGE);
  }

  async #drain(): Promise<void> {
    if (this.#reading || this.#closed) return;
    this.#reading = true;
    try {
      while (!this.#closed && this.#knownHead > this.#position) {
        const events = await this.#next();
        if (this.#closed) return;
        if (events.length === 0) {
          // The signal ran ahead of what this node's store connection sees (another node's commit, replica
          // lag): try again on the next signal or poll rather than spinning.
          break;
        }
        const through = events[events.length - 1]!.position;
        this.#remember(events);
        this.#position = through;
        const memo: BatchMemo = new Map();
        for (const consumer of [...this.#consumers]) {
          if (!this.#consumers.has(consumer)) continue;
          try {
            consumer.deliver(events, through, memo);
          } catch (err) {
            this.#onError(err);
          }
        }
      }
    } catch (err) {
      this.#onError(err);
    } finally {
      this.#reading = false;
    }
  }

  #remember(events: readonly StoredEvent[]): void {
    for (const e of events) this.#ring.push(e);
    const excess = this.#ring.length - this.#ringSize;
    if (excess > 0) this.#ring.splice(0, excess);
  }
}

/** Cursor for "positions after p" in ascending search: what readTenantLog and the tails page by. */
export const afterCursor = (position: number): string => encodeCursor({ k: position });

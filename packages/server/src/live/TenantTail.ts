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

/**
 * One shared reader per tenant per node. On every advance signal it reads the new events from the store
 * once and hands them to every attached consumer, so a thousand subscribers cost one read, not a thousand.
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

  /** A signal: the tenant's log reaches `head`. Reads and hands out what is new; one read at a time. */
  advance(head: number): void {
    if (head > this.#knownHead) this.#knownHead = head;
    if (this.#knownHead > this.#position) void this.#drain();
  }

  close(): void {
    this.#closed = true;
    this.#consumers.clear();
    this.#ring.length = 0;
  }

  async #drain(): Promise<void> {
    if (this.#reading || this.#closed) return;
    this.#reading = true;
    try {
      while (!this.#closed && this.#knownHead > this.#position) {
        const events = await this.#source.readAfter(this.tenant, this.#position, READ_PAGE);
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

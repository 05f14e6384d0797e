import { matchesFilter } from '@vellum/core';
import type { EventFilter, StoredEvent } from '@vellum/core';
import type { BatchMemo, TailConsumer, TenantTail } from './TenantTail.ts';

/** Where a consumer's events go: an SSE response or a WebSocket. */
export interface LiveSink {
  /**
   * Writes events in order, as one chunk where the transport allows (one syscall for many events); false when
   * the socket's buffer is full (wait for onDrain before writing more).
   */
  write(events: readonly StoredEvent[]): boolean;
  /** Calls `fn` once the socket can take more. */
  onDrain(fn: () => void): void;
  /** Ends the connection, telling the client where to resume (`from=resumeFrom`). */
  close(reason: LiveCloseReason, resumeFrom: number): void;
}

export type LiveCloseReason = 'lagging' | 'shutting-down' | 'error';

/** Reads events of one tenant after a position, matching a filter, personal data opened (the store's search). */
export type FilteredRead = (after: number, filter: EventFilter, limit: number) => Promise<{ events: StoredEvent[]; more: boolean }>;

export interface LiveConsumerOptions {
  tail: TenantTail;
  filter: EventFilter;
  /** Every event ≤ start is taken as seen: the stream begins after it. */
  start: number;
  sink: LiveSink;
  read: FilteredRead;
  bufferEvents: number;
  maxLagEvents: number;
  /** Catch-up mode entered or left (metrics). */
  onModeChange(catchingUp: boolean): void;
  onSent(count: number): void;
  onLagClosed(): void;
  onError(err: unknown): void;
}

const CATCH_UP_PAGE = 500;
/** Most events handed to the socket in one write. */
const WRITE_CHUNK = 100;

/**
 * One live subscriber. It starts in catch-up mode, reading from the store at its own pace (one page, then
 * wait until the socket took it), and attaches to its tenant's shared tail once it has reached it. While
 * attached, the tail hands it every new batch; it keeps the matching events in a bounded queue that it
 * writes out as fast as the socket accepts. When the queue would overflow, it detaches and goes back to
 * catch-up mode from the last event it queued, so it never holds more than `bufferEvents` events and never
 * slows the tail. Positions are gapless per tenant, so "everything ≤ cursor is handled" is exact: nothing is
 * skipped and nothing is sent twice across the switches.
 */
export class LiveConsumer implements TailConsumer {
  readonly #o: LiveConsumerOptions;
  /** Consumers with equal filters share one match pass per batch (BatchMemo). */
  readonly #filterKey: string;
  /** Every event ≤ cursor is written, queued, or did not match the filter. */
  #cursor: number;
  /** Every event ≤ sentThrough is written (or did not match): where a client resumes from. */
  #sentThrough: number;
  readonly #queue: StoredEvent[] = [];
  #attached = false;
  #catchingUp = true;
  #wasLive = false;
  #waitingForDrain = false;
  #reading = false;
  #closed = false;

  constructor(options: LiveConsumerOptions) {
    this.#o = options;
    this.#filterKey = JSON.stringify(options.filter);
    this.#cursor = options.start;
    this.#sentThrough = options.start;
    options.onModeChange(true);
  }

  get cursor(): number {
    return this.#cursor;
  }

  get attached(): boolean {
    return this.#attached;
  }

  /** Begins streaming (catch-up first). */
  start(): void {
    void this.#catchUp();
  }

  /** From the tail: consecutive events ending at `through`. */
  deliver(events: readonly StoredEvent[], through: number, memo?: BatchMemo): void {
    if (this.#closed) return;
    // Only the matching events are visited: with many consumers per batch, a pass over the whole batch for each
    // of them would cost more than the writes (1,000 narrow consumers × every commit).
    let matches = memo?.get(this.#filterKey);
    if (matches === undefined) {
      const found: number[] = [];
      for (let i = 0; i < events.length; i += 1) if (matchesFilter(events[i]!, this.#o.filter)) found.push(i);
      matches = Uint32Array.from(found);
      memo?.set(this.#filterKey, matches);
    }
    for (const i of matches) {
      const event = events[i]!;
      if (event.position <= this.#cursor) continue;
      if (this.#queue.length >= this.#o.bufferEvents) {
        // Full: stop taking from the tail; the rest is read from the store once the socket catches up.
        this.#detach();
        this.#pump();
        return;
      }
      this.#queue.push(event);
      this.#cursor = event.position;
    }
    if (through > this.#cursor) this.#cursor = through;
    this.#pump();
  }

  /** Stops for good (client gone, shutdown): releases the tail. Idempotent. */
  stop(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#o.tail.detach(this);
    this.#attached = false;
    this.#queue.length = 0;
    this.#setCatchingUp(false);
  }

  #setCatchingUp(value: boolean): void {
    if (value === this.#catchingUp) return;
    this.#catchingUp = value;
    this.#o.onModeChange(value);
  }

  /** Closes the connection with the position to resume from, then stops. */
  close(reason: LiveCloseReason): void {
    if (this.#closed) return;
    const resumeFrom = this.#sentThrough;
    this.stop();
    this.#o.sink.close(reason, resumeFrom);
  }

  #detach(): void {
    this.#o.tail.detach(this);
    this.#attached = false;
    this.#setCatchingUp(true);
  }

  /** Writes queued events while the socket accepts them; then, in catch-up mode, reads the next page. */
  #pump(): void {
    if (this.#closed || this.#waitingForDrain) return;
    let sent = 0;
    while (this.#queue.length > 0) {
      const chunk = this.#queue.splice(0, WRITE_CHUNK);
      const more = this.#o.sink.write(chunk);
      sent += chunk.length;
      this.#sentThrough = chunk[chunk.length - 1]!.position;
      if (!more) {
        this.#waitingForDrain = true;
        this.#o.sink.onDrain(() => {
          this.#waitingForDrain = false;
          this.#pump();
        });
        break;
      }
    }
    if (sent > 0) this.#o.onSent(sent);
    if (this.#queue.length === 0) {
      this.#sentThrough = this.#cursor;
      if (!this.#waitingForDrain && this.#catchingUp && !this.#reading) void this.#catchUp();
    }
  }

  async #catchUp(): Promise<void> {
    if (this.#reading || this.#closed) return;
    this.#reading = true;
    try {
      const tail = this.#o.tail;
      while (!this.#closed) {
        if (this.#wasLive && tail.knownHead - this.#cursor > this.#o.maxLagEvents) {
          this.#o.onLagClosed();
          this.close('lagging');
          return;
        }
        const tailBefore = tail.position;
        const page = await this.#o.read(this.#cursor, this.#o.filter, CATCH_UP_PAGE);
        if (this.#closed) return;
        for (const event of page.events) {
          if (event.position > this.#cursor) {
            this.#queue.push(event);
            this.#cursor = event.position;
          }
        }
        if (!page.more) {
          // The search saw every event committed before it began, so everything ≤ tailBefore is handled too.
          if (tailBefore > this.#cursor) this.#cursor = tailBefore;
          // Attached before the tail bridges from its ring: an overflow while bridging detaches it again.
          this.#attached = true;
          this.#setCatchingUp(false);
          if (tail.attach(this, this.#cursor)) {
            this.#wasLive = true;
            if (this.#attached) return;
          } else {
            this.#attached = false;
            this.#setCatchingUp(true);
          }
        }
        if (this.#queue.length > 0) {
          // Read on only once the socket took this page: the client sets the pace, memory stays bounded.
          return;
        }
      }
    } catch (err) {
      this.#o.onError(err);
      this.close('error');
    } finally {
      this.#reading = false;
      if (!this.#closed) this.#pump();
    }
  }
}

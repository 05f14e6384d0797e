import type { EventFilter, StoredEvent } from '@vellum/core';
import type { LogSignal } from './LogSignal.ts';
import { LiveConsumer, type FilteredRead, type LiveSink } from './LiveConsumer.ts';
import { TenantTail, type TailSource } from './TenantTail.ts';

/** With cross-node signals up, heads are still polled every this many poll intervals. */
const SAFETY_POLL_TICKS = 10;

export interface LiveHubOptions {
  source: TailSource;
  /** A tenant's events after a position matching a filter (opened), for consumers catching up. */
  read: (tenant: string, after: number, filter: EventFilter, limit: number) => Promise<{ events: StoredEvent[]; more: boolean }>;
  signal: LogSignal;
  bufferEvents: number;
  maxLagEvents: number;
  maxConnectionsPerKey: number;
  /** True while advances from other nodes arrive (NATS up); otherwise the hub polls heads itself. */
  crossNodeSignals: () => boolean;
  pollIntervalMs?: number;
  metrics: {
    connections(delta: number, transport: string): void;
    catchingUp(delta: number): void;
    sent(count: number, transport: string): void;
    lagClosed(): void;
  };
  onError(err: unknown): void;
}

export interface OpenStream {
  consumer: LiveConsumer;
  /** Releases everything the stream holds (tail, connection slot, metrics). Idempotent. */
  release(): void;
}

/**
 * This node's live streams: one shared tail per tenant with live consumers, the per-key connection count,
 * and — when other nodes' commits cannot be heard through NATS — a once-a-second poll of the heads of the
 * tenants someone is watching, so streams still progress (later, never wrong).
 */
export class LiveHub {
  readonly #o: LiveHubOptions;
  readonly #tails = new Map<string, { tail: TenantTail; consumers: number }>();
  readonly #perKey = new Map<string, number>();
  readonly #open = new Set<OpenStream>();
  readonly #unsubscribe: () => void;
  readonly #poll: NodeJS.Timeout;
  #polling = false;
  #ticks = 0;
  #closed = false;

  constructor(options: LiveHubOptions) {
    this.#o = options;
    this.#unsubscribe = options.signal.subscribe(({ tenant, head, events }) => this.#tails.get(tenant)?.tail.advance(head, events));
    this.#poll = setInterval(() => void this.#pollHeads(), options.pollIntervalMs ?? 1_000);
    this.#poll.unref();
  }

  /** Takes a connection slot for `keyId`; false when it already holds maxConnectionsPerKey on this node. */
  reserve(keyId: string): boolean {
    const held = this.#perKey.get(keyId) ?? 0;
    if (held >= this.#o.maxConnectionsPerKey || this.#closed) return false;
    this.#perKey.set(keyId, held + 1);
    return true;
  }

  unreserve(keyId: string): void {
    const held = (this.#perKey.get(keyId) ?? 0) - 1;
    if (held <= 0) this.#perKey.delete(keyId);
    else this.#perKey.set(keyId, held);
  }

  /** The position a stream without `from` starts after: the tenant's current head. */
  async head(tenant: string): Promise<number> {
    return this.#o.source.headPosition(tenant);
  }

  /**
   * Opens a stream for a reserved slot. The tail for the tenant is created on first use, starting at the
   * tenant's head; it goes away with the tenant's last consumer.
   */
  async open(options: { tenant: string; keyId: string; filter: EventFilter; start: number; sink: LiveSink; transport: string }): Promise<OpenStream> {
    let entry = this.#tails.get(options.tenant);
    if (entry === undefined) {
      const head = await this.#o.source.headPosition(options.tenant);
      entry = this.#tails.get(options.tenant);
      if (entry === undefined) {
        const tail = new TenantTail({ tenant: options.tenant, source: this.#o.source, start: head, ringSize: Math.max(1_000, this.#o.bufferEvents), onError: this.#o.onError });
        entry = { tail, consumers: 0 };
        this.#tails.set(options.tenant, entry);
      }
    }
    entry.consumers += 1;
    const tailEntry = entry;
    const { metrics } = this.#o;
    metrics.connections(1, options.transport);
    const consumer = new LiveConsumer({
      tail: tailEntry.tail,
      filter: options.filter,
      start: options.start,
      sink: options.sink,
      read: ((after, filter, limit) => this.#o.read(options.tenant, after, filter, limit)) satisfies FilteredRead,
      bufferEvents: this.#o.bufferEvents,
      maxLagEvents: this.#o.maxLagEvents,
      onModeChange: (catchingUp) => metrics.catchingUp(catchingUp ? 1 : -1),
      onSent: (count) => metrics.sent(count, options.transport),
      onLagClosed: () => metrics.lagClosed(),
      onError: this.#o.onError,
    });
    let released = false;
    const stream: OpenStream = {
      consumer,
      release: () => {
        if (released) return;
        released = true;
        consumer.stop();
        this.#open.delete(stream);
        this.unreserve(options.keyId);
        metrics.connections(-1, options.transport);
        tailEntry.consumers -= 1;
        if (tailEntry.consumers === 0 && this.#tails.get(options.tenant) === tailEntry) {
          tailEntry.tail.close();
          this.#tails.delete(options.tenant);
        }
      },
    };
    this.#open.add(stream);
    return stream;
  }

  /** For tests and metrics: tails, open streams, reserved slots. */
  stats(): { tails: number; streams: number; reserved: number; signalListeners: number } {
    let reserved = 0;
    for (const n of this.#perKey.values()) reserved += n;
    return { tails: this.#tails.size, streams: this.#open.size, reserved, signalListeners: this.#o.signal.listenerCount };
  }

  /** Shutdown: every stream is told to resume elsewhere and closed now, so none holds the server's close. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#poll);
    for (const stream of [...this.#open]) {
      stream.consumer.close('shutting-down');
      stream.release();
    }
    this.#unsubscribe();
  }

  async #pollHeads(): Promise<void> {
    this.#ticks += 1;
    // With NATS up, a rare safety poll still runs: a lost message must not hold a quiet tenant's stream back
    // until its next commit.
    const due = !this.#o.crossNodeSignals() || this.#ticks % SAFETY_POLL_TICKS === 0;
    if (this.#polling || this.#closed || !due || this.#tails.size === 0) return;
    this.#polling = true;
    try {
      for (const [tenant, entry] of [...this.#tails]) {
        const head = await this.#o.source.headPosition(tenant);
        entry.tail.advance(head);
      }
    } catch (err) {
      this.#o.onError(err);
    } finally {
      this.#polling = false;
    }
  }
}

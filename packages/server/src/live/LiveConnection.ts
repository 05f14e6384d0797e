import type { OpenStream } from './LiveHub.ts';

/**
 * One live connection's life, the same for SSE and WebSocket: the connection slot taken by the route's
 * preHandler, the stream opened in the hub, the heartbeat, and the one `finish` that releases whatever is held
 * — however the connection ends (client gone, stream closed, opening failed) and whenever (before, during or
 * after the opening).
 */
export class LiveConnection {
  readonly #releaseSlot: () => void;
  #stream: OpenStream | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #done = false;
  /** While the hub opens the stream, the slot belongs to it: a client leaving then is handled once it returns. */
  #opening = false;

  /** `releaseSlot`: gives back the connection slot the preHandler took, if the stream did not take it over. */
  constructor(releaseSlot: () => void) {
    this.#releaseSlot = releaseSlot;
  }

  get done(): boolean {
    return this.#done;
  }

  /** Releases everything; idempotent. Bind it to the transport's close. */
  readonly finish = (): void => {
    if (this.#done) return;
    this.#done = true;
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    if (this.#stream !== null) this.#stream.release();
    else if (!this.#opening) this.#releaseSlot();
  };

  /**
   * Opens the stream: `start()` gives the position it begins after, `open(start)` opens it in the hub (the stream
   * then owns the slot). Null when the client left meanwhile (everything is released); a failure releases
   * everything and is rethrown.
   */
  async open(start: () => Promise<number>, open: (start: number) => Promise<OpenStream>): Promise<{ stream: OpenStream; start: number } | null> {
    let after: number;
    try {
      after = await start();
      if (this.#done) return null;
      this.#opening = true;
      try {
        this.#stream = await open(after);
      } finally {
        this.#opening = false;
      }
    } catch (err) {
      // Left while opening: finish skipped the slot then; otherwise finish gives it back now.
      if (this.#done) this.#releaseSlot();
      else this.finish();
      throw err;
    }
    if (this.#done) {
      this.#stream.release();
      return null;
    }
    return { stream: this.#stream, start: after };
  }

  /** Calls `beat` every `seconds` until the connection finishes. */
  heartbeat(seconds: number, beat: () => void): void {
    if (this.#done) return;
    this.#heartbeat = setInterval(beat, seconds * 1_000);
    this.#heartbeat.unref();
  }
}

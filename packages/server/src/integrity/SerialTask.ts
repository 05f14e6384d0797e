import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';

export interface SerialTaskOptions {
  /** One run: does everything there is to do now, throws to be retried later. */
  run(): Promise<void>;
  /** A run failed; the next is due in `retryInMs` (wakes before then are ignored). */
  onError(error: unknown, retryInMs: number): void;
  /** First retry delay; each further consecutive failure doubles it up to maxBackoffMs (±20% jitter). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * Least time from one run's start to the next's (default 0). Wakes in between share the next run: under a stream
   * of commits the work is done in fewer, larger runs (each of which may cost a store transaction).
   */
  minIntervalMs?: number;
}

/**
 * Background work that many events ask for — after every group commit, on a timer — but that must never run twice
 * at once in one process: wake() starts a run, or, while one is running, asks for one more after it (however many
 * wakes came in between). A failed run is retried with exponential backoff and never throws out of wake(), so a
 * store hiccup is logged and retried instead of crashing the server or hammering a store that is down.
 */
export class SerialTask {
  readonly #run: () => Promise<void>;
  readonly #onError: (error: unknown, retryInMs: number) => void;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #minIntervalMs: number;

  #lastStartedAt = Number.NEGATIVE_INFINITY;
  #running: Promise<unknown> | null = null;
  #again = false;
  #closed = false;
  #failures = 0;
  #retryTimer: NodeJS.Timeout | null = null;

  constructor(options: SerialTaskOptions) {
    this.#run = options.run;
    this.#onError = options.onError;
    this.#initialBackoffMs = options.initialBackoffMs ?? 500;
    this.#maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.#minIntervalMs = options.minIntervalMs ?? 0;
  }

  /** Runs soon; never throws. Ignored while waiting to retry a failure (the retry timer will run it) and after close(). */
  wake(): void {
    if (this.#closed || this.#retryTimer !== null) return;
    if (this.#running !== null) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = null;
    });
  }

  /**
   * Waits for the run in progress, then runs once more and rethrows its failure: for callers that need the work
   * done now (tests, a catch-up before answering). Cancels a pending retry, since this is one.
   */
  async runNow(): Promise<void> {
    while (this.#running !== null) await this.#running;
    if (this.#closed) return;
    this.#clearRetry();
    this.#again = false;
    const attempt = this.#run();
    this.#running = attempt.catch(() => undefined).finally(() => {
      this.#running = null;
      // A wake that came in meanwhile (a commit during a catch-up) still gets its run.
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
    await attempt;
    this.#failures = 0;
  }

  /** Stops: no new run starts, and this resolves once the one in progress (if any) has finished. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#clearRetry();
    while (this.#running !== null) await this.#running;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async #loop(): Promise<void> {
    do {
      // Wakes from the same turn (a burst of commits), or until the interval has passed, share this run.
      await nextTurn();
      // Timers may fire a little early by this clock: wait again until the interval has really passed.
      const wait = (): number => this.#lastStartedAt + this.#minIntervalMs - performance.now();
      while (wait() > 0) await sleep(Math.ceil(wait()), undefined, { ref: false });
      this.#again = false;
      if (this.#closed) return;
      this.#lastStartedAt = performance.now();
      try {
        await this.#run();
        this.#failures = 0;
      } catch (err) {
        this.#failures += 1;
        const delay = this.#backoff();
        this.#onError(err, delay);
        if (!this.#closed) this.#scheduleRetry(delay);
        return;
      }
    } while (this.#again && !this.#closed);
  }

  #backoff(): number {
    const base = Math.min(this.#maxBackoffMs, this.#initialBackoffMs * 2 ** Math.min(this.#failures - 1, 30));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  #scheduleRetry(delay: number): void {
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.wake();
    }, delay);
    // A pending retry must not keep a process alive that is otherwise done.
    this.#retryTimer.unref();
  }

  #clearRetry(): void {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }
}

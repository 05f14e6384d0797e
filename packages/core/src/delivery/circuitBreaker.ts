/**
 * A circuit breaker per endpoint: after `failureThreshold` consecutive failures it opens and refuses attempts for
 * `cooldownMs`, so a dead receiver is not hammered by every subscription that points at it. After the cool-down it
 * is half-open: exactly one trial attempt goes through; its success closes the breaker, its failure opens it for
 * another cool-down. Refused attempts are not failures (they never reached the endpoint). Pure: the clock is
 * injected (Date.now in production).
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open it (at least 1). */
  failureThreshold: number;
  cooldownMs: number;
  clock: () => number;
}

export class CircuitBreaker {
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #clock: () => number;
  #failures = 0;
  #openedAt: number | null = null;
  /** A half-open trial is under way: nobody else may go until it reports. */
  #trialInFlight = false;

  constructor(options: CircuitBreakerOptions) {
    this.#threshold = Math.max(1, Math.floor(options.failureThreshold));
    this.#cooldownMs = Math.max(0, options.cooldownMs);
    this.#clock = options.clock;
  }

  get state(): BreakerState {
    if (this.#openedAt === null) return 'closed';
    return this.#clock() - this.#openedAt >= this.#cooldownMs ? 'half-open' : 'open';
  }

  /** Consecutive failures counted so far (0 after a success). */
  get consecutiveFailures(): number {
    return this.#failures;
  }

  /** When an open breaker lets a trial through (ms); null when closed. */
  get reopensAt(): number | null {
    return this.#openedAt === null ? null : this.#openedAt + this.#cooldownMs;
  }

  /**
   * May an attempt go now? Closed: yes. Open: no. Half-open: yes for the first caller (the trial), no for the
   * others until the trial reports through success() or failure().
   */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#trialInFlight) return false;
    this.#trialInFlight = true;
    return true;
  }

  success(): void {
    this.#failures = 0;
    this.#openedAt = null;
    this.#trialInFlight = false;
  }

  failure(): void {
    this.#failures += 1;
    const wasTrial = this.#trialInFlight;
    this.#trialInFlight = false;
    // A failed trial opens it again at once; closed, it opens at the threshold. Failures reported while open (an
    // attempt that started before it opened) restart the cool-down from now.
    if (wasTrial || this.#openedAt !== null || this.#failures >= this.#threshold) this.#openedAt = this.#clock();
  }
}

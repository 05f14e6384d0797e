/**
 * Test doubles of our own store port (not mocks of a database driver): the reference in-memory store
 * behind a gate, so a test decides when a commit finishes.
 */
import { InMemoryEventStore, prepareEvent, uuidv7 } from '@vellum/core';
import type { AppendBatch, AppendOutcome, EventInput } from '@vellum/core';
import { randomBytes } from 'node:crypto';

/** The in-memory store whose appends wait until the test calls release() (or fail with fail()). */
export class GatedEventStore extends InMemoryEventStore {
  readonly calls: AppendBatch[][] = [];
  #waiting: Array<{ open(): void; fail(err: unknown): void }> = [];
  #open = false;

  /** How many appends are held at the gate now. */
  get held(): number {
    return this.#waiting.length;
  }

  override async append(batches: readonly AppendBatch[]): Promise<AppendOutcome[]> {
    this.calls.push([...batches]);
    if (!this.#open) {
      await new Promise<void>((resolve, reject) => this.#waiting.push({ open: resolve, fail: reject }));
    }
    return super.append(batches);
  }

  /** Lets every held append (and, with `stayOpen`, every later one) through. */
  release(stayOpen = false): void {
    this.#open = stayOpen;
    for (const w of this.#waiting.splice(0)) w.open();
  }

  failHeld(err: unknown): void {
    for (const w of this.#waiting.splice(0)) w.fail(err);
  }
}

/** Resolves once `predicate` holds, polling the event loop (for states reached asynchronously). */
export async function until(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

let n = 0;
/** A one-event batch, prepared through the real prepareEvent. */
export function batchOf(tenant: string, inputs: Array<Partial<EventInput>> = [{}], requestKey?: AppendBatch['requestKey']): AppendBatch {
  const now = Date.now();
  const events = inputs.map((input) =>
    prepareEvent({ type: 'test.event', actor: { type: 'user', id: String(++n) }, ...input } as EventInput, [], {
      tenant,
      id: uuidv7(now, randomBytes(10)),
      recordedAt: new Date(now).toISOString(),
    }),
  );
  return { tenant, events, ...(requestKey === undefined ? {} : { requestKey }) };
}

import type { StoredEvent } from '@vellum/core';
import type { TenantAdvance } from '../ingest/GroupCommitWriter.ts';

/**
 * An advance, and for a commit on this node the events it stored for the tenant, as a reader sees them (personal
 * data open), in position order, ending at `head`. Built on first call, so listeners that need only the head pay nothing.
 */
export interface LogAdvance extends TenantAdvance {
  events?: () => readonly StoredEvent[];
}

export type AdvanceListener = (advance: LogAdvance) => void;

/**
 * "Tenant T's log now reaches position N": the one signal live streams and delivery workers wake up on. Readers
 * take their events from the store, the single source of truth, so a lost or late signal can only delay a reader,
 * never make it skip or repeat an event. A commit on this node also hands over the events it just stored, which a
 * reader that is exactly at the commit's start may use instead of reading them back; commits on other nodes arrive
 * through NATS (head only) when one is configured (logSignalPlugin).
 */
export class LogSignal {
  readonly #listeners = new Set<AdvanceListener>();
  #hearsOtherNodes: () => boolean = () => false;

  /** Calls `listener` on every advance; returns the function that stops it. */
  subscribe(listener: AdvanceListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  emit(advance: LogAdvance): void {
    for (const listener of this.#listeners) {
      try {
        listener(advance);
      } catch {
        // One reader's failure is its own; the others still hear of the advance.
      }
    }
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  /**
   * Whether other nodes' commits are heard right now (NATS configured and connected). When false, a reader
   * that must see them polls the store's heads instead.
   */
  get hearsOtherNodes(): boolean {
    return this.#hearsOtherNodes();
  }

  /** Set once by logSignalPlugin when NATS is configured. */
  setOtherNodesProbe(probe: () => boolean): void {
    this.#hearsOtherNodes = probe;
  }
}

import type { TenantAdvance } from '../ingest/GroupCommitWriter.ts';

export type AdvanceListener = (advance: TenantAdvance) => void;

/**
 * "Tenant T's log now reaches position N": the one signal live streams and delivery workers wake up on. It carries
 * no events — readers fetch those from the store, the single source of truth — so a lost or late signal can only
 * delay a reader, never make it skip or repeat an event. Commits on this node raise it directly; commits on other
 * nodes arrive through NATS when one is configured (logSignalPlugin).
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

  emit(advance: TenantAdvance): void {
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

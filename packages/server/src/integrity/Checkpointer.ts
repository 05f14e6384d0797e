import { frontierRoot, makeFrontier, merkleHashFromHex, merkleHashToHex, signCheckpoint } from '@vellum/core';
import type { AccessStore, IntegrityStore } from '@vellum/core';
import { SerialTask } from './SerialTask.ts';
import type { CheckpointSigningKey } from './checkpointKey.ts';
import type { IntegrityLog } from './IntegrityLog.ts';

export type CheckpointerStore = Pick<IntegrityStore, 'treeState' | 'latestCheckpoint' | 'saveCheckpoint'> & Pick<AccessStore, 'listTenants'>;

export interface CheckpointerOptions {
  store: CheckpointerStore;
  key: Pick<CheckpointSigningKey, 'name' | 'privateKeyPkcs8Der'>;
  /** The log name; a tenant's checkpoints say `<origin>/<tenant>`. */
  origin: string;
  /** Sign once the tree has grown by this many leaves since the last checkpoint... */
  every: number;
  /** ...or this long after the last one, when it has grown at all. */
  intervalMs: number;
  log: IntegrityLog;
  now?: () => number;
  /** How often the time rule is checked. */
  tickMs?: number;
  onSigned?(info: { tenant: string; treeSize: number }): void;
  onError?(error: unknown): void;
}

interface Last {
  size: number;
  /** Milliseconds; -Infinity before the tenant's first checkpoint, which is therefore due at once. */
  at: number;
}

/**
 * Signs each tenant's checkpoint every N new leaves or T seconds, whichever comes first, when the tree has grown.
 * It signs what the tree says when it signs (the persisted state, read fresh), never a size the integrator only
 * meant to reach. Several nodes may sign: the key is shared and Ed25519 is deterministic, so two nodes signing the
 * same size produce the same note and the store keeps one; different sizes are all true checkpoints.
 */
export class Checkpointer {
  readonly #store: CheckpointerStore;
  readonly #key: Pick<CheckpointSigningKey, 'name' | 'privateKeyPkcs8Der'>;
  readonly #origin: string;
  readonly #every: number;
  readonly #intervalMs: number;
  readonly #log: IntegrityLog;
  readonly #now: () => number;
  readonly #tickMs: number;
  readonly #onSigned: CheckpointerOptions['onSigned'];
  readonly #task: SerialTask;
  /** The newest checkpoint known per tenant (this node's or, read back from the store, another's). */
  readonly #last = new Map<string, Last>();
  /** Tenants whose tree grew past their last checkpoint: the size seen, or null when another node grew it. */
  readonly #grown = new Map<string, number | null>();
  #force = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: CheckpointerOptions) {
    this.#store = options.store;
    this.#key = options.key;
    this.#origin = options.origin;
    this.#every = options.every;
    this.#intervalMs = options.intervalMs;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#tickMs = options.tickMs ?? Math.min(1_000, options.intervalMs);
    this.#onSigned = options.onSigned;
    this.#task = new SerialTask({
      run: () => this.#round(),
      onError: (err, retryInMs) => {
        options.onError?.(err);
        this.#log.error({ err, retryInMs }, 'signing a checkpoint failed; retrying');
      },
    });
  }

  /**
   * Starts the timer for the time rule. Every tenant is looked at once: a tree that grew while no node could sign
   * (a crash between integrating and signing) gets its checkpoint without waiting for new events.
   */
  async start(): Promise<void> {
    if (this.#timer !== null || this.#task.closed) return;
    try {
      for (const tenant of await this.#store.listTenants()) if (!this.#grown.has(tenant.id)) this.#grown.set(tenant.id, null);
    } catch (err) {
      // Not fatal: tenants that grow from now on are watched anyway.
      this.#log.warn({ err }, 'could not list tenants to look for unsigned trees');
    }
    this.#timer = setInterval(() => this.#task.wake(), this.#tickMs);
    this.#timer.unref();
    this.#task.wake();
  }

  /** The integrator grew a tenant's tree (to `size`, or null when another node did). Signs at once if N is reached. */
  grown(tenant: string, size: number | null): void {
    const seen = this.#grown.get(tenant);
    this.#grown.set(tenant, size === null ? (seen ?? null) : Math.max(size, seen ?? 0));
    const last = this.#last.get(tenant);
    if (last === undefined || (size !== null && size - last.size >= this.#every)) this.#task.wake();
  }

  /** Signs now for every tenant whose tree grew, whatever the rules say (tests, and before a planned stop). */
  async signNow(): Promise<void> {
    this.#force = true;
    try {
      await this.#task.runNow();
    } finally {
      this.#force = false;
    }
  }

  async close(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#task.close();
  }

  async #round(): Promise<void> {
    for (const [tenant, seen] of [...this.#grown]) {
      if (this.#task.closed) return;
      const last = this.#last.get(tenant) ?? (await this.#loadLast(tenant));
      const due = this.#force || this.#now() - last.at >= this.#intervalMs || (seen !== null && seen - last.size >= this.#every);
      if (!due) continue;
      await this.#signLatest(tenant, last);
    }
  }

  async #loadLast(tenant: string): Promise<Last> {
    const latest = await this.#store.latestCheckpoint(tenant);
    const last = latest === null ? { size: 0, at: -Infinity } : { size: latest.treeSize, at: Date.parse(latest.createdAt) };
    this.#last.set(tenant, last);
    return last;
  }

  async #signLatest(tenant: string, known: Last): Promise<void> {
    const state = await this.#store.treeState(tenant);
    // Another node may have signed since we last looked: its checkpoint counts as ours for the rules.
    const latest = await this.#store.latestCheckpoint(tenant);
    const last = latest !== null && latest.treeSize > known.size ? { size: latest.treeSize, at: Date.parse(latest.createdAt) } : known;
    this.#last.set(tenant, last);
    if (state.size <= last.size) {
      // Nothing new to sign. Keep watching only if the integrator has seen more than the store shows yet.
      if ((this.#grown.get(tenant) ?? 0) <= last.size) this.#grown.delete(tenant);
      return;
    }
    const now = this.#now();
    const root = frontierRoot(makeFrontier(state.size, state.frontier.map(merkleHashFromHex)));
    const note = signCheckpoint({ origin: `${this.#origin}/${tenant}`, treeSize: state.size, rootHash: root }, this.#key);
    await this.#store.saveCheckpoint({ tenant, treeSize: state.size, rootHash: merkleHashToHex(root), note, createdAt: new Date(now).toISOString() });
    this.#last.set(tenant, { size: state.size, at: now });
    if ((this.#grown.get(tenant) ?? 0) <= state.size) this.#grown.delete(tenant);
    this.#onSigned?.({ tenant, treeSize: state.size });
  }
}

import { setImmediate as nextTurn } from 'node:timers/promises';
import { appendToFrontier, makeFrontier, MERKLE_STORED_MIN_LEVEL, merkleHashFromHex, merkleHashToHex } from '@vellum/core';
import type { EventStore, IntegrityStore, MerkleNodeRecord } from '@vellum/core';
import { SerialTask } from './SerialTask.ts';
import type { IntegrityLog } from './IntegrityLog.ts';

export type IntegratorStore = Pick<IntegrityStore, 'tenantsBehind' | 'treeState' | 'leafHashes' | 'advanceTree'> & Pick<EventStore, 'headPosition'>;

/** What the integrator reports, so metrics and the checkpointer stay outside it. */
export interface IntegratorObserver {
  /** One chunk appended to a tenant's tree by this node. */
  onChunk?(info: { tenant: string; leaves: number; size: number; durationSeconds: number }): void;
  /** Events committed but not yet integrated, summed over the tenants behind, as last seen. */
  onLag?(events: number): void;
  /** A tenant's tree grew: to `size` by this node, or by another node (size unknown) that won the race. */
  onGrown?(tenant: string, size: number | null): void;
  onError?(error: unknown): void;
}

export interface MerkleIntegratorOptions {
  store: IntegratorStore;
  log: IntegrityLog;
  observer?: IntegratorObserver;
  /**
   * Leaves read, hashed and stored per transaction. Bounds the memory and the length of one store transaction, so
   * a backlog of millions is integrated step by step while ingestion and other tenants go on.
   */
  chunkSize?: number;
  /** How often to look for events committed by other nodes (this node's own commits wake it). */
  pollIntervalMs?: number;
  /**
   * Least time between two passes (default 100 ms): commits in between are integrated together. A pass costs a store
   * transaction (a durable commit of its own), which after every group commit doubled the writer's commits.
   */
  minPassIntervalMs?: number;
  /** A tenant with a backlog (10 chunks or more behind) gets a progress line at most this often. */
  progressEveryMs?: number;
  now?: () => number;
}

/** A tenant this many chunks behind gets progress lines (start, every progressEveryMs, caught up). */
const BACKLOG_CHUNKS = 10;

interface Backlog {
  startedAt: number;
  startSize: number;
  loggedAt: number;
}

/**
 * Keeps each tenant's RFC 9162 tree up to its log (IntegrityStore: the tree follows the log). A pass asks the
 * store which tenants are behind and gives each one chunk in turn until none is, so one tenant's backlog never
 * holds up another's. A chunk starts from the persisted state, appends the leaves committed since to the frontier
 * (O(log n) each, never a rebuild) and stores the new state with the completed nodes, guarded by the size it
 * started from: when another node got there first, nothing is written and the next round starts from its state.
 */
export class MerkleIntegrator {
  readonly #store: IntegratorStore;
  readonly #log: IntegrityLog;
  readonly #observer: IntegratorObserver;
  readonly #chunkSize: number;
  readonly #pollIntervalMs: number;
  readonly #progressEveryMs: number;
  readonly #now: () => number;
  readonly #task: SerialTask;
  readonly #lag = new Map<string, number>();
  readonly #backlogs = new Map<string, Backlog>();
  #timer: NodeJS.Timeout | null = null;

  constructor(options: MerkleIntegratorOptions) {
    this.#store = options.store;
    this.#log = options.log;
    this.#observer = options.observer ?? {};
    this.#chunkSize = options.chunkSize ?? 5_000;
    this.#pollIntervalMs = options.pollIntervalMs ?? 2_000;
    this.#progressEveryMs = options.progressEveryMs ?? 10_000;
    this.#now = options.now ?? Date.now;
    if (!Number.isSafeInteger(this.#chunkSize) || this.#chunkSize < 1) throw new TypeError(`MerkleIntegrator: chunkSize must be a positive integer, got ${this.#chunkSize}`);
    this.#task = new SerialTask({
      minIntervalMs: options.minPassIntervalMs ?? 100,
      run: () => this.#pass(),
      onError: (err, retryInMs) => {
        this.#observer.onError?.(err);
        this.#log.error({ err, retryInMs }, 'Merkle integration failed; retrying');
      },
    });
  }

  /** Starts the slow timer and a first pass (events committed while no node was integrating). */
  start(): void {
    if (this.#timer !== null || this.#task.closed) return;
    this.#timer = setInterval(() => this.wake(), this.#pollIntervalMs);
    this.#timer.unref();
    this.wake();
  }

  /** Integrates soon (after a commit): at most one pass runs at a time, later wakes join the next one. */
  wake(): void {
    this.#task.wake();
  }

  /** Integrates until no tenant is behind, rethrowing a failure: for tests and tools that need the tree current. */
  async catchUp(): Promise<void> {
    await this.#task.runNow();
  }

  /** Stops the timer and waits for the chunk in progress; the rest is picked up by the next start (or another node). */
  async close(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#task.close();
  }

  async #pass(): Promise<void> {
    for (;;) {
      const behind = await this.#store.tenantsBehind();
      const behindSet = new Set(behind);
      for (const tenant of this.#lag.keys()) if (!behindSet.has(tenant)) this.#settled(tenant);
      this.#reportLag();
      if (behind.length === 0) return;
      let moved = false;
      for (const tenant of behind) {
        if (this.#task.closed) return;
        if (await this.#integrateChunk(tenant)) moved = true;
        // Let requests in between chunks: with the in-memory store every await here resolves at once.
        await nextTurn();
      }
      this.#reportLag();
      // The store says behind but has no leaves to give: nothing to do until something changes.
      if (!moved) return;
    }
  }

  /** One chunk of one tenant; false when there was nothing to integrate. */
  async #integrateChunk(tenant: string): Promise<boolean> {
    const started = process.hrtime.bigint();
    const state = await this.#store.treeState(tenant);
    const leaves = await this.#store.leafHashes(tenant, state.size + 1, this.#chunkSize);
    if (leaves.length === 0) {
      this.#settled(tenant);
      return false;
    }
    let frontier = makeFrontier(state.size, state.frontier.map(merkleHashFromHex));
    const nodes: MerkleNodeRecord[] = [];
    for (const leaf of leaves) {
      const appended = appendToFrontier(frontier, merkleHashFromHex(leaf));
      frontier = appended.frontier;
      // Levels below K are recomputed from leaves when a proof needs them (README: choosing K).
      for (const n of appended.completed) if (n.level >= MERKLE_STORED_MIN_LEVEL) nodes.push({ level: n.level, index: n.index, hash: merkleHashToHex(n.hash) });
    }
    const next = { size: frontier.size, frontier: frontier.hashes.map(merkleHashToHex) };
    const won = await this.#store.advanceTree(tenant, state.size, next, nodes);
    if (!won) {
      // Another node integrated this range first; its state is the truth. Re-read on the next round.
      this.#observer.onGrown?.(tenant, null);
      return true;
    }
    this.#observer.onChunk?.({ tenant, leaves: leaves.length, size: next.size, durationSeconds: Number(process.hrtime.bigint() - started) / 1e9 });
    this.#observer.onGrown?.(tenant, next.size);
    const head = leaves.length < this.#chunkSize ? next.size : await this.#store.headPosition(tenant);
    this.#progress(tenant, state.size, next.size, head);
    return true;
  }

  /** Lag bookkeeping and, for a tenant with a real backlog, a progress line now and then. */
  #progress(tenant: string, fromSize: number, size: number, head: number): void {
    const behind = Math.max(0, head - size);
    if (behind === 0) {
      this.#settled(tenant);
      return;
    }
    this.#lag.set(tenant, behind);
    const now = this.#now();
    let backlog = this.#backlogs.get(tenant);
    // Under steady load a full chunk with a little more behind it is normal: only a real backlog is worth a line.
    if (backlog === undefined && behind < BACKLOG_CHUNKS * this.#chunkSize) return;
    if (backlog === undefined) {
      backlog = { startedAt: now, startSize: fromSize, loggedAt: now };
      this.#backlogs.set(tenant, backlog);
      this.#log.info({ tenant, size: fromSize, head }, 'integrating a backlog into the Merkle tree');
    } else if (now - backlog.loggedAt >= this.#progressEveryMs) {
      backlog.loggedAt = now;
      const perSecond = Math.round(((size - backlog.startSize) * 1000) / Math.max(1, now - backlog.startedAt));
      this.#log.info({ tenant, size, head, behind, perSecond }, 'Merkle tree backlog progress');
    }
  }

  #settled(tenant: string): void {
    this.#lag.delete(tenant);
    const backlog = this.#backlogs.get(tenant);
    if (backlog === undefined) return;
    this.#backlogs.delete(tenant);
    this.#log.info({ tenant, seconds: Math.round((this.#now() - backlog.startedAt) / 1000) }, 'Merkle tree caught up with the log');
  }

  #reportLag(): void {
    let total = 0;
    for (const behind of this.#lag.values()) total += behind;
    this.#observer.onLag?.(total);
  }
}

import { MERKLE_STORED_MIN_LEVEL } from '@vellum/core';
import type { CheckpointRecord, InMemoryEventStore, IntegrityStore, MerkleNodeRecord, MerkleTreeState } from '@vellum/core';

/** What this store reads from the log beside it: the leaves and the heads. */
export type LeafSource = Pick<InMemoryEventStore, 'eventHashes' | 'tenantHeads'>;

interface TenantTree {
  state: MerkleTreeState;
  /** Stored nodes by `level/index`. */
  nodes: Map<string, MerkleNodeRecord>;
  /** Checkpoints by tree size. */
  checkpoints: Map<number, CheckpointRecord>;
}

const nodeKey = (level: number, index: number): string => `${level}/${index}`;

/**
 * The Merkle trees and checkpoints of the `memory:` store, beside the in-memory event log it reads leaves from.
 * advanceTree's compare-and-set needs no lock: it checks and writes without awaiting in between, and JavaScript
 * runs it to the end before any other call. Records are copied in and out, as a database would.
 */
export class InMemoryIntegrityStore implements IntegrityStore {
  readonly #log: LeafSource;
  readonly #trees = new Map<string, TenantTree>();

  constructor(log: LeafSource) {
    this.#log = log;
  }

  leafHashes(tenant: string, fromPosition: number, limit: number): Promise<string[]> {
    return Promise.resolve(this.#log.eventHashes(tenant, fromPosition, limit));
  }

  treeState(tenant: string): Promise<MerkleTreeState> {
    const state = this.#trees.get(tenant)?.state ?? { size: 0, frontier: [] };
    return Promise.resolve(structuredClone(state));
  }

  advanceTree(tenant: string, fromSize: number, next: MerkleTreeState, nodes: readonly MerkleNodeRecord[]): Promise<boolean> {
    const tree = this.#treeOf(tenant);
    if (tree.state.size !== fromSize) return Promise.resolve(false);
    tree.state = structuredClone(next);
    for (const node of nodes) {
      if (node.level >= MERKLE_STORED_MIN_LEVEL) tree.nodes.set(nodeKey(node.level, node.index), { ...node });
    }
    return Promise.resolve(true);
  }

  merkleNodes(tenant: string, ids: ReadonlyArray<{ level: number; index: number }>): Promise<MerkleNodeRecord[]> {
    const nodes = this.#trees.get(tenant)?.nodes;
    const found: MerkleNodeRecord[] = [];
    for (const { level, index } of nodes === undefined ? [] : ids) {
      const node = nodes?.get(nodeKey(level, index));
      if (node !== undefined) found.push({ ...node });
    }
    return Promise.resolve(found);
  }

  tenantsBehind(): Promise<string[]> {
    const behind = this.#log.tenantHeads().filter(([tenant, head]) => head > (this.#trees.get(tenant)?.state.size ?? 0));
    return Promise.resolve(behind.map(([tenant]) => tenant));
  }

  saveCheckpoint(checkpoint: CheckpointRecord): Promise<void> {
    const { checkpoints } = this.#treeOf(checkpoint.tenant);
    if (!checkpoints.has(checkpoint.treeSize)) checkpoints.set(checkpoint.treeSize, { ...checkpoint });
    return Promise.resolve();
  }

  latestCheckpoint(tenant: string): Promise<CheckpointRecord | null> {
    let latest: CheckpointRecord | undefined;
    for (const checkpoint of this.#trees.get(tenant)?.checkpoints.values() ?? []) {
      if (latest === undefined || checkpoint.treeSize > latest.treeSize) latest = checkpoint;
    }
    return Promise.resolve(latest === undefined ? null : { ...latest });
  }

  checkpointAt(tenant: string, treeSize: number): Promise<CheckpointRecord | null> {
    const checkpoint = this.#trees.get(tenant)?.checkpoints.get(treeSize);
    return Promise.resolve(checkpoint === undefined ? null : { ...checkpoint });
  }

  #treeOf(tenant: string): TenantTree {
    let tree = this.#trees.get(tenant);
    if (tree === undefined) {
      tree = { state: { size: 0, frontier: [] }, nodes: new Map(), checkpoints: new Map() };
      this.#trees.set(tenant, tree);
    }
    return tree;
  }
}

import { isMerkleHash, MERKLE_EMPTY_ROOT, merkleNodeHash } from './hash.ts';
import { foldFromRight, type MerkleNode } from './nodes.ts';
import { buildConsistencyProof, buildInclusionProof, rootPlan, type SubtreeHashSource } from './proofPlan.ts';
import { isTreeSize } from './treeMath.ts';

/**
 * A whole tree in memory: the leaf hashes plus every completed perfect subtree, computed once as leaves arrive
 * (about n extra hashes in all). For tests and for the offline verifier, which rebuilds a log from an export; a
 * server store keeps the same nodes on disk instead (README.md). Proofs and roots for any earlier size come from
 * the same nodes, because a completed subtree never changes.
 */
export class MemoryMerkleTree implements SubtreeHashSource {
  // levels[l][i] is the hash of the perfect subtree of 2^l leaves starting at leaf i · 2^l.
  readonly #levels: Buffer[][] = [[]];

  constructor(leafHashes: Iterable<Uint8Array> = []) {
    for (const leafHash of leafHashes) this.append(leafHash);
  }

  get size(): number {
    return (this.#levels[0] as Buffer[]).length;
  }

  /** Appends a leaf hash; returns the nodes it completed, leaf first (the same as appendToFrontier's). */
  append(leafHash: Uint8Array): MerkleNode[] {
    if (!isMerkleHash(leafHash)) throw new TypeError('a leaf hash is 32 bytes');
    let index = this.size;
    let hash: Buffer = Buffer.from(leafHash);
    (this.#levels[0] as Buffer[]).push(hash);
    const completed: MerkleNode[] = [{ level: 0, index, hash: Buffer.from(hash) }];
    for (let level = 0; index % 2 === 1; level++) {
      const row = this.#levels[level] as Buffer[];
      hash = merkleNodeHash(row[index - 1] as Buffer, hash);
      index = (index - 1) / 2;
      let parent = this.#levels[level + 1];
      if (parent === undefined) this.#levels.push((parent = []));
      parent.push(hash);
      completed.push({ level: level + 1, index, hash: Buffer.from(hash) });
    }
    return completed;
  }

  /** Hash of a completed perfect subtree (a copy); throws a RangeError for a node that does not (yet) exist. */
  subtreeHash(level: number, index: number): Buffer {
    const hash = this.#levels[level]?.[index];
    if (hash === undefined) throw new RangeError(`no complete subtree at level ${level}, index ${index} in a tree of ${this.size}`);
    return Buffer.from(hash);
  }

  leafHash(index: number): Buffer {
    return this.subtreeHash(0, index);
  }

  /** MTH of the first treeSize leaves (RFC 9162 §2.1.1); the current tree by default. */
  root(treeSize: number = this.size): Buffer {
    this.#checkSize(treeSize);
    if (treeSize === 0) return Buffer.from(MERKLE_EMPTY_ROOT);
    return foldFromRight(rootPlan(treeSize).map((id) => this.#node(id.level, id.index)));
  }

  inclusionProof(leafIndex: number, treeSize: number = this.size): Buffer[] {
    this.#checkSize(treeSize);
    return buildInclusionProof(this, leafIndex, treeSize);
  }

  consistencyProof(size1: number, size2: number = this.size): Buffer[] {
    this.#checkSize(size2);
    return buildConsistencyProof(this, size1, size2);
  }

  #node(level: number, index: number): Buffer {
    return this.#levels[level]?.[index] as Buffer;
  }

  #checkSize(treeSize: number): void {
    if (!isTreeSize(treeSize) || treeSize > this.size) throw new RangeError(`tree size ${String(treeSize)} is beyond this tree's ${this.size}`);
  }
}

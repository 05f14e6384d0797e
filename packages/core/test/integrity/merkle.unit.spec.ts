import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashEvent } from '../../src/integrity/sealEvent.ts';
import {
  appendToFrontier,
  assembleProof,
  consistencyProofLength,
  consistencyProofPlan,
  deserializeFrontier,
  emptyFrontier,
  frontierNodeIds,
  frontierRoot,
  inclusionProofLength,
  inclusionProofPlan,
  makeFrontier,
  MemoryMerkleTree,
  MERKLE_EMPTY_ROOT,
  merkleHashFromHex,
  merkleHashToHex,
  merkleLeafHash,
  type MerkleFrontier,
  type MerkleNodeId,
  parseFrontier,
  parseMerkleHashHex,
  parseMerkleHashListHex,
  perfectSubtreeHash,
  planNodeIds,
  rootFromInclusionProof,
  rootPlan,
  serializeFrontier,
  verifyConsistency,
  verifyInclusion,
} from '../../src/integrity/merkle/index.ts';
import { bitLength, popcount, splitPoint, trailingZeros, xor } from '../../src/integrity/merkle/treeMath.ts';
import { seededRandom } from '../../src/testing/queryFixture.ts';

const leafOf = (i: number): Buffer => merkleLeafHash(Buffer.from(`event ${i}`));
const treeOf = (n: number): MemoryMerkleTree => new MemoryMerkleTree(Array.from({ length: n }, (_, i) => leafOf(i)));

describe('tree arithmetic beyond 32 bits', () => {
  it('bitLength, popcount, trailingZeros, xor and splitPoint agree with BigInt up to 2^53 − 1', () => {
    const random = seededRandom(53);
    const values = [1, 2, 3, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 52, 2 ** 53 - 1];
    for (let i = 0; i < 2000; i++) values.push(1 + Math.floor(random() * (2 ** 53 - 2)));
    for (const x of values) {
      const big = BigInt(x);
      expect(bitLength(x)).toBe(big.toString(2).length);
      expect(popcount(x)).toBe([...big.toString(2)].filter((c) => c === '1').length);
      expect(trailingZeros(x)).toBe(big.toString(2).length - 1 - big.toString(2).lastIndexOf('1'));
      const y = values[Math.floor(random() * values.length)] as number;
      expect(BigInt(xor(x, y))).toBe(big ^ BigInt(y));
      if (x >= 2) {
        const k = splitPoint(x);
        expect(k < x && k * 2 >= x && popcount(k) === 1).toBe(true);
      }
    }
    expect(bitLength(0)).toBe(0);
  });
});

describe('hashing and hex', () => {
  it('an event hash is already the leaf hash: SHA-256(0x00 ‖ JCS(event))', () => {
    const event = { id: 'e1', tenant: 'acme', type: 'x', position: 1 } as unknown as Parameters<typeof hashEvent>[0];
    const json = Buffer.from(JSON.stringify({ id: 'e1', position: 1, tenant: 'acme', type: 'x' }));
    expect(hashEvent(event)).toBe(merkleHashToHex(merkleLeafHash(json)));
  });

  it('hex is lowercase on the way out and only canonical lowercase 64-digit hex is accepted', () => {
    const h = createHash('sha256').update('x').digest();
    const text = merkleHashToHex(h);
    expect(text).toMatch(/^[0-9a-f]{64}$/);
    expect(merkleHashToHex(merkleHashFromHex(text))).toBe(text);
    for (const bad of [text.toUpperCase(), text.slice(1), `${text}0`, ` ${text}`, `0x${text.slice(2)}`, '', 42, null, undefined, [text], { text }]) {
      expect(parseMerkleHashHex(bad)).toBeUndefined();
    }
    expect(() => merkleHashFromHex('zz')).toThrow(TypeError);
    expect(parseMerkleHashListHex([text, text])).toHaveLength(2);
    expect(parseMerkleHashListHex([])).toEqual([]);
    expect(parseMerkleHashListHex([text, 'nope'])).toBeUndefined();
    expect(parseMerkleHashListHex('nope')).toBeUndefined();
    expect(parseMerkleHashListHex(Array.from({ length: 129 }, () => text))).toBeUndefined();
  });
});

describe('frontier (the persisted append state)', () => {
  it('holds one hash per set bit of the size, and an append costs one hash per trailing one bit', () => {
    let frontier: MerkleFrontier = emptyFrontier();
    for (let n = 0; n < 300; n++) {
      const { frontier: next, completed } = appendToFrontier(frontier, leafOf(n));
      expect(completed.length - 1).toBe(trailingZeros(n + 1)); // trailing ones of n = trailing zeros of n + 1
      expect(frontier.size).toBe(n); // the old frontier is untouched
      frontier = next;
      expect(frontier.hashes).toHaveLength(popcount(n + 1));
    }
  });

  it('round-trips through its JSON form and refuses malformed state', () => {
    let frontier: MerkleFrontier = emptyFrontier();
    for (let n = 0; n < 11; n++) frontier = appendToFrontier(frontier, leafOf(n)).frontier;
    const json = JSON.parse(JSON.stringify(serializeFrontier(frontier))) as unknown;
    expect(json).toEqual({ size: 11, hashes: frontier.hashes.map(merkleHashToHex) });
    const back = deserializeFrontier(json);
    expect(merkleHashToHex(frontierRoot(back))).toBe(merkleHashToHex(frontierRoot(frontier)));
    expect(merkleHashToHex(frontierRoot(appendToFrontier(back, leafOf(11)).frontier))).toBe(merkleHashToHex(treeOf(12).root()));
    const hashes = frontier.hashes.map(merkleHashToHex);
    for (const bad of [
      null,
      'x',
      { size: 11 },
      { size: 11, hashes: hashes.slice(1) },
      { size: 12, hashes },
      { size: -1, hashes: [] },
      { size: 1.5, hashes: [] },
      { size: 2 ** 53, hashes: [] },
      { size: 11, hashes: [...hashes.slice(1), 'ABC'] },
      { size: 11, hashes: hashes.map((h) => h.toUpperCase()) },
    ]) {
      expect(parseFrontier(bad)).toBeUndefined();
    }
    expect(() => deserializeFrontier({ size: 3, hashes: [] })).toThrow(TypeError);
    expect(parseFrontier({ size: 0, hashes: [] })?.size).toBe(0);
  });

  it('can be rebuilt from persisted nodes (frontierNodeIds) and refuses bad leaf hashes', () => {
    const tree = treeOf(13);
    const ids = frontierNodeIds(13);
    expect(ids).toEqual([
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    const frontier = makeFrontier(13, ids.map((id) => tree.subtreeHash(id.level, id.index)));
    expect(merkleHashToHex(frontierRoot(frontier))).toBe(merkleHashToHex(tree.root()));
    expect(() => makeFrontier(13, [])).toThrow(RangeError);
    expect(() => appendToFrontier(frontier, Buffer.alloc(31))).toThrow(TypeError);
    expect(() => appendToFrontier({ size: 2 ** 53 - 1, hashes: [] }, leafOf(0))).toThrow(RangeError);
  });
});

describe('proof plans', () => {
  it('need O(log n) complete nodes at a million leaves and beyond, never a leaf range', () => {
    const complete = (id: MerkleNodeId, size: number): boolean => (id.index + 1) * 2 ** id.level <= size;
    for (const [index, size] of [
      [0, 1_000_000],
      [999_999, 1_000_000],
      [524_287, 1_000_000],
      [123_456, 1_000_000],
      [2 ** 52 + 12345, 2 ** 53 - 1],
    ] as const) {
      const plan = inclusionProofPlan(index, size);
      expect(plan).toHaveLength(inclusionProofLength(index, size));
      expect(planNodeIds(plan).length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(size)));
      expect(planNodeIds(plan).every((id) => complete(id, size))).toBe(true);
    }
    for (const [size1, size2] of [
      [1, 1_000_000],
      [999_999, 1_000_000],
      [777_777, 1_000_000],
      [2 ** 40 + 3, 2 ** 53 - 1],
    ] as const) {
      const plan = consistencyProofPlan(size1, size2);
      expect(plan).toHaveLength(consistencyProofLength(size1, size2));
      expect(planNodeIds(plan).length).toBeLessThanOrEqual(3 * Math.ceil(Math.log2(size2)));
      expect(planNodeIds(plan).every((id) => complete(id, size2))).toBe(true);
    }
    expect(rootPlan(1_000_000)).toHaveLength(popcount(1_000_000));
  });

  it('refuse what has no proof', () => {
    for (const [i, n] of [[0, 0], [5, 5], [-1, 3], [0.5, 3], [0, Number.NaN], [0, 2 ** 53]] as const) expect(() => inclusionProofPlan(i, n)).toThrow(RangeError);
    for (const [m, n] of [[0, 5], [6, 5], [1, 2 ** 53]] as const) expect(() => consistencyProofPlan(m, n)).toThrow(RangeError);
    expect(consistencyProofPlan(5, 5)).toEqual([]);
    expect(() => assembleProof(inclusionProofPlan(3, 8), [])).toThrow(RangeError);
    expect(() => treeOf(4).inclusionProof(0, 5)).toThrow(RangeError);
    expect(() => treeOf(4).subtreeHash(2, 1)).toThrow(RangeError);
  });

  it('a store that keeps only nodes of level ≥ 4 (from appendToFrontier) and the leaves serves the same proofs', () => {
    const MIN_LEVEL = 4;
    const size = 5000;
    const persisted = new Map<string, Buffer>();
    const leaves: Buffer[] = [];
    let frontier: MerkleFrontier = emptyFrontier();
    for (let i = 0; i < size; i++) {
      const appended = appendToFrontier(frontier, leafOf(i));
      frontier = appended.frontier;
      leaves.push(leafOf(i));
      for (const node of appended.completed) if (node.level >= MIN_LEVEL) persisted.set(`${node.level}/${node.index}`, node.hash);
    }
    expect(persisted.size).toBeLessThan(size / 2 ** (MIN_LEVEL - 1));
    let nodeReads = 0;
    let leafReads = 0;
    const read = (id: MerkleNodeId): Buffer => {
      if (id.level >= MIN_LEVEL) {
        nodeReads++;
        return persisted.get(`${id.level}/${id.index}`) as Buffer;
      }
      const first = id.index * 2 ** id.level;
      leafReads += 2 ** id.level;
      return perfectSubtreeHash(leaves.slice(first, first + 2 ** id.level));
    };
    const tree = treeOf(size);
    const random = seededRandom(4);
    const serve = (plan: ReturnType<typeof inclusionProofPlan>, n: number): string[] => {
      nodeReads = 0;
      leafReads = 0;
      const proof = assembleProof(plan, planNodeIds(plan).map(read)).map(merkleHashToHex);
      // At most one node below MIN_LEVEL per level on each of the two paths: under 2^(MIN_LEVEL + 1) leaf reads.
      expect(leafReads).toBeLessThan(2 ** (MIN_LEVEL + 1));
      expect(nodeReads).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)));
      return proof;
    };
    for (let k = 0; k < 300; k++) {
      const n = 1 + Math.floor(random() * size);
      const i = Math.floor(random() * n);
      const m = 1 + Math.floor(random() * n);
      expect(serve(inclusionProofPlan(i, n), n)).toEqual(tree.inclusionProof(i, n).map(merkleHashToHex));
      expect(serve(consistencyProofPlan(m, n), n)).toEqual(tree.consistencyProof(m, n).map(merkleHashToHex));
    }
  });

  it('proofs, roots and node hashes are copies: mutating them does not corrupt the tree', () => {
    const tree = treeOf(6);
    for (const h of [tree.root(), ...tree.inclusionProof(1, 6), ...tree.consistencyProof(3, 6), tree.leafHash(1), tree.subtreeHash(1, 0)]) h.fill(0);
    expect(merkleHashToHex(tree.leafHash(1))).toBe(merkleHashToHex(leafOf(1)));
    expect(verifyInclusion(leafOf(1), 1, 6, tree.inclusionProof(1, 6), tree.root())).toBe(true);
    expect(merkleHashToHex(tree.root())).toBe(merkleHashToHex(treeOf(6).root()));
  });
});

describe('verifiers on hostile input: false, never a throw', () => {
  const tree = treeOf(11);
  const good = { leaf: tree.leafHash(6), index: 6, size: 11, proof: tree.inclusionProof(6, 11), root: tree.root(11) };
  const cons = { m: 6, n: 11, proof: tree.consistencyProof(6, 11), r1: tree.root(6), r2: tree.root(11) };

  it('accepts the genuine proofs these cases mutate', () => {
    expect(verifyInclusion(good.leaf, good.index, good.size, good.proof, good.root)).toBe(true);
    expect(merkleHashToHex(rootFromInclusionProof(good.leaf, good.index, good.size, good.proof) as Buffer)).toBe(merkleHashToHex(good.root));
    expect(verifyConsistency(cons.m, cons.n, cons.proof, cons.r1, cons.r2)).toBe(true);
  });

  const hostileNumbers: unknown[] = [-1, -0.5, 0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53, 2 ** 64, Number.MAX_VALUE, '6', 6n, null, undefined, {}];
  const hostileHashes: unknown[] = [Buffer.alloc(0), Buffer.alloc(31), Buffer.alloc(33), 'ab'.repeat(32), null, undefined, 42, [1, 2], new Uint16Array(16)];

  it('index, size, leaf, root or proof of the wrong kind', () => {
    const any = (x: unknown) => x as never;
    for (const x of hostileNumbers) {
      expect(verifyInclusion(good.leaf, any(x), good.size, good.proof, good.root)).toBe(false);
      expect(verifyInclusion(good.leaf, good.index, any(x), good.proof, good.root)).toBe(false);
      expect(verifyConsistency(any(x), cons.n, cons.proof, cons.r1, cons.r2)).toBe(false);
      expect(verifyConsistency(cons.m, any(x), cons.proof, cons.r1, cons.r2)).toBe(false);
    }
    for (const h of hostileHashes) {
      expect(verifyInclusion(any(h), good.index, good.size, good.proof, good.root)).toBe(false);
      expect(verifyInclusion(good.leaf, good.index, good.size, good.proof, any(h))).toBe(false);
      expect(verifyInclusion(good.leaf, good.index, good.size, [...good.proof.slice(0, -1), any(h)], good.root)).toBe(false);
      expect(verifyConsistency(cons.m, cons.n, cons.proof, any(h), cons.r2)).toBe(false);
      expect(verifyConsistency(cons.m, cons.n, cons.proof, cons.r1, any(h))).toBe(false);
      expect(verifyConsistency(cons.m, cons.n, [any(h), ...cons.proof.slice(1)], cons.r1, cons.r2)).toBe(false);
    }
    const sparse = new Array<Buffer>(good.proof.length); // holes, not undefined values
    for (const p of [null, undefined, 'proof', {}, { length: 3 }, new Set(good.proof), sparse, new Array<Buffer>(cons.proof.length)]) {
      expect(verifyInclusion(good.leaf, good.index, good.size, any(p), good.root)).toBe(false);
      expect(verifyConsistency(cons.m, cons.n, any(p), cons.r1, cons.r2)).toBe(false);
    }
  });

  it('proofs far too long are refused before any hashing', () => {
    const huge = Array.from({ length: 100_000 }, () => good.root);
    const started = performance.now();
    expect(verifyInclusion(good.leaf, good.index, good.size, huge, good.root)).toBe(false);
    expect(verifyConsistency(cons.m, cons.n, huge, cons.r1, cons.r2)).toBe(false);
    expect(verifyInclusion(good.leaf, 2 ** 52, 2 ** 53 - 1, huge.slice(0, 53), good.root)).toBe(false);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('out-of-range indexes and sizes, empty trees', () => {
    expect(verifyInclusion(good.leaf, 11, 11, good.proof, good.root)).toBe(false);
    expect(verifyInclusion(good.leaf, 0, 0, [], MERKLE_EMPTY_ROOT)).toBe(false);
    expect(verifyInclusion(MERKLE_EMPTY_ROOT, 0, 0, [], MERKLE_EMPTY_ROOT)).toBe(false);
    expect(verifyConsistency(0, 0, [], MERKLE_EMPTY_ROOT, MERKLE_EMPTY_ROOT)).toBe(true);
    expect(verifyConsistency(0, 11, [], MERKLE_EMPTY_ROOT, cons.r2)).toBe(false); // RFC 9162 defines no proof from size 0
    expect(verifyConsistency(11, 6, cons.proof, cons.r2, cons.r1)).toBe(false);
    expect(verifyConsistency(11, 11, [], cons.r2, cons.r2)).toBe(true);
    expect(verifyConsistency(11, 11, [], cons.r2, cons.r1)).toBe(false);
    expect(verifyConsistency(11, 11, [cons.r2], cons.r2, cons.r2)).toBe(false);
  });

  it('a 32-byte wrong old root is refused even where the new root does not depend on it (size1 not a power of two)', () => {
    // The published probes only use a 9-byte "WrongRoot", which a length check alone rejects; for 6 → 11 the new
    // root is computed without root1, so only comparing the rebuilt old root (RFC 9162 §2.1.4.2 step 7) catches this.
    const wrong = Buffer.from(cons.r1);
    wrong[31] = (wrong[31] as number) ^ 1;
    expect(verifyConsistency(cons.m, cons.n, cons.proof, wrong, cons.r2)).toBe(false);
    expect(verifyConsistency(cons.m, cons.n, cons.proof, tree.root(5), cons.r2)).toBe(false);
  });

  it('random junk of every type never throws', () => {
    const random = seededRandom(99);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    const numbers = [...hostileNumbers, 0, 1, 5, 6, 10, 11, 12];
    const hashes = [...hostileHashes, good.leaf, good.root, cons.r1, ...good.proof];
    for (let k = 0; k < 5000; k++) {
      const proof = Array.from({ length: Math.floor(random() * 8) }, () => pick(hashes)) as never;
      expect(() => verifyInclusion(pick(hashes) as never, pick(numbers) as never, pick(numbers) as never, proof, pick(hashes) as never)).not.toThrow();
      expect(() => verifyConsistency(pick(numbers) as never, pick(numbers) as never, proof, pick(hashes) as never, pick(hashes) as never)).not.toThrow();
      expect(() => rootFromInclusionProof(pick(hashes) as never, pick(numbers) as never, pick(numbers) as never, proof)).not.toThrow();
    }
  });
});

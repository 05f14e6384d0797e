import { afterEach, describe, expect, it } from 'vitest';
import {
  appendToFrontier,
  emptyFrontier,
  frontierRoot,
  MemoryMerkleTree,
  MERKLE_EMPTY_ROOT,
  merkleHashesEqual,
  merkleHashToHex,
  merkleNodeHash,
  type MerkleFrontier,
  verifyConsistency,
  verifyInclusion,
} from '../../src/integrity/merkle/index.ts';
import { seededRandom } from '../../src/testing/queryFixture.ts';

// Property test over every tree size up to 1,024 and a million seeded mutations.
//
// Reproduce a run with VELLUM_MERKLE_SEED=<seed> (printed below). VELLUM_MERKLE_EXHAUSTIVE=1 checks every inclusion
// and consistency proof for every size ≤ 1,024 (about half a million of each; several times slower); by default that
// is done for sizes ≤ 256 and sizes above get their boundary cases plus a seeded sample. VELLUM_MERKLE_MUTATIONS
// changes the number of mutations (default 1,000,000).

const SEED = Number(process.env['VELLUM_MERKLE_SEED'] ?? 9162);
const MAX_SIZE = 1024;
const EXHAUSTIVE_UP_TO = process.env['VELLUM_MERKLE_EXHAUSTIVE'] === '1' ? MAX_SIZE : 256;
const SAMPLE_PER_SIZE = 24;
const MUTATIONS = Number(process.env['VELLUM_MERKLE_MUTATIONS'] ?? 1_000_000);
// About 30 s in all on two shared cores (the mutations take most of it); generous limits so a loaded machine does
// not turn slowness into a failure.
const SLOW = { timeout: 180_000 };
// The runs are synchronous: they give the event loop a turn every so often (and between tests), so the worker reads
// vitest's messages from its host in time — vitest fails a run, however green, when one waits more than 60 s (a CI
// run on a slow day took 61 s for this file without a turn).
const YIELD_EVERY = 20_000;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const random = seededRandom(SEED);
const int = (below: number): number => Math.floor(random() * below);
const randomBytes = (length: number): Buffer => {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = int(256);
  return bytes;
};

const leaves = Array.from({ length: MAX_SIZE }, () => randomBytes(32));
const tree = new MemoryMerkleTree(leaves);

// ---- An independent reference: RFC 9162 §2.1.1 MTH and the §2.1.3.1 / §2.1.4.1 recursions written out directly,
// recomputing every subtree from the leaves. Slow, so only for small trees and for proof shapes.

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function refRoot(d: readonly Buffer[]): Buffer {
  if (d.length === 0) return MERKLE_EMPTY_ROOT;
  if (d.length === 1) return d[0] as Buffer;
  const k = largestPowerOfTwoBelow(d.length);
  return merkleNodeHash(refRoot(d.slice(0, k)), refRoot(d.slice(k)));
}

function refPath(m: number, d: readonly Buffer[]): Buffer[] {
  if (d.length <= 1) return [];
  const k = largestPowerOfTwoBelow(d.length);
  return m < k ? [...refPath(m, d.slice(0, k)), refRoot(d.slice(k))] : [...refPath(m - k, d.slice(k)), refRoot(d.slice(0, k))];
}

function refSubproof(m: number, d: readonly Buffer[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [refRoot(d)];
  const k = largestPowerOfTwoBelow(d.length);
  return m <= k ? [...refSubproof(m, d.slice(0, k), b), refRoot(d.slice(k))] : [...refSubproof(m - k, d.slice(k), false), refRoot(d.slice(0, k))];
}

// The shape of a proof: which side each hash joins on, bottom-up (and for consistency whether the path starts from
// the old root). The verifiers see nothing else of the sizes and index, so two claims with the same shape and the
// same hashes are indistinguishable to any RFC 9162 verifier — a size is bound to its root only by the signed
// checkpoint. Mutating a size into one of the same shape is therefore not a detectable mutation (see below).
const isSize = (x: number): boolean => Number.isSafeInteger(x) && x >= 0;

function inclusionShape(m: number, n: number): string {
  if (!isSize(m) || !isSize(n) || m >= n) return 'invalid';
  const sides: string[] = [];
  while (n > 1) {
    const k = largestPowerOfTwoBelow(n);
    if (m < k) {
      sides.push('R');
      n = k;
    } else {
      sides.push('L');
      m -= k;
      n -= k;
    }
  }
  return sides.reverse().join('');
}

function consistencyShape(m: number, n: number): string {
  if (!isSize(m) || !isSize(n) || m > n) return 'invalid';
  if (m === n) return 'equal';
  if (m === 0) return 'invalid';
  const sides: string[] = [];
  let fromOldRoot = true;
  while (m !== n) {
    const k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      sides.push('R');
      n = k;
    } else {
      sides.push('L');
      m -= k;
      n -= k;
      fromOldRoot = false;
    }
  }
  return (fromOldRoot ? 'root1:' : 'proof[0]:') + sides.reverse().join('');
}

function sampleBelow(n: number, boundaries: readonly number[]): number[] {
  if (n <= EXHAUSTIVE_UP_TO) return Array.from({ length: n }, (_, i) => i);
  const picked = new Set(boundaries.filter((i) => i >= 0 && i < n));
  while (picked.size < boundaries.length + SAMPLE_PER_SIZE) picked.add(int(n));
  return [...picked];
}

const powersOfTwoAround = (n: number): number[] => {
  const out: number[] = [];
  for (let p = 1; p < n; p *= 2) out.push(p - 1, p, p + 1);
  return out;
};

describe(`Merkle tree properties (seed ${SEED})`, () => {
  afterEach(nextTurn);
  it('frontier root = in-memory root = recomputed MTH for every size 0..1024; frontier appends complete the same nodes', SLOW, () => {
    const started = performance.now();
    let frontier: MerkleFrontier = emptyFrontier();
    const check = (n: number): void => {
      const expected = refRoot(leaves.slice(0, n));
      expect(merkleHashToHex(frontierRoot(frontier))).toBe(merkleHashToHex(expected));
      expect(merkleHashToHex(tree.root(n))).toBe(merkleHashToHex(expected));
    };
    check(0);
    for (let n = 0; n < MAX_SIZE; n++) {
      const appended = appendToFrontier(frontier, leaves[n] as Buffer);
      frontier = appended.frontier;
      // One hash per completed node above the leaf: the number of trailing one bits of n, never more than log2(n).
      expect(appended.completed.length - 1).toBeLessThanOrEqual(Math.max(0, Math.floor(Math.log2(n + 1))));
      for (const node of appended.completed) expect(merkleHashesEqual(node.hash, tree.subtreeHash(node.level, node.index))).toBe(true);
      check(n + 1);
    }
    console.log(`[merkle property] roots for sizes 0..${MAX_SIZE}: ${(performance.now() - started).toFixed(0)} ms`);
  });

  it('generated proofs equal the reference recursion for every proof of every size ≤ 32', () => {
    for (let n = 1; n <= 32; n++) {
      const d = leaves.slice(0, n);
      for (let m = 0; m < n; m++) expect(tree.inclusionProof(m, n).map(merkleHashToHex)).toEqual(refPath(m, d).map(merkleHashToHex));
      for (let m = 1; m <= n; m++) expect(tree.consistencyProof(m, n).map(merkleHashToHex)).toEqual(refSubproof(m, d, true).map(merkleHashToHex));
    }
  });

  it(`every inclusion proof verifies (all leaves for sizes ≤ ${EXHAUSTIVE_UP_TO}, boundaries + ${SAMPLE_PER_SIZE} seeded above)`, SLOW, () => {
    const started = performance.now();
    let count = 0;
    let failures = 0;
    for (let n = 1; n <= MAX_SIZE; n++) {
      const root = tree.root(n);
      for (const i of sampleBelow(n, [0, n - 1, ...powersOfTwoAround(n)])) {
        const proof = tree.inclusionProof(i, n);
        if (proof.length !== inclusionShape(i, n).length || !verifyInclusion(tree.leafHash(i), i, n, proof, root)) failures++;
        count++;
      }
    }
    console.log(`[merkle property] ${count} inclusion proofs verified: ${(performance.now() - started).toFixed(0)} ms`);
    expect(failures).toBe(0);
  });

  it(`every consistency proof verifies (all m ≤ n for sizes ≤ ${EXHAUSTIVE_UP_TO}, boundaries + ${SAMPLE_PER_SIZE} seeded above)`, SLOW, () => {
    const started = performance.now();
    const roots = Array.from({ length: MAX_SIZE + 1 }, (_, n) => tree.root(n));
    let count = 0;
    let failures = 0;
    for (let n = 1; n <= MAX_SIZE; n++) {
      for (const i of sampleBelow(n, [0, n - 1, ...powersOfTwoAround(n)])) {
        const m = i + 1;
        const proof = tree.consistencyProof(m, n);
        if (!verifyConsistency(m, n, proof, roots[m] as Buffer, roots[n] as Buffer)) failures++;
        count++;
      }
    }
    console.log(`[merkle property] ${count} consistency proofs verified: ${(performance.now() - started).toFixed(0)} ms`);
    expect(failures).toBe(0);
  });

  // A mutation changes one of proof, index, sizes, roots or leaf of a valid statement. It must be rejected unless it
  // left every hash as it was and changed a size or index to one with the same proof shape — those (and no-ops) are
  // drawn again rather than counted, and the verifier must accept them. The million counted are all rejections.
  it(`${MUTATIONS.toLocaleString('en')} random mutations of proof, index, sizes, roots and leaf are all rejected`, SLOW, async () => {
    const started = performance.now();
    const roots = Array.from({ length: MAX_SIZE + 1 }, (_, n) => tree.root(n));
    const otherHashes = [MERKLE_EMPTY_ROOT, ...roots.slice(1, 64), tree.leafHash(0)];

    // Valid statements to mutate: a seeded pool, so the million runs spend their time verifying, not generating.
    const inclusionPool = Array.from({ length: 4096 }, () => {
      const n = 1 + int(MAX_SIZE);
      const i = int(n);
      return { i, n, leaf: tree.leafHash(i), proof: tree.inclusionProof(i, n), root: roots[n] as Buffer };
    });
    const consistencyPool = Array.from({ length: 4096 }, () => {
      const n = 1 + int(MAX_SIZE);
      const m = 1 + int(n);
      return { m, n, proof: tree.consistencyProof(m, n), root1: roots[m] as Buffer, root2: roots[n] as Buffer };
    });

    const mutateNumber = (x: number): number => {
      switch (int(12)) {
        case 0: return x + 1;
        case 1: return x - 1;
        case 2: return x * 2;
        case 3: return Math.floor(x / 2);
        case 4: return x ^ (1 << int(11));
        case 5: return x + 1 + int(64);
        case 6: return Math.max(0, x - 1 - int(64));
        case 7: return int(2 * MAX_SIZE + 2);
        case 8: return [-1, Number.NaN, Number.POSITIVE_INFINITY, 0.5, x + 0.5][int(5)] as number;
        case 9: return [2 ** 53 - 1, 2 ** 53, 2 ** 64, Number.MAX_VALUE][int(4)] as number;
        case 10: return x + 2 ** 32;
        default: return x === 0 ? 1 : 0;
      }
    };
    const mutateHash = (h: Buffer): Buffer => {
      switch (int(5)) {
        case 0: {
          const flipped = Buffer.from(h);
          const at = int(32);
          flipped[at] = (flipped[at] as number) ^ (1 << int(8));
          return flipped;
        }
        case 1: return randomBytes(32);
        case 2: return otherHashes[int(otherHashes.length)] as Buffer;
        case 3: return int(2) === 0 ? h.subarray(0, 31) : Buffer.concat([h, Buffer.from([int(256)])]);
        default: return Buffer.alloc(int(2) === 0 ? 0 : 32);
      }
    };
    const mutateProof = (proof: Buffer[], extras: readonly Buffer[]): Buffer[] => {
      const p = proof.slice();
      const at = int(p.length);
      const kind = p.length === 0 ? 3 + int(2) : int(7);
      switch (kind) {
        case 0: p[at] = mutateHash(p[at] as Buffer); break;
        case 1: p.splice(at, 1); break;
        case 2: { const j = int(p.length); [p[at], p[j]] = [p[j] as Buffer, p[at] as Buffer]; break; }
        case 3: p.splice(int(p.length + 1), 0, int(2) === 0 ? randomBytes(32) : (extras[int(extras.length)] as Buffer)); break;
        case 4: p.push(int(2) === 0 ? randomBytes(32) : (extras[int(extras.length)] as Buffer)); break;
        case 5: p.length = int(p.length); break;
        default: p.splice(at, 0, p[at] as Buffer); break;
      }
      return p;
    };
    const sameHashes = (a: readonly Buffer[], b: readonly Buffer[]): boolean => a.length === b.length && a.every((h, i) => merkleHashesEqual(h, b[i] as Buffer));

    let rejected = 0;
    let sameShape = 0;
    const wronglyAccepted: string[] = [];
    let attempts = 0;
    while (rejected < MUTATIONS) {
      attempts++;
      if (attempts % YIELD_EVERY === 0) await nextTurn();
      if (int(2) === 0) {
        const base = inclusionPool[int(inclusionPool.length)] as (typeof inclusionPool)[number];
        let { i, n, leaf, proof, root } = base;
        const what = int(5);
        if (what === 0) proof = mutateProof(proof, [leaf, root]);
        else if (what === 1) i = mutateNumber(i);
        else if (what === 2) n = mutateNumber(n);
        else if (what === 3) root = mutateHash(root);
        else leaf = mutateHash(leaf);
        const unchangedBytes = merkleHashesEqual(leaf, base.leaf) && merkleHashesEqual(root, base.root) && sameHashes(proof, base.proof);
        if (unchangedBytes && inclusionShape(i, n) === inclusionShape(base.i, base.n)) {
          // Not a detectable change (or no change at all): the verifier must, and does, accept it.
          if (i !== base.i || n !== base.n) sameShape++;
          expect(verifyInclusion(leaf, i, n, proof, root)).toBe(true);
          continue;
        }
        if (verifyInclusion(leaf, i, n, proof, root)) wronglyAccepted.push(`inclusion ${base.i}/${base.n} → ${i}/${n} (mutation ${what})`);
        else rejected++;
      } else {
        const base = consistencyPool[int(consistencyPool.length)] as (typeof consistencyPool)[number];
        let { m, n, proof, root1, root2 } = base;
        const what = int(6);
        if (what === 0) proof = mutateProof(proof, [root1, root2]);
        else if (what === 1) m = mutateNumber(m);
        else if (what === 2) n = mutateNumber(n);
        else if (what === 3) root1 = mutateHash(root1);
        else if (what === 4) root2 = mutateHash(root2);
        else [root1, root2] = [root2, root1];
        const unchangedBytes = merkleHashesEqual(root1, base.root1) && merkleHashesEqual(root2, base.root2) && sameHashes(proof, base.proof);
        if (unchangedBytes && consistencyShape(m, n) === consistencyShape(base.m, base.n)) {
          if (m !== base.m || n !== base.n) sameShape++;
          expect(verifyConsistency(m, n, proof, root1, root2)).toBe(true);
          continue;
        }
        if (verifyConsistency(m, n, proof, root1, root2)) wronglyAccepted.push(`consistency ${base.m}→${base.n} as ${m}→${n} (mutation ${what})`);
        else rejected++;
      }
      if (wronglyAccepted.length > 20) break;
    }
    console.log(
      `[merkle property] ${rejected.toLocaleString('en')} mutations rejected (${attempts.toLocaleString('en')} drawn; ` +
        `${sameShape} size changes kept the proof's shape and were accepted, as any RFC 9162 verifier must): ` +
        `${(performance.now() - started).toFixed(0)} ms, seed ${SEED}`,
    );
    expect(wronglyAccepted).toEqual([]);
  });
});

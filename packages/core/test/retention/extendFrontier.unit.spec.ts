import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appendToFrontier, emptyFrontier, frontierRoot, MemoryMerkleTree, type MerkleFrontier } from '../../src/integrity/merkle/index.ts';
import { compactRangeIds, extendFrontier } from '../../src/retention/extendFrontier.ts';

const leaf = (i: number): Buffer => createHash('sha256').update(`leaf ${i}`).digest();

const frontiers: MerkleFrontier[] = [emptyFrontier()];
for (let i = 0; i < 70; i++) frontiers.push(appendToFrontier(frontiers[i] as MerkleFrontier, leaf(i)).frontier);
const frontierOf = (size: number): MerkleFrontier => frontiers[size] as MerkleFrontier;

describe('extendFrontier', () => {
  it('joins the frontier of [0, p) and the subtrees of [p, n) into the frontier of n, for every p ≤ n ≤ 70', () => {
    const tree = new MemoryMerkleTree();
    for (let i = 0; i < 70; i++) tree.append(leaf(i));
    const memo = new Map<string, Buffer>();
    const node = (level: number, index: number): Buffer => {
      const key = `${level}/${index}`;
      let hash = memo.get(key);
      if (hash === undefined) memo.set(key, (hash = tree.subtreeHash(level, index)));
      return hash;
    };
    for (let n = 0; n <= 70; n++) {
      const whole = frontierOf(n);
      for (let p = 0; p <= n; p++) {
        const hashes = compactRangeIds(p, n).map((id) => node(id.level, id.index));
        const joined = extendFrontier(frontierOf(p), n, hashes);
        expect(joined.hashes).toStrictEqual(whole.hashes);
        expect(frontierRoot(joined)).toStrictEqual(frontierRoot(whole));
      }
    }
  });

  it('refuses a wrong number of hashes and a smaller end', () => {
    expect(() => extendFrontier(frontierOf(16), 32, [])).toThrow(RangeError);
    expect(() => extendFrontier(frontierOf(16), 8, [])).toThrow(RangeError);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  appendToFrontier,
  emptyFrontier,
  frontierRoot,
  MemoryMerkleTree,
  MERKLE_EMPTY_ROOT,
  merkleHashToHex,
  merkleLeafHash,
  merkleNodeHash,
  type MerkleFrontier,
  verifyConsistency,
  verifyInclusion,
} from '../../src/integrity/merkle/index.ts';

// Published vectors (vectors/*.json name the repository, path and commit each was read from). Every valid case
// must verify and every invalid one must be rejected, by the same verifier the server and `vellum verify` use.

function vector<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./vectors/${name}`, import.meta.url), 'utf8')) as T;
}

const hex = (value: string): Buffer => Buffer.from(value, 'hex');
const b64 = (value: string): Buffer => Buffer.from(value, 'base64');
const toHex = (hashes: readonly Uint8Array[]): string[] => hashes.map(merkleHashToHex);

interface Source {
  repository: string;
  path: string;
  commit: string;
}

describe('vector files name their source', () => {
  it.each([
    'rfc6962-hasher.json',
    'rfc6962-tree.json',
    'rfc6962-reference-proofs.json',
    'transparency-dev-proof-vectors.json',
    'transparency-dev-inclusion-probes.json',
    'transparency-dev-consistency-probes.json',
  ])('%s', (name) => {
    const { source } = vector<{ source: Source }>(name);
    expect(source.repository).toBe('https://github.com/transparency-dev/merkle');
    expect(source.path).not.toBe('');
    expect(source.commit).toMatch(/^([0-9a-f]{40}|per case)/);
  });
});

describe('RFC 6962 hasher (rfc6962/rfc6962_test.go)', () => {
  const v = vector<{
    emptyRoot: string;
    leaves: { desc: string; inputAscii: string; hash: string }[];
    nodes: { desc: string; leftAscii: string; rightAscii: string; hash: string }[];
  }>('rfc6962-hasher.json');

  it('the empty tree root is SHA-256 of the empty string (RFC 9162 §2.1.1)', () => {
    expect(merkleHashToHex(MERKLE_EMPTY_ROOT)).toBe(v.emptyRoot);
    expect(merkleHashToHex(frontierRoot(emptyFrontier()))).toBe(v.emptyRoot);
    expect(merkleHashToHex(new MemoryMerkleTree().root())).toBe(v.emptyRoot);
  });

  it.each(v.leaves)('leaf: $desc', ({ inputAscii, hash }) => {
    expect(merkleHashToHex(merkleLeafHash(Buffer.from(inputAscii, 'latin1')))).toBe(hash);
  });

  it.each(v.nodes)('node: $desc', ({ leftAscii, rightAscii, hash }) => {
    expect(merkleHashToHex(merkleNodeHash(Buffer.from(leftAscii, 'latin1'), Buffer.from(rightAscii, 'latin1')))).toBe(hash);
  });
});

describe('the RFC 6962 8-leaf test tree (testonly/constants.go)', () => {
  const v = vector<{ leafInputs: string[]; nodeHashes: string[][]; rootHashes: string[]; compactTrees: string[][] }>('rfc6962-tree.json');
  const leafHashes = v.leafInputs.map((input) => merkleLeafHash(hex(input)));

  it('leaf hashes are level 0 of NodeHashes()', () => {
    expect(toHex(leafHashes)).toEqual(v.nodeHashes[0]);
  });

  it('the frontier after each append is CompactTrees()[n] and its root is RootHashes()[n], for n = 0..8', () => {
    let frontier: MerkleFrontier = emptyFrontier();
    const roots = [merkleHashToHex(frontierRoot(frontier))];
    const frontiers = [toHex(frontier.hashes)];
    for (const leafHash of leafHashes) {
      frontier = appendToFrontier(frontier, leafHash).frontier;
      roots.push(merkleHashToHex(frontierRoot(frontier)));
      frontiers.push(toHex(frontier.hashes));
    }
    expect(roots).toEqual(v.rootHashes);
    expect(frontiers).toEqual(v.compactTrees);
  });

  it('the nodes completed by the appends are exactly NodeHashes(), each at its (level, index)', () => {
    let frontier: MerkleFrontier = emptyFrontier();
    const byLevel: string[][] = [];
    for (const leafHash of leafHashes) {
      const appended = appendToFrontier(frontier, leafHash);
      frontier = appended.frontier;
      for (const node of appended.completed) {
        const level = (byLevel[node.level] ??= []);
        expect(node.index).toBe(level.length);
        level.push(merkleHashToHex(node.hash));
      }
    }
    expect(byLevel).toEqual(v.nodeHashes);
  });

  it('the in-memory tree has the same nodes and the same root for every earlier size', () => {
    const tree = new MemoryMerkleTree(leafHashes);
    v.nodeHashes.forEach((level, l) => level.forEach((hash, i) => expect(merkleHashToHex(tree.subtreeHash(l, i))).toBe(hash)));
    v.rootHashes.forEach((root, n) => expect(merkleHashToHex(tree.root(n))).toBe(root));
  });
});

describe('proof generation matches the reference proofs (testonly/reference_test.go)', () => {
  const tree = new MemoryMerkleTree(vector<{ leafInputs: string[] }>('rfc6962-tree.json').leafInputs.map((input) => merkleLeafHash(hex(input))));
  const v = vector<{
    inclusion: { index: number; size: number; proof: string[] }[];
    consistency: { size1: number; size2: number; proof: string[] }[];
  }>('rfc6962-reference-proofs.json');

  it.each(v.inclusion)('inclusion of leaf $index in a tree of $size', ({ index, size, proof }) => {
    const generated = tree.inclusionProof(index, size);
    expect(toHex(generated)).toEqual(proof);
    expect(verifyInclusion(tree.leafHash(index), index, size, generated, tree.root(size))).toBe(true);
  });

  it.each(v.consistency)('consistency from $size1 to $size2', ({ size1, size2, proof }) => {
    const generated = tree.consistencyProof(size1, size2);
    expect(toHex(generated)).toEqual(proof);
    expect(verifyConsistency(size1, size2, generated, tree.root(size1), tree.root(size2))).toBe(true);
  });
});

// ---- proof/verify_test.go: its vectors and the probes it derives from them, ported construction by construction.

interface ProofVectors {
  someHash: string;
  emptyTreeHash: string;
  inclusionProofs: { leaf: number; size: number; proof: string[] }[];
  consistencyProofs: { size1: number; size2: number; proof: string[] }[];
  roots: string[];
  leaves: string[];
}
const pv = vector<ProofVectors>('transparency-dev-proof-vectors.json');
const someHash = hex(pv.someHash);
const emptyTreeHash = hex(pv.emptyTreeHash);
const rootOf = (size: number): Buffer => hex(pv.roots[size - 1] as string);

// Go's uint64 arithmetic wraps: leafIndex − 1 for index 0 is 2^64 − 1, which JSON (and these verifiers) see as a
// number beyond 2^53. Upstream's testdata file holds exactly that; here it is the nearest double, 2^64.
const U64_MINUS_ONE = 2 ** 64;
const sub1 = (x: number): number => (x === 0 ? U64_MINUS_ONE : x - 1);

interface InclusionProbe {
  desc: string;
  leafIndex: number;
  treeSize: number;
  leafHash: Buffer;
  proof: Buffer[];
  root: Buffer;
}

/** corruptInclusionProof of verify_test.go (the generator cmd/proofgen writes the same probes to testdata/). */
function corruptInclusionProof(leafIndex: number, treeSize: number, proof: Buffer[], root: Buffer, leafHash: Buffer): InclusionProbe[] {
  const probe = (desc: string, changes: Partial<InclusionProbe>): InclusionProbe => ({ desc, leafIndex, treeSize, leafHash, proof, root, ...changes });
  const probes = [
    probe('leafIndex - 1', { leafIndex: sub1(leafIndex) }),
    probe('leafIndex + 1', { leafIndex: leafIndex + 1 }),
    probe('leafIndex ^ 2', { leafIndex: leafIndex ^ 2 }),
    probe('treeSize * 2', { treeSize: treeSize * 2 }),
    probe('treeSize / 2', { treeSize: Math.floor(treeSize / 2) }),
    probe('wrong leaf', { leafHash: Buffer.from('WrongLeaf') }),
    probe('empty root', { root: emptyTreeHash }),
    probe('random root', { root: someHash }),
    probe('trailing garbage', { proof: [...proof, Buffer.alloc(0)] }),
    probe('trailing root', { proof: [...proof, root] }),
    probe('preceding garbage', { proof: [Buffer.alloc(0), ...proof] }),
    probe('preceding root', { proof: [root, ...proof] }),
  ];
  proof.forEach((_, i) => {
    const wrong = proof.map((h) => Buffer.from(h));
    const flipped = wrong[i] as Buffer;
    flipped[0] = (flipped[0] as number) ^ 8;
    probes.push(probe(`modified proof[${i}] bit 3`, { proof: wrong }));
  });
  if (proof.length > 0) probes.push(probe('removed component', { proof: proof.slice(0, -1) }));
  if (proof.length > 1) probes.push(probe('inserted component', { proof: [proof[0] as Buffer, someHash, ...proof.slice(1)] }));
  return probes;
}

interface ConsistencyProbe {
  desc: string;
  size1: number;
  size2: number;
  proof: Buffer[];
  root1: Buffer;
  root2: Buffer;
}

/** corruptConsistencyProof of verify_test.go. */
function corruptConsistencyProof(size1: number, size2: number, root1: Buffer, root2: Buffer, proof: Buffer[]): ConsistencyProbe[] {
  const probe = (desc: string, changes: Partial<ConsistencyProbe>): ConsistencyProbe => ({ desc, size1, size2, proof, root1, root2, ...changes });
  const probes = [
    probe('size1 - 1', { size1: sub1(size1) }),
    probe('size1 + 1', { size1: size1 + 1 }),
    probe('size1 ^ 2', { size1: size1 ^ 2 }),
    probe('size2 * 2', { size2: size2 * 2 }),
    probe('size2 / 2', { size2: Math.floor(size2 / 2) }),
    probe('wrong root1', { root1: Buffer.from('WrongRoot') }),
    probe('wrong root2', { root2: Buffer.from('WrongRoot') }),
    probe('swapped roots', { root1: root2, root2: root1 }),
    probe('empty proof', { proof: [] }),
    probe('trailing garbage', { proof: [...proof, Buffer.alloc(0)] }),
    probe('trailing root1', { proof: [...proof, root1] }),
    probe('trailing root2', { proof: [...proof, root2] }),
    probe('preceding garbage', { proof: [Buffer.alloc(0), ...proof] }),
    probe('preceding root1', { proof: [root1, ...proof] }),
    probe('preceding root2', { proof: [root2, ...proof] }),
    probe('preceding proof[0]', { proof: [proof[0] as Buffer, ...proof] }),
  ];
  if (proof.length > 0) probes.push(probe('truncated proof', { proof: proof.slice(0, -1) }));
  proof.forEach((_, i) => {
    const wrong = proof.map((h) => Buffer.from(h));
    const flipped = wrong[i] as Buffer;
    flipped[0] = (flipped[0] as number) ^ 16;
    probes.push(probe(`modified proof[${i}] bit 4`, { proof: wrong }));
  });
  return probes;
}

const acceptsInclusion = (p: InclusionProbe): boolean => verifyInclusion(p.leafHash, p.leafIndex, p.treeSize, p.proof, p.root);
const acceptsConsistency = (p: ConsistencyProbe): boolean => verifyConsistency(p.size1, p.size2, p.proof, p.root1, p.root2);

// The vectors with index 1…5 (index 0, {0, 0}, is upstream's deliberately invalid path).
const inclusionVectors = pv.inclusionProofs.slice(1).map(({ leaf, size, proof }) => ({
  leafIndex: leaf - 1,
  treeSize: size,
  leafHash: merkleLeafHash(hex(pv.leaves[leaf - 1] as string)),
  proof: proof.map(hex),
  root: rootOf(size),
}));
const consistencyVectors = pv.consistencyProofs.map(({ size1, size2, proof }) => ({
  size1,
  size2,
  proof: proof.map(hex),
  root1: rootOf(size1),
  root2: rootOf(size2),
}));

describe('inclusion vectors and their corruptions (proof/verify_test.go)', () => {
  it.each(inclusionVectors)('leaf $leafIndex of $treeSize verifies, and the generator reproduces the proof', (v) => {
    expect(verifyInclusion(v.leafHash, v.leafIndex, v.treeSize, v.proof, v.root)).toBe(true);
    const tree = new MemoryMerkleTree(pv.leaves.map((input) => merkleLeafHash(hex(input))));
    expect(toHex(tree.inclusionProof(v.leafIndex, v.treeSize))).toEqual(toHex(v.proof));
  });

  it.each(inclusionVectors)('every corruption of leaf $leafIndex of $treeSize is rejected', (v) => {
    const probes = corruptInclusionProof(v.leafIndex, v.treeSize, v.proof, v.root, v.leafHash);
    expect(probes.filter(acceptsInclusion).map((p) => p.desc)).toEqual([]);
  });

  it('TestVerifyInclusionSingleEntry: a 1-leaf tree’s root is its leaf hash; empty hashes are refused', () => {
    const hash = merkleLeafHash(Buffer.from('data'));
    const empty = Buffer.alloc(0);
    expect(verifyInclusion(hash, 0, 1, [], hash)).toBe(true);
    expect(verifyInclusion(empty, 0, 1, [], hash)).toBe(false);
    expect(verifyInclusion(hash, 0, 1, [], empty)).toBe(false);
    expect(verifyInclusion(empty, 0, 1, [], empty)).toBe(false);
  });

  it.each([
    [0, 0],
    [0, 1],
    [1, 0],
    [2, 1],
  ])('TestVerifyInclusion: index %i, size %i with an empty proof and a bogus root or leaf is refused', (index, size) => {
    expect(verifyInclusion(someHash, index, size, [], Buffer.alloc(0))).toBe(false);
    expect(verifyInclusion(Buffer.alloc(0), index, size, [], emptyTreeHash)).toBe(false);
    expect(verifyInclusion(someHash, index, size, [], emptyTreeHash)).toBe(false);
  });
});

describe('consistency vectors and their corruptions (proof/verify_test.go)', () => {
  it.each(consistencyVectors)('$size1 → $size2 verifies, and the generator reproduces the proof', (v) => {
    expect(verifyConsistency(v.size1, v.size2, v.proof, v.root1, v.root2)).toBe(true);
    const tree = new MemoryMerkleTree(pv.leaves.map((input) => merkleLeafHash(hex(input))));
    expect(toHex(tree.consistencyProof(v.size1, v.size2))).toEqual(toHex(v.proof));
  });

  // Upstream corrupts only non-trivial proofs (size1 ≠ size2, so the proof is not empty).
  it.each(consistencyVectors.filter((v) => v.proof.length > 0))('every corruption of $size1 → $size2 is rejected', (v) => {
    const probes = corruptConsistencyProof(v.size1, v.size2, v.root1, v.root2, v.proof);
    expect(probes.filter(acceptsConsistency).map((p) => p.desc)).toEqual([]);
  });
});

// ---- testdata/: the same probes as files, each read from the commit it names.

interface InclusionFile {
  path: string;
  commit: string;
  probe: { leafIdx?: number; leafIndex?: number; treeSize: number; root: string; leafHash: string; proof: string[] | null; desc: string; wantErr: boolean };
}
interface ConsistencyFile {
  path: string;
  commit: string;
  probe: { size1: number; size2: number; root1: string; root2: string; proof: string[] | null; desc: string; wantErr: boolean };
}

const inclusionFiles = vector<{ cases: InclusionFile[] }>('transparency-dev-inclusion-probes.json').cases;
const consistencyFiles = vector<{ cases: ConsistencyFile[] }>('transparency-dev-consistency-probes.json').cases;

function fromInclusionFile({ probe }: InclusionFile): InclusionProbe {
  return {
    desc: probe.desc,
    leafIndex: (probe.leafIdx ?? probe.leafIndex) as number,
    treeSize: probe.treeSize,
    leafHash: b64(probe.leafHash),
    proof: (probe.proof ?? []).map(b64),
    root: b64(probe.root),
  };
}
function fromConsistencyFile({ probe }: ConsistencyFile): ConsistencyProbe {
  return { desc: probe.desc, size1: probe.size1, size2: probe.size2, proof: (probe.proof ?? []).map(b64), root1: b64(probe.root1), root2: b64(probe.root2) };
}

// A probe's identity without its description: upstream renamed descriptions between commits, not values.
const inclusionKey = (p: InclusionProbe): string => JSON.stringify([p.leafIndex, p.treeSize, toHex([p.leafHash, p.root, ...p.proof])]);
const consistencyKey = (p: ConsistencyProbe): string => JSON.stringify([p.size1, p.size2, toHex([p.root1, p.root2, ...p.proof])]);

describe('testdata/inclusion (every file of the generator’s output)', () => {
  it('holds every case of every directory (5 vectors, 4 additional, single-entry)', () => {
    expect(inclusionFiles.length).toBeGreaterThanOrEqual(98);
    expect(inclusionFiles.filter((f) => !f.probe.wantErr)).toHaveLength(6);
  });

  it.each(inclusionFiles.map((f) => [f.path, f] as const))('%s', (_path, file) => {
    expect(acceptsInclusion(fromInclusionFile(file))).toBe(!file.probe.wantErr);
  });

  it('each file is one of the probes verify_test.go derives from its vectors (so none was mistyped)', () => {
    const derived = new Set<string>();
    for (const v of inclusionVectors) {
      derived.add(inclusionKey({ desc: 'happy path', ...v }));
      for (const p of corruptInclusionProof(v.leafIndex, v.treeSize, v.proof, v.root, v.leafHash)) derived.add(inclusionKey(p));
    }
    const vectorFiles = inclusionFiles.filter((f) => /^testdata\/inclusion\/\d\//.test(f.path));
    expect(vectorFiles.filter((f) => !derived.has(inclusionKey(fromInclusionFile(f)))).map((f) => f.path)).toEqual([]);
  });
});

describe('testdata/consistency (every file of the generator’s output)', () => {
  it('holds every case of every directory', () => {
    expect(consistencyFiles.length).toBeGreaterThanOrEqual(97);
  });

  it.each(consistencyFiles.map((f) => [f.path, f] as const))('%s', (_path, file) => {
    expect(acceptsConsistency(fromConsistencyFile(file))).toBe(!file.probe.wantErr);
  });

  it('each file is one of the probes verify_test.go derives from its vectors (so none was mistyped)', () => {
    const derived = new Set<string>();
    for (const v of consistencyVectors) {
      derived.add(consistencyKey({ desc: 'happy path', ...v }));
      if (v.proof.length > 0) for (const p of corruptConsistencyProof(v.size1, v.size2, v.root1, v.root2, v.proof)) derived.add(consistencyKey(p));
    }
    const vectorFiles = consistencyFiles.filter((f) => /^testdata\/consistency\/\d\//.test(f.path));
    expect(vectorFiles.filter((f) => !derived.has(consistencyKey(fromConsistencyFile(f)))).map((f) => f.path)).toEqual([]);
  });
});

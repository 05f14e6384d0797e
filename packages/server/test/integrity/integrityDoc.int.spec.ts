/**
 * docs/integrity.md shows a stand-alone verifier and a script using it. Both are run here, as written, against a
 * listening server: the page's code must verify real checkpoints and proofs, and reject a forged one.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.ts';
import { ADMIN_KEY, makeTestApp, type TestApp } from '../support/testApp.ts';
import { ingest, integrityConfig, latestCheckpoint } from './integritySupport.ts';

const run = promisify(execFile);

describe('docs/integrity.md', () => {
  const blocks = [...readFileSync(path.join(REPO_ROOT, 'docs/integrity.md'), 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const dir = mkdtempSync(path.join(tmpdir(), 'vellum-integrity-doc-'));
  let t: TestApp;
  let url: string;

  beforeAll(async () => {
    expect(blocks).toHaveLength(2);
    writeFileSync(path.join(dir, 'vellum-verify.mjs'), blocks[0]!);
    writeFileSync(path.join(dir, 'check.mjs'), blocks[1]!);
    t = await makeTestApp({ config: { logLevel: 'warn', integrity: integrityConfig({ origin: 'vellum.example.com' }) } });
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await t?.app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const check = async (eventId: string): Promise<string> => {
    const env = { ...process.env, VELLUM_URL: url, VELLUM_KEY: ADMIN_KEY, VELLUM_LOG_KEY: t.app.integrity.key.verifierKey };
    return (await run(process.execPath, ['check.mjs', eventId], { cwd: dir, env })).stdout.trim();
  };

  it("verifies the server's checkpoint, proofs and growth with the page's own code", async () => {
    const first = await ingest(t.app, 'default', 21);
    await t.app.integrity.settle();
    expect(await check(first[20]!.id)).toBe('included');
    expect(existsSync(path.join(dir, 'kept-checkpoint.txt'))).toBe(true);
    const more = await ingest(t.app, 'default', 100);
    await t.app.integrity.settle();
    // Now with a kept checkpoint of 21: the consistency proof to 121 is checked too.
    expect(await check(more[50]!.id)).toBe('included');
    expect(await check(first[0]!.id)).toBe('included');
  });

  it("rejects what it should: a tampered note, another key, wrong proofs", async () => {
    const verifier = (await import(path.join(dir, 'vellum-verify.mjs'))) as {
      verifyCheckpoint(note: string, key: string): { origin: string; treeSize: number; root: Buffer } | null;
      verifyInclusion(leaf: string, index: number, size: number, proof: string[], root: Buffer): boolean;
      verifyConsistency(size1: number, size2: number, proof: string[], root1: Buffer, root2: Buffer): boolean;
    };
    const events = await ingest(t.app, 'default', 30);
    await t.app.integrity.settle();
    const cp = await latestCheckpoint(t.app, 'default');
    const key = t.app.integrity.key.verifierKey;
    const body = verifier.verifyCheckpoint(cp.note, key);
    expect(body).toEqual({ origin: 'vellum.example.com/default', treeSize: cp.treeSize, root: cp.root });
    expect(verifier.verifyCheckpoint(cp.note.replace(`\n${cp.treeSize}\n`, `\n${cp.treeSize + 1}\n`), key)).toBeNull();
    const other = (await latestCheckpoint(t.app, 'default')).verifierKey.replace(/\+[0-9a-f]{8}\+/, '+00000000+');
    expect(verifier.verifyCheckpoint(cp.note, other)).toBeNull();

    const e = events[7]!;
    const proof = (await t.app.inject({ method: 'GET', url: `/v1/events/${e.id}/proof?treeSize=${cp.treeSize}`, headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json();
    expect(verifier.verifyInclusion(proof.leafHash, proof.leafIndex, cp.treeSize, proof.hashes, cp.root)).toBe(true);
    expect(verifier.verifyInclusion(proof.leafHash, proof.leafIndex + 1, cp.treeSize, proof.hashes, cp.root)).toBe(false);
    expect(verifier.verifyInclusion(events[8]!.hash, proof.leafIndex, cp.treeSize, proof.hashes, cp.root)).toBe(false);

    for (const from of [1, 2, 3, 16, 21, 64, 100, cp.treeSize]) {
      const old = (await t.app.inject({ method: 'GET', url: `/v1/proofs/consistency?from=${from}`, headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json();
      const { MemoryMerkleTree, merkleHashFromHex } = await import('@vellum/core');
      const all = await t.store.leafHashes('default', 1, cp.treeSize);
      const oldRoot = new MemoryMerkleTree(all.map(merkleHashFromHex)).root(from);
      expect(verifier.verifyConsistency(from, cp.treeSize, old.hashes, oldRoot, cp.root), `from ${from}`).toBe(true);
      expect(verifier.verifyConsistency(from, cp.treeSize, old.hashes, cp.root, oldRoot), `swapped roots from ${from}`).toBe(from === cp.treeSize);
    }
  });
});

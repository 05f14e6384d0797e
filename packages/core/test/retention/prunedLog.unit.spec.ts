import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/event/types.ts';
import { ed25519RawPublicKey, signCheckpoint, type NoteVerifierKey } from '../../src/integrity/checkpoint/signedCheckpoint.ts';
import { MemoryMerkleTree, merkleHashToHex, perfectSubtrees } from '../../src/integrity/merkle/index.ts';
import { hashEvent, sealEvent } from '../../src/integrity/sealEvent.ts';
import { verifyLog } from '../../src/integrity/verify/verifyLog.ts';
import { compactRangeIds } from '../../src/retention/extendFrontier.ts';

const TENANT = 'acme';
const ORIGIN = 'vellum.test/acme';
const { privateKey } = generateKeyPairSync('ed25519');
const signer = { name: ORIGIN, privateKeyPkcs8Der: privateKey.export({ format: 'der', type: 'pkcs8' }) };
const key: NoteVerifierKey = { name: ORIGIN, publicKey: ed25519RawPublicKey(signer.privateKeyPkcs8Der) };

const log: StoredEvent[] = Array.from({ length: 50 }, (_, i) =>
  sealEvent(
    {
      id: `0190f5a0-0000-7000-8000-${String(i + 1).padStart(12, '0')}`,
      tenant: TENANT,
      stream: `s:${i % 3}`,
      type: 'configuration.updated',
      severity: 'info',
      actor: { type: 'user', id: String(i % 7) },
      occurredAt: '2026-11-22T10:00:00.000Z',
      recordedAt: '2026-11-22T10:00:01.000Z',
    },
    i + 1,
    Math.floor(i / 3) + 1,
  ),
);
const tree = new MemoryMerkleTree(log.map((e) => Buffer.from(e.hash, 'hex')));
const checkpointAt = (size: number): string => signCheckpoint({ origin: ORIGIN, treeSize: size, rootHash: tree.root(size) }, signer);
/** What a prune through `p` records: the compact range [0, p). */
const startAt = (p: number) => ({ prunedThrough: p, frontier: perfectSubtrees(0, p).map((id) => merkleHashToHex(tree.subtreeHash(id.level, id.index))) });
/** What an archive up to `p` keeps beside it for a checkpoint of `size`: the compact range [p, size). */
const endAt = (p: number, size: number) => ({ treeSize: size, hashes: compactRangeIds(p, size).map((id) => merkleHashToHex(tree.subtreeHash(id.level, id.index))) });

describe('verifyLog on a pruned log', () => {
  it('accepts the retained events from the recorded frontier against the signed checkpoint', async () => {
    const report = await verifyLog(log.slice(32), { tenant: TENANT, start: startAt(32), checkpoint: checkpointAt(48), key });
    expect(report.problems).toStrictEqual([]);
    expect(report).toMatchObject({ ok: true, events: 18, prunedThrough: 32, rootHash: merkleHashToHex(tree.root(50)) });
  });

  it('catches an edit of a retained event even when its hash was recomputed', async () => {
    const edited = log.slice(32);
    const changed = { ...edited[3]!, type: 'configuration.deleted' };
    edited[3] = { ...changed, hash: hashEvent(changed) };
    const report = await verifyLog(edited, { tenant: TENANT, start: startAt(32), checkpoint: checkpointAt(48), key });
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.problem).join('\n')).toMatch(/differs from what was signed/);
  });

  it('catches a retained event deleted and a pruned position brought back', async () => {
    const missing = [...log.slice(32, 35), ...log.slice(36)];
    const gap = await verifyLog(missing, { tenant: TENANT, start: startAt(32), checkpoint: checkpointAt(48), key });
    expect(gap.problems.map((p) => p.problem).join('\n')).toMatch(/position 36 is missing/);
    const back = await verifyLog([log[20]!, ...log.slice(32)], { tenant: TENANT, start: startAt(32), checkpoint: checkpointAt(48), key });
    expect(back.problems.map((p) => p.problem).join('\n')).toMatch(/position 21 was pruned/);
  });

  it('catches a forged frontier', async () => {
    const forged = startAt(32);
    forged.frontier[0] = '00'.repeat(32);
    const report = await verifyLog(log.slice(32), { tenant: TENANT, start: forged, checkpoint: checkpointAt(48), key });
    expect(report.checkpoint?.rootMatches).toBe(false);
  });

  it('says so when the checkpoint is older than the prune point', async () => {
    const report = await verifyLog(log.slice(32), { tenant: TENANT, start: startAt(32), checkpoint: checkpointAt(20), key });
    expect(report.ok).toBe(false);
    expect(report.problems[0]?.problem).toMatch(/positions 1–32 were pruned/);
  });

  it('checks an archive of positions 17..32 against a checkpoint of 48 with the ranges before and after it', async () => {
    const report = await verifyLog(log.slice(16, 32), { tenant: TENANT, start: startAt(16), end: endAt(32, 48), checkpoint: checkpointAt(48), key });
    expect(report.problems).toStrictEqual([]);
    expect(report.checkpoint).toStrictEqual({ treeSize: 48, signatureValid: true, rootMatches: true });
    const first = await verifyLog(log.slice(0, 32), { tenant: TENANT, end: endAt(32, 45), checkpoint: checkpointAt(45), key });
    expect(first.ok).toBe(true);
    const tampered = log.slice(16, 32).map((e, i) => (i === 5 ? { ...e, hash: 'ff'.repeat(32) } : e));
    expect((await verifyLog(tampered, { tenant: TENANT, start: startAt(16), end: endAt(32, 48), checkpoint: checkpointAt(48), key })).ok).toBe(false);
    const forgedEnd = endAt(32, 48);
    forgedEnd.hashes[0] = '00'.repeat(32);
    expect((await verifyLog(log.slice(16, 32), { tenant: TENANT, start: startAt(16), end: forgedEnd, checkpoint: checkpointAt(48), key })).ok).toBe(false);
  });

  it('refuses a frontier that does not fit the prune point', async () => {
    await expect(verifyLog(log.slice(32), { tenant: TENANT, start: { prunedThrough: 32, frontier: [] } })).rejects.toThrow(TypeError);
  });
});

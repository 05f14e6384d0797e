import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/event/types.ts';
import { ed25519RawPublicKey, signCheckpoint, type NoteVerifierKey } from '../../src/integrity/checkpoint/signedCheckpoint.ts';
import { MemoryMerkleTree, merkleHashToHex } from '../../src/integrity/merkle/index.ts';
import { hashEvent, sealEvent } from '../../src/integrity/sealEvent.ts';
import { verifyLog, type LogVerificationReport } from '../../src/integrity/verify/verifyLog.ts';

const TENANT = 'acme';
const ORIGIN = 'vellum.test/tenant/acme';
const { privateKey } = generateKeyPairSync('ed25519');
const signer = { name: ORIGIN, privateKeyPkcs8Der: privateKey.export({ format: 'der', type: 'pkcs8' }) };
const key: NoteVerifierKey = { name: ORIGIN, publicKey: ed25519RawPublicKey(signer.privateKeyPkcs8Der) };

function makeLog(n: number, tenant = TENANT): StoredEvent[] {
  return Array.from({ length: n }, (_, i) =>
    sealEvent(
      {
        id: `0190f5a0-0000-7000-8000-${String(i + 1).padStart(12, '0')}`,
        tenant,
        stream: `Policy:${i % 3}`,
        type: 'configuration.updated',
        severity: 'info',
        actor: { type: 'user', id: String(i % 7) },
        changes: [{ field: 'hours_before', old: i, new: i + 1 }],
        occurredAt: '2026-11-22T10:00:00.000Z',
        recordedAt: '2026-11-22T10:00:01.000Z',
      },
      i + 1,
      Math.floor(i / 3) + 1,
    ),
  );
}

function rootOf(events: readonly StoredEvent[]): Buffer {
  const tree = new MemoryMerkleTree();
  for (const event of events) tree.append(Buffer.from(event.hash, 'hex'));
  return Buffer.from(tree.root());
}

/** A checkpoint signed over the first `size` events of the honest log. */
function checkpointOver(events: readonly StoredEvent[], size = events.length): string {
  return signCheckpoint({ origin: ORIGIN, treeSize: size, rootHash: rootOf(events.slice(0, size)) }, signer);
}

const reseal = (event: StoredEvent, changes: Partial<StoredEvent>): StoredEvent => {
  const edited = { ...event, ...changes };
  return { ...edited, hash: hashEvent(edited) };
};

async function verify(events: StoredEvent[], checkpoint?: string): Promise<LogVerificationReport> {
  return verifyLog(events, { tenant: TENANT, ...(checkpoint === undefined ? {} : { checkpoint, key }) });
}

const honest = makeLog(20);
const signed = checkpointOver(honest);

describe('verifyLog: a clean log', () => {
  it('passes, and reports the RFC 9162 root over its event hashes', async () => {
    const report = await verify(honest);
    expect(report).toEqual({ tenant: TENANT, events: 20, rootHash: merkleHashToHex(rootOf(honest)), checkpoint: null, problems: [], ok: true });
  });

  it('matches a checkpoint over all of it, or over a prefix (a log only grows)', async () => {
    expect(await verify(honest, signed)).toMatchObject({ ok: true, checkpoint: { treeSize: 20, signatureValid: true, rootMatches: true } });
    expect(await verify(honest, checkpointOver(honest, 13))).toMatchObject({ ok: true, checkpoint: { treeSize: 13, signatureValid: true, rootMatches: true } });
    expect(await verify(honest, checkpointOver(honest, 1))).toMatchObject({ ok: true, checkpoint: { treeSize: 1, rootMatches: true } });
  });

  it('handles the empty log and a checkpoint of size 0', async () => {
    const report = await verify([], checkpointOver([], 0));
    expect(report).toMatchObject({ ok: true, events: 0, checkpoint: { treeSize: 0, rootMatches: true } });
    expect(report.rootHash).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('reads async iterables and reports progress every 5,000 events and at the end', async () => {
    const events = makeLog(12_001);
    async function* stream(): AsyncGenerator<StoredEvent> {
      for (const event of events) yield event;
    }
    const progress: number[] = [];
    const report = await verifyLog(stream(), { tenant: TENANT, checkpoint: checkpointOver(events, 10_000), key, onProgress: (n) => progress.push(n) });
    expect(report).toMatchObject({ ok: true, events: 12_001, checkpoint: { treeSize: 10_000, rootMatches: true } });
    expect(progress).toEqual([5000, 10_000, 12_001]);
  });
});

describe('verifyLog: tampering', () => {
  it('an edited field with the stale hash: named at its position, and the checkpoint root no longer matches', async () => {
    const log = honest.slice();
    log[6] = { ...(log[6] as StoredEvent), severity: 'critical' };
    const bare = await verify(log);
    expect(bare.ok).toBe(false);
    expect(bare.problems).toEqual([{ position: 7, eventId: log[6]?.id, problem: expect.stringMatching(/^hash does not match the event's content .*changed after it was sealed$/) }]);
    const checked = await verify(log, signed);
    expect(checked.checkpoint).toEqual({ treeSize: 20, signatureValid: true, rootMatches: false });
    expect(checked.problems.map((p) => p.position)).toEqual([7, null]);
  });

  it('an edited field with a recomputed hash: invisible without a checkpoint, caught by it', async () => {
    const log = honest.slice();
    log[6] = reseal(log[6] as StoredEvent, { actor: { type: 'user', id: 'mallory' } });
    expect((await verify(log)).ok).toBe(true);
    const checked = await verify(log, signed);
    expect(checked.ok).toBe(false);
    expect(checked.checkpoint?.rootMatches).toBe(false);
    expect(checked.problems).toEqual([{ position: null, problem: expect.stringMatching(/the log differs from what was signed/) }]);
    expect(checked.problems[0]?.problem).toContain(merkleHashToHex(rootOf(honest)));
  });

  it('a deleted event: the missing position, and the checkpoint covers more than the log has', async () => {
    const log = honest.filter((e) => e.position !== 9);
    const report = await verify(log, signed);
    expect(report.problems).toEqual([
      { position: 9, problem: `position 9 is missing: the next event read (${honest[9]?.id}) has position 10 — events were removed` },
      { position: null, problem: 'log has 19 events, checkpoint covers 20: the log was truncated or events were removed after the checkpoint was signed' },
    ]);
    expect((await verify(honest.filter((e) => e.position < 4 || e.position > 6))).problems).toEqual([
      { position: 4, problem: expect.stringMatching(/^positions 4–6 are missing/) },
    ]);
  });

  it('an inserted event reusing a position: named as a duplicate', async () => {
    const intruder = reseal(honest[4] as StoredEvent, { id: 'intruder', type: 'user.promoted' });
    const log = [...honest.slice(0, 5), intruder, ...honest.slice(5)];
    const report = await verify(log, signed);
    expect(report.problems[0]).toEqual({ position: 5, eventId: 'intruder', problem: `position 5 appears again (already held by event ${honest[4]?.id}): an event was duplicated or inserted` });
    expect(report.checkpoint?.rootMatches).toBe(false);
  });

  it('an inserted event with every later one renumbered and rehashed: caught by the checkpoint', async () => {
    const intruder = reseal(honest[4] as StoredEvent, { id: 'intruder', position: 6 });
    const log = [...honest.slice(0, 5), intruder, ...honest.slice(5).map((e) => reseal(e, { position: e.position + 1 }))];
    expect((await verify(log)).ok).toBe(true);
    const report = await verify(log, signed);
    expect(report.problems).toEqual([{ position: null, problem: expect.stringMatching(/^the root over the first 20 events is [0-9a-f]{64}, the checkpoint signed/) }]);
  });

  it('two swapped events: one problem, at the position that came late', async () => {
    const log = honest.slice();
    [log[10], log[11]] = [log[11] as StoredEvent, log[10] as StoredEvent];
    const report = await verify(log, signed);
    expect(report.problems).toEqual([
      { position: 11, eventId: honest[10]?.id, problem: 'position 11 is out of order: it comes after position 12 — events were swapped or moved' },
      { position: null, problem: expect.stringMatching(/the log differs from what was signed/) },
    ]);
  });

  it('a truncated tail: only the checkpoint can tell', async () => {
    const log = honest.slice(0, 17);
    expect((await verify(log)).ok).toBe(true);
    const report = await verify(log, signed);
    expect(report).toMatchObject({ ok: false, events: 17, checkpoint: { treeSize: 20, signatureValid: true, rootMatches: false } });
    expect(report.problems).toEqual([{ position: null, problem: expect.stringMatching(/^log has 17 events, checkpoint covers 20: the log was truncated/) }]);
  });

  it("another tenant's event, even correctly hashed", async () => {
    const log = honest.slice();
    log[2] = reseal(log[2] as StoredEvent, { tenant: 'globex' });
    expect((await verify(log)).problems).toEqual([{ position: 3, eventId: log[2]?.id, problem: 'belongs to tenant "globex", not "acme"' }]);
  });

  it('a position that is not a number', async () => {
    const log = honest.slice(0, 3);
    log[1] = reseal(log[1] as StoredEvent, { position: '2' as unknown as number });
    const report = await verify(log);
    expect(report.problems).toEqual([
      { position: null, eventId: log[1]?.id, problem: 'event #2 in the log has no valid position (got "2")' },
      { position: 2, problem: expect.stringMatching(/^position 2 is missing/) },
    ]);
  });
});

describe('verifyLog: the checkpoint itself', () => {
  it('a checkpoint signed by another key', async () => {
    const other = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' });
    const forged = signCheckpoint({ origin: ORIGIN, treeSize: 20, rootHash: rootOf(honest) }, { name: ORIGIN, privateKeyPkcs8Der: other });
    const report = await verify(honest, forged);
    expect(report).toMatchObject({ ok: false, checkpoint: { treeSize: 20, signatureValid: false, rootMatches: false } });
    expect(report.problems).toEqual([{ position: null, problem: expect.stringMatching(/signature by key "vellum.test\/tenant\/acme" does not verify/) }]);
  });

  it('a checkpoint signed under another key name, or an altered one, or not a note at all', async () => {
    const renamed = signCheckpoint({ origin: ORIGIN, treeSize: 20, rootHash: rootOf(honest) }, { ...signer, name: 'someone.else' });
    expect((await verify(honest, renamed)).problems[0]?.problem).toBe('the checkpoint has no signature by key "vellum.test/tenant/acme" (it is signed by: someone.else)');
    expect((await verify(honest, signed.replace('\n20\n', '\n19\n'))).checkpoint).toEqual({ treeSize: 19, signatureValid: false, rootMatches: false });
    expect((await verify(honest, 'garbage')).problems[0]?.problem).toMatch(/not a well-formed signed note/);
  });

  it('requires the key with a checkpoint', async () => {
    await expect(verifyLog(honest, { tenant: TENANT, checkpoint: signed })).rejects.toThrow(TypeError);
  });
});

describe('verifyLog: hostile and heavily damaged input', () => {
  it('never throws on malformed events, and keeps counting', async () => {
    const junk = [null, 42, 'text', {}, { position: 2, hash: 'nope' }, { position: 3, hash: 'a'.repeat(64), tenant: TENANT }] as unknown as StoredEvent[];
    const report = await verify(junk);
    expect(report.events).toBe(6);
    expect(report.ok).toBe(false);
    expect(report.problems.some((p) => p.position === 2 && /no valid hash field/.test(p.problem))).toBe(true);
  });

  it('lists at most maxProblems and says how many more there were', async () => {
    const log = makeLog(30, 'globex');
    const report = await verifyLog(log, { tenant: TENANT, maxProblems: 5 });
    expect(report.problems).toHaveLength(6);
    expect(report.problems[5]).toEqual({ position: null, problem: '25 more problems not listed (limit 5)' });
  });

  it('lists problems in position order even when a gap is only known later', async () => {
    const log = honest.filter((e) => e.position !== 3);
    log[10] = { ...(log[10] as StoredEvent), severity: 'high' };
    expect((await verify(log)).problems.map((p) => p.position)).toEqual([3, 12]);
  });
});

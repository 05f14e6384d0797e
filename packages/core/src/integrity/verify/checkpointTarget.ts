import { parseCheckpointBody, verifySignedCheckpoint, type CheckpointBody, type NoteVerifierKey } from '../checkpoint/signedCheckpoint.ts';
import { parseSignedNote } from '../checkpoint/signedNote.ts';

/** What verifyLog compares against: the checkpoint's body once its signature checks out, or why it does not. */
export type CheckpointTarget = { ok: true; body: CheckpointBody } | { ok: false; treeSize: number; problem: string };

export function checkpointTarget(note: string, key: NoteVerifierKey): CheckpointTarget {
  const body = verifySignedCheckpoint(note, key);
  if (body !== null) return { ok: true, body };
  // Only to word the problem: an unverified body is never compared against (its size and root mean nothing).
  const parsed = parseSignedNote(note);
  const unverified = parsed === null ? null : parseCheckpointBody(parsed.text);
  if (parsed === null) return { ok: false, treeSize: 0, problem: 'the checkpoint is not a well-formed signed note (c2sp.org/signed-note)' };
  if (!parsed.signatures.some((s) => s.name === key.name)) {
    const names = [...new Set(parsed.signatures.map((s) => s.name))].join(', ');
    return { ok: false, treeSize: unverified?.treeSize ?? 0, problem: `the checkpoint has no signature by key "${key.name}" (it is signed by: ${names})` };
  }
  return {
    ok: false,
    treeSize: unverified?.treeSize ?? 0,
    problem:
      unverified === null
        ? 'the checkpoint note is not a checkpoint (c2sp.org/tlog-checkpoint: origin, tree size, base64 root hash)'
        : `the checkpoint's signature by key "${key.name}" does not verify: the checkpoint was altered or signed by another key of that name`,
  };
}

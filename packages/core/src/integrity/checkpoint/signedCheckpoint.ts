import { decodeBase64Strict, encodeBase64 } from './base64.ts';
import { isValidNoteText, openSignedNote, signNote, type NoteVerifierKey } from './signedNote.ts';

/**
 * C2SP tlog-checkpoint bodies in C2SP signed-note envelopes, signed with Ed25519 (https://c2sp.org/tlog-checkpoint,
 * https://c2sp.org/signed-note). The note mechanics are in signedNote.ts, the key strings in verifierKey.ts; this
 * file is the checkpoint body and re-exports the rest, so one import serves the server and `vellum verify`.
 */

export { noteKeyId, openSignedNote, parseSignedNote, signNote, isValidNoteName, SIGNED_NOTE_LIMITS, type NoteVerifierKey } from './signedNote.ts';
export { formatVerifierKey, parseVerifierKey } from './verifierKey.ts';
export { ed25519RawPublicKey } from './ed25519.ts';

/** What a checkpoint says: the log (origin line), its size and its root. */
export interface CheckpointBody {
  /** e.g. `vellum.example.com/tenant/acme` — unique per log. */
  origin: string;
  treeSize: number;
  /** 32 bytes. */
  rootHash: Uint8Array;
  /** Optional extra lines after the root (none by default). */
  extensions?: string[];
}

const ROOT_HASH_BYTES = 32;
// "the ASCII decimal representation of the number of leaves in the tree, with no leading zeroes (unless the tree is
// empty, in which case the tree size is 0)". The Merkle core counts leaves in safe integers (at most 2^53 − 1, 16
// digits), so longer numbers are refused before conversion.
const TREE_SIZE = /^(?:0|[1-9][0-9]{0,15})$/;

// A line of the body: non-empty (the spec requires it of every line), no newline, nothing a note cannot carry.
function isBodyLine(line: unknown): line is string {
  return typeof line === 'string' && line !== '' && !line.includes('\n') && isValidNoteText(line);
}

/** `<origin>\n<tree size>\n<base64 root>\n` then one line per extension. Throws on what the spec forbids. */
export function formatCheckpointBody(body: CheckpointBody): string {
  if (!isBodyLine(body.origin)) throw new TypeError('the origin is one non-empty line without control characters');
  if (!Number.isSafeInteger(body.treeSize) || body.treeSize < 0) throw new RangeError(`not a tree size: ${String(body.treeSize)}`);
  if (!(body.rootHash instanceof Uint8Array) || body.rootHash.byteLength !== ROOT_HASH_BYTES) throw new TypeError('the root hash is 32 bytes');
  const extensions = body.extensions ?? [];
  if (!extensions.every(isBodyLine)) throw new TypeError('extension lines are non-empty single lines without control characters');
  return [body.origin, String(body.treeSize), encodeBase64(body.rootHash), ...extensions].map((line) => `${line}\n`).join('');
}

/** The body of a checkpoint's note text (at least three non-empty lines, each ending in a newline); null otherwise. */
export function parseCheckpointBody(text: string): CheckpointBody | null {
  if (typeof text !== 'string' || !text.endsWith('\n')) return null;
  const lines = text.slice(0, -1).split('\n');
  const [origin, size, root, ...extensions] = lines;
  if (!isBodyLine(origin) || size === undefined || !TREE_SIZE.test(size) || root === undefined) return null;
  const treeSize = Number(size);
  const rootHash = decodeBase64Strict(root, 64);
  if (!Number.isSafeInteger(treeSize) || rootHash === undefined || rootHash.byteLength !== ROOT_HASH_BYTES) return null;
  if (!extensions.every(isBodyLine)) return null;
  const body: CheckpointBody = { origin, treeSize, rootHash: new Uint8Array(rootHash) };
  if (extensions.length > 0) body.extensions = extensions;
  return body;
}

/** The full signed note: body, blank line, `— <name> <base64(keyId ‖ signature)>`. `privateKeyPkcs8Der` is the Ed25519 key. */
export function signCheckpoint(body: CheckpointBody, signer: { name: string; privateKeyPkcs8Der: Uint8Array }): string {
  return signNote(formatCheckpointBody(body), signer);
}

/**
 * The body when the note is well-formed and carries a valid signature by `key`; null otherwise (never throws).
 * The origin is returned, not checked: the spec only says the key name SHOULD match it (sum.golang.org's does not),
 * so the caller decides which origin it expects.
 */
export function verifySignedCheckpoint(note: string, key: NoteVerifierKey): CheckpointBody | null {
  const text = openSignedNote(note, key);
  return text === null ? null : parseCheckpointBody(text);
}

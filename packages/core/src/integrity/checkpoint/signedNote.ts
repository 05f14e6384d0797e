import { createHash } from 'node:crypto';
import { decodeBase64Strict, encodeBase64 } from './base64.ts';
import { ED25519_PUBLIC_KEY_BYTES, ed25519PrivateKey, ed25519RawPublicKey, ed25519Sign, ed25519Verify } from './ed25519.ts';

// C2SP signed notes (https://c2sp.org/signed-note), Ed25519 only, read the way golang.org/x/mod/sumdb/note's Open
// reads them: the text is everything up to and including the newline before the LAST blank line; every line after
// it must be a well-formed signature line; signatures by other keys are ignored; the first signature by our key
// decides (a failing one rejects the whole note — the spec's SHOULD, and what Go does).

/** An Ed25519 signer identity: the key name that appears on the signature line and the raw 32-byte public key. */
export interface NoteVerifierKey {
  name: string;
  publicKey: Uint8Array;
}

/** Limits on hostile input. The spec asks verifiers to cap signatures but accept at least 16; Go caps at 100. */
export const SIGNED_NOTE_LIMITS = Object.freeze({ maxSignatures: 100, maxNoteBytes: 1 << 20 });

/** Signature type byte 0x01: Ed25519 (c2sp.org/signed-note, "Signature types"). */
export const NOTE_ED25519 = 0x01;

const SIGNATURE_PREFIX = '\u2014 '; // em dash, space
const KEY_ID_BYTES = 4;
// "Key names MUST be non-empty and MUST NOT contain any Unicode spaces or plus (U+002B)". Go tests unicode.IsSpace,
// which is exactly the Unicode White_Space property (JavaScript's \s differs: it adds U+FEFF and misses U+0085).
const BAD_NAME_CHARACTER = /[\p{White_Space}+]/u;
// "MUST NOT contain any ASCII control characters (those below U+0020) other than newline."
const CONTROL_CHARACTER = /[\u0000-\u0009\u000b-\u001f]/;
// A JavaScript string can hold what UTF-8 cannot: a surrogate without its pair. "Signed notes MUST be valid UTF-8".
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function isValidNoteName(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && !BAD_NAME_CHARACTER.test(name) && !LONE_SURROGATE.test(name);
}

/** Text a note may carry: valid UTF-8, no control characters but newline. */
export function isValidNoteText(text: string): boolean {
  return !CONTROL_CHARACTER.test(text) && !LONE_SURROGATE.test(text);
}

/** The signed-note key id: first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ publicKey) (the spec's RECOMMENDED id). */
export function noteKeyId(name: string, publicKey: Uint8Array): Uint8Array {
  if (publicKey.byteLength !== ED25519_PUBLIC_KEY_BYTES) throw new TypeError('an Ed25519 public key is 32 bytes');
  const digest = createHash('sha256').update(name, 'utf8').update(Uint8Array.of(0x0a, NOTE_ED25519)).update(publicKey).digest();
  return new Uint8Array(digest.subarray(0, KEY_ID_BYTES));
}

/**
 * Signs `text` (which must end in a newline) and returns the note: text, blank line, one signature line.
 * Throws on input we would refuse to read back, so nothing this emits fails openSignedNote or Go's note.Open.
 */
export function signNote(text: string, signer: { name: string; privateKeyPkcs8Der: Uint8Array }): string {
  if (!isValidNoteName(signer.name)) throw new TypeError('a key name is non-empty and has no spaces or "+"');
  if (!text.endsWith('\n')) throw new TypeError('note text ends with a newline');
  if (!isValidNoteText(text)) throw new TypeError('note text is valid UTF-8 without control characters other than newline');
  const privateKey = ed25519PrivateKey(signer.privateKeyPkcs8Der);
  const keyId = noteKeyId(signer.name, ed25519RawPublicKey(privateKey));
  // The signed message is the note text exactly, final newline included, blank separator line excluded.
  const signature = ed25519Sign(Buffer.from(text, 'utf8'), privateKey);
  const note = `${text}\n${SIGNATURE_PREFIX}${signer.name} ${encodeBase64(Buffer.concat([keyId, signature]))}\n`;
  if (Buffer.byteLength(note, 'utf8') > SIGNED_NOTE_LIMITS.maxNoteBytes) throw new RangeError('note too large');
  return note;
}

interface SignatureLine {
  name: string;
  keyId: Buffer;
  signature: Buffer;
}

/** The text and signature lines of a syntactically valid note; null for anything else. */
export function parseSignedNote(note: string): { text: string; signatures: SignatureLine[] } | null {
  if (typeof note !== 'string') return null;
  // UTF-16 length never exceeds UTF-8 length, so this cheap test bounds the exact one below.
  if (note.length > SIGNED_NOTE_LIMITS.maxNoteBytes || Buffer.byteLength(note, 'utf8') > SIGNED_NOTE_LIMITS.maxNoteBytes) return null;
  if (!isValidNoteText(note)) return null;
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return null;
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) return null;
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > SIGNED_NOTE_LIMITS.maxSignatures) return null;
  const signatures: SignatureLine[] = [];
  for (const line of lines) {
    if (!line.startsWith(SIGNATURE_PREFIX)) return null;
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(' ');
    if (space < 0) return null;
    const name = rest.slice(0, space);
    const bytes = decodeBase64Strict(rest.slice(space + 1));
    // At least a key id and one signature byte, as in Go; the signature's own length is the algorithm's business.
    if (!isValidNoteName(name) || bytes === undefined || bytes.byteLength <= KEY_ID_BYTES) return null;
    signatures.push({ name, keyId: bytes.subarray(0, KEY_ID_BYTES), signature: bytes.subarray(KEY_ID_BYTES) });
  }
  return { text, signatures };
}

/**
 * The note text when the note is well-formed and its first signature by `key` (same name AND key id) verifies;
 * null otherwise. Signatures by any other key — even one sharing the name or the id but not both — are ignored.
 * Never throws.
 */
export function openSignedNote(note: string, key: NoteVerifierKey): string | null {
  try {
    if (!isValidNoteName(key?.name) || !(key.publicKey instanceof Uint8Array) || key.publicKey.byteLength !== ED25519_PUBLIC_KEY_BYTES) return null;
    const parsed = parseSignedNote(note);
    if (parsed === null) return null;
    const keyId = noteKeyId(key.name, key.publicKey);
    const ours = parsed.signatures.find((s) => s.name === key.name && s.keyId.equals(keyId));
    if (ours === undefined) return null;
    return ed25519Verify(Buffer.from(parsed.text, 'utf8'), ours.signature, key.publicKey) ? parsed.text : null;
  } catch {
    return null;
  }
}

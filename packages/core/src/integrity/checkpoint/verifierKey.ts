import { decodeBase64Strict, encodeBase64 } from './base64.ts';
import { ED25519_PUBLIC_KEY_BYTES } from './ed25519.ts';
import { isValidNoteName, NOTE_ED25519, noteKeyId, type NoteVerifierKey } from './signedNote.ts';

// The verifier key string of golang.org/x/mod/sumdb/note (NewVerifier / NewEd25519VerifierKey), which tlog tools
// share as the public identity of a log: `<name>+<8 hex key id>+<base64(0x01 ‖ 32-byte public key)>`. The name
// cannot contain '+', so the first two '+' split the fields (base64 can contain more).

const MAX_VERIFIER_KEY_CHARS = 4096;
const KEY_ID_HEX = /^[0-9a-fA-F]{8}$/;

export function formatVerifierKey(key: NoteVerifierKey): string {
  if (!isValidNoteName(key.name)) throw new TypeError('a key name is non-empty and has no spaces or "+"');
  const id = Buffer.from(noteKeyId(key.name, key.publicKey)).toString('hex');
  return `${key.name}+${id}+${encodeBase64(Buffer.concat([Uint8Array.of(NOTE_ED25519), key.publicKey]))}`;
}

/** The key, or null when the string is malformed, not Ed25519, or its key id does not match its name and key. */
export function parseVerifierKey(text: string): NoteVerifierKey | null {
  if (typeof text !== 'string' || text.length > MAX_VERIFIER_KEY_CHARS) return null;
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) return null;
  const name = text.slice(0, first);
  const idHex = text.slice(first + 1, second);
  const key = decodeBase64Strict(text.slice(second + 1));
  if (!isValidNoteName(name) || !KEY_ID_HEX.test(idHex) || key === undefined) return null;
  if (key.byteLength !== 1 + ED25519_PUBLIC_KEY_BYTES || key[0] !== NOTE_ED25519) return null;
  const publicKey = new Uint8Array(key.subarray(1));
  // Go checks the id against the key too: a typo in either half is caught here instead of as "bad signature" later.
  if (Buffer.from(noteKeyId(name, publicKey)).toString('hex') !== idHex.toLowerCase()) return null;
  return { name, publicKey };
}

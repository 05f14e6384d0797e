/**
 * C2SP tlog-checkpoint bodies in C2SP signed-note envelopes, signed with Ed25519 (https://c2sp.org/tlog-checkpoint,
 * https://c2sp.org/signed-note). TODO(integrity helper): implement; the signatures below are the contract.
 */

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

/** An Ed25519 signer identity: the key name that appears on the signature line and the raw 32-byte public key. */
export interface NoteVerifierKey {
  name: string;
  publicKey: Uint8Array;
}

export declare function formatCheckpointBody(body: CheckpointBody): string;
/** The full signed note: body, blank line, `— <name> <base64(keyId ‖ signature)>`. `privateKeyPkcs8Der` is the Ed25519 key. */
export declare function signCheckpoint(body: CheckpointBody, signer: { name: string; privateKeyPkcs8Der: Uint8Array }): string;
/** The body when the note is well-formed and carries a valid signature by `key`; null otherwise (never throws). */
export declare function verifySignedCheckpoint(note: string, key: NoteVerifierKey): CheckpointBody | null;
/** The signed-note key id: first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ publicKey). */
export declare function noteKeyId(name: string, publicKey: Uint8Array): Uint8Array;
/** The standard verifier-key string `<name>+<hex key id>+<base64(0x01 ‖ publicKey)>`, and its parser. */
export declare function formatVerifierKey(key: NoteVerifierKey): string;
export declare function parseVerifierKey(text: string): NoteVerifierKey | null;

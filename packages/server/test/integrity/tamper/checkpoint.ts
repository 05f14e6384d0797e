import { createPrivateKey, createPublicKey } from 'node:crypto';
import { MemoryMerkleTree, merkleHashFromHex, merkleHashToHex, signCheckpoint, type NoteVerifierKey, type StoredEvent } from '@vellum/core';

/** The log name the test's checkpoints carry: `<origin>/<tenant>`, signed by a key named `<origin>`. */
export const TAMPER_ORIGIN = 'vellum.tamper.test';

/** An Ed25519 key of the test's own, derived from a fixed seed so runs are reproducible. */
export interface TestSigningKey {
  signer: { name: string; privateKeyPkcs8Der: Uint8Array };
  verifier: NoteVerifierKey;
}

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410): SEQUENCE { 0, { id-Ed25519 }, OCTET STRING { OCTET STRING seed } }.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function testSigningKey(seedByte = 0x2a, name = TAMPER_ORIGIN): TestSigningKey {
  const der = Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.alloc(32, seedByte)]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('no Ed25519 public key');
  return {
    signer: { name, privateKeyPkcs8Der: new Uint8Array(der) },
    verifier: { name, publicKey: new Uint8Array(Buffer.from(jwk.x, 'base64url')) },
  };
}

/** What an auditor exported earlier: the signed note, and the size and root it vouches for. */
export interface ExportedCheckpoint {
  tenant: string;
  treeSize: number;
  rootHash: string;
  note: string;
}

/**
 * The checkpoint an auditor keeps: the RFC 9162 root over the events' hashes in position order, signed.
 * The hashes are taken as stored (the log is untampered when this runs; the test checks that separately).
 */
export function exportCheckpoint(tenant: string, events: readonly StoredEvent[], key: TestSigningKey): ExportedCheckpoint {
  events.forEach((event, i) => {
    if (event.position !== i + 1) throw new Error(`checkpoint over ${tenant}: position ${event.position} at index ${i}`);
  });
  const tree = new MemoryMerkleTree(events.map((event) => merkleHashFromHex(event.hash)));
  const root = tree.root();
  const note = signCheckpoint({ origin: `${TAMPER_ORIGIN}/${tenant}`, treeSize: events.length, rootHash: new Uint8Array(root) }, key.signer);
  return { tenant, treeSize: events.length, rootHash: merkleHashToHex(root), note };
}

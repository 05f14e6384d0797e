import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { hostname } from 'node:os';
import { formatVerifierKey } from '@vellum/core';
import type { AccessStore } from '@vellum/core';

/** The server secret holding the Ed25519 checkpoint key (PKCS #8 DER, base64), the same on every node. */
export const CHECKPOINT_KEY_SECRET = 'checkpoint-signing-key';
/**
 * The origin chosen by the first node when none is configured. Not secret; kept with the secrets because that is
 * the store's one create-once value that every node agrees on, so nodes with different host names sign alike.
 */
export const CHECKPOINT_ORIGIN_SECRET = 'checkpoint-origin';

export interface CheckpointSigningKey {
  /** The signed-note key name: the origin without the tenant. */
  name: string;
  privateKeyPkcs8Der: Buffer;
  /** The raw 32-byte Ed25519 public key. */
  publicKey: Buffer;
  /** `<name>+<key id>+<base64(0x01 ‖ public key)>`, what a verifier is configured with. */
  verifierKey: string;
}

type SecretStore = Pick<AccessStore, 'getOrCreateSecret'>;

/** The configured origin, or the one every node shares: `vellum.<host name of the first node to start>`. */
export async function resolveOrigin(store: SecretStore, configured: string | null, host: string = hostname()): Promise<string> {
  if (configured !== null) return configured;
  const label = host.replace(/[^A-Za-z0-9.-]/g, '-').replace(/^[.-]+|[.-]+$/g, '');
  return store.getOrCreateSecret(CHECKPOINT_ORIGIN_SECRET, label === '' ? 'vellum' : `vellum.${label}`);
}

/**
 * The checkpoint signing key: created by the first node to start (each node offers a fresh candidate, the store
 * keeps the first), so every node signs with the same key and a restart keeps it.
 */
export async function loadSigningKey(store: SecretStore, name: string): Promise<CheckpointSigningKey> {
  const candidate = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  const stored = await store.getOrCreateSecret(CHECKPOINT_KEY_SECRET, candidate);
  const privateKeyPkcs8Der = Buffer.from(stored, 'base64');
  const privateKey = createPrivateKey({ key: privateKeyPkcs8Der, format: 'der', type: 'pkcs8' });
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`the stored ${CHECKPOINT_KEY_SECRET} is a ${String(privateKey.asymmetricKeyType)} key, not Ed25519`);
  }
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  const publicKey = Buffer.from(String(x), 'base64url');
  return { name, privateKeyPkcs8Der, publicKey, verifierKey: formatVerifierKey({ name, publicKey }) };
}

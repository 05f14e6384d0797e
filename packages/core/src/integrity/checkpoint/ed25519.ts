import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

// Ed25519 through node:crypto KeyObjects (RFC 8032; OpenSSL underneath). Signing takes the PKCS #8 DER private key
// the contract names; verifying takes the raw 32-byte public key a verifier key string carries (c2sp.org/signed-note:
// "the public key encoded as 32 bytes according to RFC 8032"), imported as a JWK because Node has no raw import.

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

/** Throws a TypeError when the DER is not an Ed25519 PKCS #8 private key. */
export function ed25519PrivateKey(privateKeyPkcs8Der: Uint8Array): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(privateKeyPkcs8Der), format: 'der', type: 'pkcs8' });
  } catch {
    throw new TypeError('not a PKCS #8 DER private key');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError(`not an Ed25519 key (got ${String(key.asymmetricKeyType)})`);
  return key;
}

/** The raw 32-byte public key of an Ed25519 private key (what the key id and the verifier key string are made of). */
export function ed25519RawPublicKey(privateKey: KeyObject | Uint8Array): Buffer {
  const key = privateKey instanceof Uint8Array ? ed25519PrivateKey(privateKey) : privateKey;
  const { x } = createPublicKey(key).export({ format: 'jwk' });
  if (typeof x !== 'string') throw new TypeError('not an Ed25519 key');
  return Buffer.from(x, 'base64url');
}

export function ed25519Sign(message: Uint8Array, privateKey: KeyObject): Buffer {
  // Ed25519 hashes internally, so the digest argument is null (Node's documented form for Ed25519/Ed448).
  return sign(null, message, privateKey);
}

/** False for a bad signature and for anything malformed (wrong lengths, a key OpenSSL refuses); never throws. */
export function ed25519Verify(message: Uint8Array, signature: Uint8Array, rawPublicKey: Uint8Array): boolean {
  if (rawPublicKey.byteLength !== ED25519_PUBLIC_KEY_BYTES || signature.byteLength !== ED25519_SIGNATURE_BYTES) return false;
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(rawPublicKey).toString('base64url') }, format: 'jwk' });
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { pooledRandom } from '../ids/pooledRandom.ts';
import { isPlainObject } from '../validation/validateJsonValue.ts';

/**
 * Crypto-shredding of personal data: configured fields of an event are encrypted (AES-256-GCM) with a key of the
 * event's subject before the event is hashed and stored, so the hash covers the ciphertext. Destroying the
 * subject's key (forget) leaves the ciphertext undecipherable: the values read back as `[erased]`, while every
 * stored byte — and so every hash and proof — stays exactly as it was.
 *
 * A sealed value is `vpd1:` + base64url(12-byte IV ‖ ciphertext ‖ 16-byte tag) of the value's JSON (so numbers
 * and objects survive). The tenant, subject and field path are the additional authenticated data: a ciphertext
 * copied into another field, subject or tenant does not decrypt.
 */

/** What a personal value reads as once its subject was forgotten (or when it cannot be decrypted). */
export const ERASED = '[erased]';
/** The prefix of a sealed personal value. */
export const SEALED_PREFIX = 'vpd1:';
/** Bytes of a subject key. */
export const SUBJECT_KEY_BYTES = 32;

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Whose and which field a sealed value is: bound into it as additional authenticated data. */
export interface PersonalValueBinding {
  tenant: string;
  subject: string;
  path: string;
}

/** A fresh random subject key. */
export const newSubjectKey = (): Uint8Array => new Uint8Array(randomBytes(SUBJECT_KEY_BYTES));

/** The subject an event's personal data belongs to: its actor, `<actor.type>:<actor.id>`. */
export function subjectOf(event: { actor: { type: string; id: string } }): string {
  return `${event.actor.type}:${event.actor.id}`;
}

export const isSealedValue = (value: unknown): value is string =>
  typeof value === 'string' && value.startsWith(SEALED_PREFIX);

// Length-prefixed parts, so no choice of tenant, subject or path can collide with another's.
const aad = (b: PersonalValueBinding): Buffer =>
  Buffer.from(JSON.stringify(['vpd1', b.tenant, b.subject, b.path]), 'utf8');

function checkKey(key: Uint8Array): void {
  if (key.length !== SUBJECT_KEY_BYTES) throw new Error(`a subject key is ${SUBJECT_KEY_BYTES} bytes, not ${key.length}`);
}

/** Fresh IVs from a pool of CSPRNG bytes: one OpenSSL call per IV was ~4% of the server under ingest. */
const randomIv = pooledRandom();

/** Encrypts a JSON value for one tenant, subject and field. `iv` is for tests only (default: random). */
export function encryptPersonalValue(value: unknown, key: Uint8Array, binding: PersonalValueBinding, iv: Uint8Array = randomIv(IV_BYTES)): string {
  checkKey(key);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(binding));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return SEALED_PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/**
 * Decrypts a sealed value. Throws when it is malformed, or the key, tenant, subject or path is not the one it was
 * sealed with (AES-GCM authentication fails).
 */
export function decryptPersonalValue(sealed: string, key: Uint8Array, binding: PersonalValueBinding): unknown {
  checkKey(key);
  if (!isSealedValue(sealed)) throw new Error('not a sealed personal value');
  const bytes = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url');
  if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('sealed personal value too short');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(aad(binding));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  const text = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  return JSON.parse(text) as unknown;
}

/**
 * Paths that may not be personal data: what names the subject, the stream and the event, and what the store
 * indexes and filters on — those must stay readable, and a filter can never match on an encrypted field.
 * Returns a problem for each bad path (empty when all are fine).
 */
export function checkPersonalPaths(paths: readonly string[]): string[] {
  const problems: string[] = [];
  const roots = new Set(['actor', 'entity', 'context', 'data']);
  const indexed = new Set(['actor.type', 'actor.id', 'entity.type', 'entity.id']);
  for (const path of paths) {
    const parts = path.split('.');
    if (parts.length < 2 || parts.some((p) => p === '') || !roots.has(parts[0] as string)) {
      problems.push(`"${path}": a personal data field is a dotted path under actor, entity, context or data (e.g. actor.email)`);
    } else if (indexed.has(path) || (parts.length > 2 && indexed.has(`${parts[0]}.${parts[1]}`))) {
      problems.push(`"${path}": ${parts[0]}.type and ${parts[0]}.id identify the ${parts[0]} and are indexed; they cannot be personal data`);
    } else if (parts.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) {
      problems.push(`"${path}": not a usable field name`);
    }
  }
  return problems;
}

type Json = Record<string, unknown>;

/** The value at a dotted path (`actor.name`), or undefined where the event has none; arrays are not descended. */
function valueAt(event: object, path: string): unknown {
  let node: unknown = event;
  for (const part of path.split('.')) {
    node = isPlainObject(node) && Object.hasOwn(node, part) ? node[part] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/**
 * Replaces the value at each path (where present and not null) with `replace(value, path)`, copying only the
 * objects along the way: the input event is never changed.
 */
function mapPaths<E extends object>(event: E, paths: readonly string[], replace: (value: unknown, path: string) => unknown): E {
  let result = event as unknown as Json;
  for (const path of paths) {
    // Find the value first: nothing is copied for a path the event does not have.
    const node = valueAt(result, path);
    if (node === undefined || node === null) continue;
    const parts = path.split('.');
    const next = replace(node, path);
    if (next === node) continue;
    const root: Json = { ...result };
    let cursor = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const key = parts[i] as string;
      const copy = { ...(cursor[key] as Json) };
      cursor[key] = copy;
      cursor = copy;
    }
    cursor[parts[parts.length - 1] as string] = next;
    result = root;
  }
  return result as unknown as E;
}

/**
 * Encrypts the event's values at `paths` with the subject's key; with `key` null (the subject was forgotten) they
 * are stored as `[erased]` directly. Every value is encrypted, even one that looks sealed already: a client cannot
 * plant a `vpd1:` string that would pass for the server's own.
 */
export function sealPersonalFields<E extends { actor: { type: string; id: string } }>(
  event: E, paths: readonly string[], key: Uint8Array | null, tenant: string,
): E {
  const subject = subjectOf(event);
  return mapPaths(event, paths, (value, path) =>
    key === null ? ERASED : encryptPersonalValue(value, key, { tenant, subject, path }));
}

/**
 * The readable form of a stored event: its sealed values at `paths` decrypted, or `[erased]` when the key is null
 * (forgotten) or the value does not decrypt (moved from another field or subject, or damaged). Values that are not
 * sealed are returned as stored. The event's own `tenant` is part of the binding.
 */
export function openPersonalFields<E extends { tenant: string; actor: { type: string; id: string } }>(
  event: E, paths: readonly string[], key: Uint8Array | null,
): E {
  const subject = subjectOf(event);
  return mapPaths(event, paths, (value, path) => {
    if (!isSealedValue(value)) return value;
    if (key === null) return ERASED;
    try {
      return decryptPersonalValue(value, key, { tenant: event.tenant, subject, path });
    } catch {
      return ERASED;
    }
  });
}

/** Whether the event holds a sealed value at any of `paths` (so reading it needs its subject's key). */
export function hasSealedFields(event: object, paths: readonly string[]): boolean {
  return paths.some((path) => isSealedValue(valueAt(event, path)));
}

/** Whether the event has a value (not null) at any of `paths` (so storing it needs its subject's key). */
export function hasPersonalFields(event: object, paths: readonly string[]): boolean {
  return paths.some((path) => valueAt(event, path) != null);
}

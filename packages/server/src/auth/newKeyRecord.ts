import { randomBytes } from 'node:crypto';
import { uuidv7 } from '@vellum/core';
import type { ApiKeyRecord } from '@vellum/core';
import { keyPrefix } from './generateApiKey.ts';
import { hashApiKey } from './hashApiKey.ts';

/** What a new key's owner decides; everything else about a fresh key follows from the secret and the time. */
export type NewKeyFields = Pick<ApiKeyRecord, 'tenant' | 'name' | 'scopes' | 'expiresAt' | 'rateLimit' | 'rotatedFrom'>;

/**
 * The stored form of a new key: a fresh id, the display prefix and hash of `secret` (never the secret itself),
 * not revoked, never used. The one place a key record is made, for the bootstrap key and the keys API alike.
 */
export function newKeyRecord(secret: string, fields: NewKeyFields, now: number): ApiKeyRecord {
  return {
    id: uuidv7(now, randomBytes(10)),
    prefix: keyPrefix(secret),
    hash: hashApiKey(secret),
    createdAt: new Date(now).toISOString(),
    revokedAt: null,
    lastUsedAt: null,
    requestCount: 0,
    ...fields,
  };
}

import type { ApiKeyRecord } from '@vellum/core';

export type KeyStatus = 'active' | 'revoked' | 'expired';

/** Whether a key may be used at `now`: the one rule authentication, rotation and the keys API all apply. */
export function keyStatus(record: ApiKeyRecord, now: number): KeyStatus {
  if (record.revokedAt !== null) return 'revoked';
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= now) return 'expired';
  return 'active';
}

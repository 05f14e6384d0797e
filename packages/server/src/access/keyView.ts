import type { ApiKeyRecord } from '@vellum/core';
import { keyStatus, type KeyStatus } from '../auth/keyStatus.ts';

/** A key as the API shows it: everything but its hash (which is as good as useless, but not ours to hand out). */
export interface KeyView {
  id: string;
  tenant: string;
  name: string;
  prefix: string;
  scopes: string[];
  status: KeyStatus;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  rateLimit: ApiKeyRecord['rateLimit'];
  rotatedFrom: string | null;
  lastUsedAt: string | null;
  requestCount: number;
}

export function toKeyView(record: ApiKeyRecord, now: number): KeyView {
  return {
    id: record.id,
    tenant: record.tenant,
    name: record.name,
    prefix: record.prefix,
    scopes: record.scopes,
    status: keyStatus(record, now),
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    revokedAt: record.revokedAt,
    rateLimit: record.rateLimit,
    rotatedFrom: record.rotatedFrom,
    lastUsedAt: record.lastUsedAt,
    requestCount: record.requestCount,
  };
}

/** The OpenAPI shape of a KeyView. */
export const keyViewSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenant: { type: 'string' },
    name: { type: 'string' },
    prefix: { type: 'string', description: 'The first characters of the key, to tell keys apart.' },
    scopes: { type: 'array', items: { type: 'string' } },
    status: { type: 'string', enum: ['active', 'revoked', 'expired'] },
    createdAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: ['string', 'null'], format: 'date-time' },
    revokedAt: { type: ['string', 'null'], format: 'date-time' },
    rateLimit: {
      type: ['object', 'null'],
      description: "This key's token bucket; null means the server's default.",
      properties: { perSecond: { type: 'number' }, burst: { type: 'integer' } },
    },
    rotatedFrom: { type: ['string', 'null'], description: 'The key this one replaced.' },
    lastUsedAt: { type: ['string', 'null'], format: 'date-time', description: 'Updated about once a second.' },
    requestCount: { type: 'integer' },
  },
} as const;

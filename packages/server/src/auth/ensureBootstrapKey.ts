import type { AccessStore } from '@vellum/core';
import { generateApiKey } from './generateApiKey.ts';
import { hashApiKey } from './hashApiKey.ts';
import { newKeyRecord } from './newKeyRecord.ts';

export const DEFAULT_TENANT = 'default';
/** Where Vellum records its own security events (keys created and revoked, failed authentications, exports). */
export const SYSTEM_TENANT = 'system';

/** The two tenants that always exist; creating them again is a no-op, so every start may call this. */
export async function ensureBuiltInTenants(store: AccessStore, now: number): Promise<void> {
  const createdAt = new Date(now).toISOString();
  await store.createTenant({ id: DEFAULT_TENANT, name: 'Default tenant', createdAt });
  await store.createTenant({ id: SYSTEM_TENANT, name: 'Vellum itself (security audit trail)', createdAt });
}

export interface BootstrapOptions {
  keys: AccessStore;
  /** VELLUM_BOOTSTRAP_KEY: when set, this value is the admin key. */
  bootstrapKey: string | null;
  /** Where the one-time key block goes: stdout, never the logger. */
  announce(text: string): void;
  now(): number;
}

export type BootstrapResult = { created: false } | { created: true; generated: boolean; keyId: string };

/**
 * The first admin key. With VELLUM_BOOTSTRAP_KEY it is that value, created whenever no key has its hash
 * yet (so automation can point a known key at any store); otherwise, only when the key table is empty,
 * a new key is generated and printed once — it is not stored anywhere but as its hash.
 */
export async function ensureBootstrapKey(options: BootstrapOptions): Promise<BootstrapResult> {
  const { keys, bootstrapKey } = options;
  let key: string;
  if (bootstrapKey !== null) {
    if ((await keys.findKeyByHash(hashApiKey(bootstrapKey))) !== null) return { created: false };
    key = bootstrapKey;
  } else {
    if ((await keys.countKeys()) > 0) return { created: false };
    key = generateApiKey();
  }
  const record = newKeyRecord(key, {
    tenant: DEFAULT_TENANT,
    name: bootstrapKey !== null ? 'bootstrap (VELLUM_BOOTSTRAP_KEY)' : 'bootstrap',
    scopes: ['admin'],
    expiresAt: null,
    rateLimit: null,
    rotatedFrom: null,
  }, options.now());
  await keys.createKey(record);
  if (bootstrapKey === null) options.announce(bootstrapBanner(key));
  return { created: true, generated: bootstrapKey === null, keyId: record.id };
}

export function bootstrapBanner(key: string): string {
  const rule = '='.repeat(72);
  return [
    rule,
    'Vellum created an admin API key. It is shown only this once; keep it safe:',
    '',
    `    ${key}`,
    '',
    'Use it as "Authorization: Bearer <key>". Set VELLUM_BOOTSTRAP_KEY to choose the key yourself.',
    rule,
    '',
  ].join('\n');
}

import { VellumError } from '@vellum/core';
import type { ApiKeyRecord, KeyStore } from '@vellum/core';
import { hashApiKey, hashesEqual } from './hashApiKey.ts';
import { hasScope, type Scope } from './scopes.ts';
import { DEFAULT_TENANT } from './ensureBootstrapKey.ts';

/** Who is calling, and for which tenant they act on this request. */
export interface AuthContext {
  keyId: string;
  keyPrefix: string;
  /** The tenant the key belongs to. */
  keyTenant: string;
  scopes: readonly string[];
  admin: boolean;
  /** The tenant this request acts on: the key's, or for an admin the Vellum-Tenant header (default `default`). */
  tenant: string;
}

export interface CredentialHeaders {
  authorization?: string | string[] | undefined;
  'x-api-key'?: string | string[] | undefined;
  'vellum-tenant'?: string | string[] | undefined;
}

const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
/** Longer than any key we issue or accept as a bootstrap key; longer input is refused before hashing. */
const MAX_KEY_LENGTH = 512;

export const isTenantId = (s: string): boolean => TENANT_ID.test(s);

/**
 * The presented key, or null when the request carries none. A Bearer token wins; X-API-Key is next, so a
 * proxy's own Basic credentials in Authorization do not hide an X-API-Key.
 */
export function extractApiKey(headers: CredentialHeaders): string | null {
  const auth = single(headers.authorization);
  const bearer = auth === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(auth);
  if (bearer !== null) return bearer[1]!;
  const apiKey = single(headers['x-api-key'])?.trim();
  if (apiKey !== undefined && apiKey !== '') return apiKey;
  if (auth !== undefined) throw new VellumError('UNAUTHENTICATED', { message: 'The Authorization header must be "Bearer <key>".' });
  return null;
}

/**
 * Resolves a key to its record through a short-lived cache: keys are looked up on every request, and a
 * database round trip for each would cost more than the request itself. Unknown keys are not cached, so
 * guessing cannot fill memory.
 */
export class KeyResolver {
  readonly #keys: KeyStore;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { record: ApiKeyRecord; until: number }>();
  static readonly MAX_CACHED = 10_000;

  constructor(keys: KeyStore, options: { cacheTtlMs: number; now: () => number }) {
    this.#keys = keys;
    this.#ttlMs = options.cacheTtlMs;
    this.#now = options.now;
  }

  async resolve(key: string): Promise<ApiKeyRecord | null> {
    if (key.length > MAX_KEY_LENGTH) return null;
    const hash = hashApiKey(key);
    const now = this.#now();
    const cached = this.#cache.get(hash);
    if (cached !== undefined && cached.until > now) return cached.record;
    const record = await this.#keys.findKeyByHash(hash);
    // The store looked the hash up by equality already; comparing again in constant time costs nothing and
    // keeps a store that matched loosely (case, prefix) from letting a wrong key in.
    if (record === null || !hashesEqual(record.hash, hash)) return null;
    if (this.#ttlMs > 0) {
      if (this.#cache.size >= KeyResolver.MAX_CACHED) this.#cache.clear();
      this.#cache.set(hash, { record, until: now + this.#ttlMs });
    }
    return record;
  }
}

/**
 * Checks a request's credentials against the scope its route requires and settles the tenant it acts on.
 * Throws UNAUTHENTICATED (401) or FORBIDDEN (403); the same 401 for a missing, unknown, revoked or
 * expired key, so the answer does not tell a guesser which.
 */
export async function authenticate(
  headers: CredentialHeaders,
  required: Scope,
  resolver: KeyResolver,
  now: number,
): Promise<AuthContext> {
  const key = extractApiKey(headers);
  if (key === null) throw new VellumError('UNAUTHENTICATED');
  const record = await resolver.resolve(key);
  if (record === null || record.revokedAt !== null || (record.expiresAt !== null && Date.parse(record.expiresAt) <= now)) {
    throw new VellumError('UNAUTHENTICATED', { message: 'The API key is not valid (unknown, revoked or expired).' });
  }
  const admin = record.scopes.includes('admin');
  if (!hasScope(record.scopes, required)) {
    throw new VellumError('FORBIDDEN', { message: `This key does not have the "${required}" scope this operation needs.` });
  }

  const named = single(headers['vellum-tenant'])?.trim();
  let tenant = admin ? DEFAULT_TENANT : record.tenant;
  if (named !== undefined && named !== '') {
    if (!isTenantId(named)) {
      throw new VellumError('VALIDATION_FAILED', {
        details: [{ path: '/headers/vellum-tenant', message: 'must be a tenant id: letters, digits, _ . : - (at most 64)' }],
      });
    }
    if (!admin && named !== record.tenant) {
      throw new VellumError('FORBIDDEN', { message: 'This key belongs to another tenant; only an admin key may act for another tenant.' });
    }
    tenant = named;
  }
  return { keyId: record.id, keyPrefix: record.prefix, keyTenant: record.tenant, scopes: record.scopes, admin, tenant };
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

import { VellumError } from '@vellum/core';
import type { AccessStore, ApiKeyRecord, RateLimitSetting } from '@vellum/core';
import { hashApiKey, hashesEqual } from './hashApiKey.ts';
import { isWellFormedApiKey } from './generateApiKey.ts';
import { keyStatus } from './keyStatus.ts';
import { BriefCache } from './BriefCache.ts';
import { hasScope, type RouteScope } from './scopes.ts';
import { DEFAULT_TENANT } from './ensureBootstrapKey.ts';

/** What a viewer token limits its reads to, beyond its tenant: one actor, or one entity. */
export interface ReadRestriction {
  actor?: { type: string; id: string };
  entity?: { type: string; id: string };
}

/** Who is calling, and for which tenant they act on this request. */
export interface AuthContext {
  /** An API key, or a viewer token (read-only, short-lived, possibly restricted). */
  kind: 'key' | 'viewer';
  /** The key's id; for a viewer token, the token's own id. */
  keyId: string;
  /** Safe to log: the key's display prefix, or `vvt` for viewer tokens. */
  keyPrefix: string;
  /** The tenant the key (or token) belongs to. */
  keyTenant: string;
  scopes: readonly string[];
  admin: boolean;
  /** The tenant this request acts on: the key's, or for an admin the Vellum-Tenant header (default `default`). */
  tenant: string;
  /** Set for viewer tokens limited to one actor or entity: every read is narrowed to it server-side. */
  restriction: ReadRestriction | null;
  /** The key's own rate limit (null: the server default). */
  rateLimit: RateLimitSetting | null;
  /** Whose bucket a request is counted against: the key's id; for a viewer token, the key that minted it. */
  rateLimitKey: string;
}

/** A viewer token's verified contents. */
export interface ViewerTokenClaims {
  tokenId: string;
  tenant: string;
  restriction: ReadRestriction | null;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /** The key that minted the token (its rate limit applies to the token too). */
  issuedBy: string;
}

/** Checks a viewer token's signature and expiry; null when it is not valid. */
export interface ViewerTokenVerifier {
  verify(token: string, now: number): ViewerTokenClaims | null;
}

/** Viewer tokens start with this; anything else is treated as an API key. */
export const VIEWER_TOKEN_PREFIX = 'vvt_';

export interface CredentialHeaders {
  authorization?: string | string[] | undefined;
  'x-api-key'?: string | string[] | undefined;
  'vellum-tenant'?: string | string[] | undefined;
}

const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

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
 * database round trip for each would cost more than the request itself. The cache lives well under a second
 * so that a revocation on any node takes effect on every node within 1 s. Unknown keys are not cached, so
 * guessing cannot fill memory; malformed keys never reach the store at all.
 */
export class KeyResolver {
  readonly #keys: AccessStore;
  readonly #now: () => number;
  readonly #byHash: BriefCache<ApiKeyRecord>;
  readonly #byId: BriefCache<ApiKeyRecord>;
  static readonly MAX_CACHED = 10_000;

  constructor(keys: AccessStore, options: { cacheTtlMs: number; now: () => number }) {
    this.#keys = keys;
    this.#now = options.now;
    this.#byHash = new BriefCache({ ttlMs: options.cacheTtlMs, max: KeyResolver.MAX_CACHED });
    this.#byId = new BriefCache({ ttlMs: options.cacheTtlMs, max: KeyResolver.MAX_CACHED });
  }

  async resolve(key: string): Promise<ApiKeyRecord | null> {
    if (!isWellFormedApiKey(key)) return null;
    const hash = hashApiKey(key);
    const now = this.#now();
    const cached = this.#byHash.get(hash, now);
    if (cached !== undefined) return cached;
    const record = await this.#keys.findKeyByHash(hash);
    // The store looked the hash up by equality already; comparing again in constant time costs nothing and
    // keeps a store that matched loosely (case, prefix) from letting a wrong key in.
    if (record === null || !hashesEqual(record.hash, hash)) return null;
    this.#byHash.set(hash, record, now);
    return record;
  }

  /**
   * A key by id, through the same short cache: a viewer token names the key that minted it, and stops
   * working when that key is revoked or expires.
   */
  async resolveById(id: string): Promise<ApiKeyRecord | null> {
    const now = this.#now();
    const cached = this.#byId.get(id, now);
    if (cached !== undefined) return cached;
    const record = await this.#keys.findKeyById('*', id);
    if (record !== null) this.#byId.set(id, record, now);
    return record;
  }

  /** Drops every cached record: this node sees a revocation it made itself at once. */
  forget(): void {
    this.#byHash.clear();
    this.#byId.clear();
  }
}

export interface Verifiers {
  keys: KeyResolver;
  viewerTokens: ViewerTokenVerifier | null;
}

/**
 * Checks a request's credentials against the scope its route requires and settles the tenant it acts on.
 * Throws UNAUTHENTICATED (401) or FORBIDDEN (403); the same 401 for a missing, malformed, unknown, revoked
 * or expired key, so the answer does not tell a guesser which.
 */
export async function authenticate(
  headers: CredentialHeaders,
  required: RouteScope,
  verifiers: Verifiers,
  now: number,
): Promise<AuthContext> {
  const presented = extractApiKey(headers);
  if (presented === null) throw new VellumError('UNAUTHENTICATED');
  if (presented.startsWith(VIEWER_TOKEN_PREFIX)) return authenticateViewer(presented, headers, required, verifiers, now);

  const record = await verifiers.keys.resolve(presented);
  if (!isUsable(record, now)) {
    throw new VellumError('UNAUTHENTICATED', { message: 'The API key is not valid (malformed, unknown, revoked or expired).' });
  }
  const admin = record.scopes.includes('admin');
  if (!hasScope(record.scopes, required)) {
    throw new VellumError('FORBIDDEN', { message: `This key does not have the "${required}" scope this operation needs.` });
  }

  const named = namedTenant(headers);
  let tenant = admin ? DEFAULT_TENANT : record.tenant;
  if (named !== null) {
    if (!admin && named !== record.tenant) {
      throw new VellumError('FORBIDDEN', { message: 'This key belongs to another tenant; only an admin key may act for another tenant.' });
    }
    tenant = named;
  }
  return {
    kind: 'key',
    keyId: record.id,
    keyPrefix: record.prefix,
    keyTenant: record.tenant,
    scopes: record.scopes,
    admin,
    tenant,
    restriction: null,
    rateLimit: record.rateLimit,
    rateLimitKey: record.id,
  };
}

const isUsable = (record: ApiKeyRecord | null, now: number): record is ApiKeyRecord =>
  record !== null && keyStatus(record, now) === 'active';

async function authenticateViewer(token: string, headers: CredentialHeaders, required: RouteScope, verifiers: Verifiers, now: number): Promise<AuthContext> {
  const claims = verifiers.viewerTokens?.verify(token, now) ?? null;
  // A token lives no longer than the key that minted it: revoking the key ends its tokens too.
  const issuer = claims === null ? null : await verifiers.keys.resolveById(claims.issuedBy);
  if (claims === null || !isUsable(issuer, now)) {
    throw new VellumError('UNAUTHENTICATED', { message: 'The viewer token is not valid (malformed, forged, expired, or its key was revoked).' });
  }
  if (required !== 'events:read' && required !== 'authenticated') {
    throw new VellumError('FORBIDDEN', { message: 'A viewer token may only read events.' });
  }
  const named = namedTenant(headers);
  if (named !== null && named !== claims.tenant) {
    throw new VellumError('FORBIDDEN', { message: 'A viewer token reads only the tenant it was issued for.' });
  }
  return {
    kind: 'viewer',
    keyId: claims.tokenId,
    keyPrefix: 'vvt',
    keyTenant: claims.tenant,
    scopes: ['events:read'],
    admin: false,
    tenant: claims.tenant,
    restriction: claims.restriction,
    // Tokens spend from the minting key's bucket, under that key's limit: minting many cannot multiply it.
    rateLimit: issuer.rateLimit,
    rateLimitKey: claims.issuedBy,
  };
}

function namedTenant(headers: CredentialHeaders): string | null {
  const named = single(headers['vellum-tenant'])?.trim();
  if (named === undefined || named === '') return null;
  if (!isTenantId(named)) {
    throw new VellumError('VALIDATION_FAILED', {
      details: [{ path: '/headers/vellum-tenant', message: 'must be a tenant id: letters, digits, _ . : - (at most 64)' }],
    });
  }
  return named;
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

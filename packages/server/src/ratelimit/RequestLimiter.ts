import { TokenBucketMap, type BucketLimit, type RateLimitSetting, type TokenBucket } from '@vellum/core';

export type LimitKind = 'key' | 'tenant';

/** One bucket's standing after a request, for the RateLimit headers. */
export interface BucketStanding {
  kind: LimitKind;
  limit: BucketLimit;
  /** Whole requests that would go through right now. */
  remaining: number;
  /** Milliseconds until the bucket is full again. */
  resetMs: number;
}

export interface Admission {
  allowed: boolean;
  /** The buckets consulted, the key's first; empty when no limit applies to this request. */
  standings: BucketStanding[];
  /** When refused: milliseconds until every bucket that refused would admit the request. */
  retryAfterMs: number;
  /** When refused: `key` if the key's bucket was empty (whatever the tenant's), else `tenant`. */
  refusedBy: LimitKind | null;
}

export interface AdmissionRequest {
  /** Whose bucket: an API key's id (for a viewer token, the key that minted it). */
  key: string;
  /** The key's own limit; null means the server's per-key default. */
  keyLimit: RateLimitSetting | null;
  /** The tenant the request acts on. */
  tenant: string;
}

export interface RequestLimiterOptions {
  /** The default per-key limit; null: keys without their own limit are not limited. */
  perKey: BucketLimit | null;
  /** null: tenants are not limited. */
  perTenant: BucketLimit | null;
  /** Most buckets of each kind kept in memory. */
  maxBuckets: number;
}

/**
 * Counts requests against a key's and a tenant's token bucket together: a request goes through only when
 * both have room, and then takes from both; a refused request takes from neither, so a key that hammers a
 * full tenant does not also drain its own bucket.
 */
export class RequestLimiter {
  readonly #perKey: BucketLimit | null;
  readonly #perTenant: BucketLimit | null;
  readonly #keys: TokenBucketMap;
  readonly #tenants: TokenBucketMap;

  constructor(options: RequestLimiterOptions) {
    this.#perKey = options.perKey;
    this.#perTenant = options.perTenant;
    this.#keys = new TokenBucketMap({ maxBuckets: options.maxBuckets });
    this.#tenants = new TokenBucketMap({ maxBuckets: options.maxBuckets });
  }

  admit(request: AdmissionRequest, now: number): Admission {
    const buckets: Array<{ kind: LimitKind; bucket: TokenBucket }> = [];
    const keyLimit = this.#keyLimit(request);
    if (keyLimit !== null) buckets.push({ kind: 'key', bucket: this.#keys.bucket(request.key, keyLimit, now) });
    if (this.#perTenant !== null) buckets.push({ kind: 'tenant', bucket: this.#tenants.bucket(request.tenant, this.#perTenant, now) });

    const refusals = buckets.map(({ kind, bucket }) => ({ kind, check: bucket.peek(now) })).filter((r) => !r.check.allowed);
    if (refusals.length === 0) {
      const standings = buckets.map(({ kind, bucket }) => standing(kind, bucket, bucket.take(now)));
      return { allowed: true, standings, retryAfterMs: 0, refusedBy: null };
    }
    // Nothing was taken: report what each bucket holds (a take of 0 is a look).
    const standings = buckets.map(({ kind, bucket }) => standing(kind, bucket, bucket.peek(now, 0)));
    return {
      allowed: false,
      standings,
      retryAfterMs: Math.max(...refusals.map((r) => r.check.retryAfterMs)),
      refusedBy: refusals.some((r) => r.kind === 'key') ? 'key' : 'tenant',
    };
  }

  #keyLimit(request: AdmissionRequest): BucketLimit | null {
    return usableLimit(request.keyLimit) ?? this.#perKey;
  }
}

/**
 * A key's own limit as stored, if it can be honoured. The keys API accepts only such limits; a record
 * written some other way with a nonsensical one falls back to the default rather than to no limit at all.
 */
function usableLimit(setting: RateLimitSetting | null): BucketLimit | null {
  if (setting === null) return null;
  const { perSecond, burst } = setting;
  return Number.isFinite(perSecond) && perSecond > 0 && Number.isFinite(burst) && burst >= 1 ? { perSecond, burst } : null;
}

function standing(kind: LimitKind, bucket: TokenBucket, result: { remaining: number; resetMs: number }): BucketStanding {
  return { kind, limit: bucket.limit, remaining: result.remaining, resetMs: result.resetMs };
}

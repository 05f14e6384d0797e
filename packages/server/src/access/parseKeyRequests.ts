import { parseDuration } from '@vellum/core';
import type { ErrorDetail, RateLimitSetting } from '@vellum/core';
import { isPlainObject, VellumError } from '@vellum/core';
import { isScope, type Scope } from '../auth/scopes.ts';
import { isLabel } from './isLabel.ts';
import { reportUnknownProperties } from '../http/reportUnknownProperties.ts';

export interface CreateKeyRequest {
  name: string;
  scopes: Scope[];
  expiresAt: string | null;
  rateLimit: RateLimitSetting | null;
}

const MAX_NAME = 200;
const MAX_TTL_MS = 10 * 365 * 86_400_000;
export const DEFAULT_GRACE_MS = 24 * 3_600_000;
const MAX_GRACE_MS = 30 * 86_400_000;

function asObject(body: unknown, allowed: readonly string[], details: ErrorDetail[]): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (!isPlainObject(body)) {
    details.push({ path: '', message: 'must be a JSON object' });
    return {};
  }
  reportUnknownProperties(body, allowed, '', details);
  return body;
}

function fail(details: ErrorDetail[]): void {
  if (details.length > 0) throw new VellumError('VALIDATION_FAILED', { details });
}

/** POST /v1/keys: every problem listed; `now` turns expiresIn into an absolute expiry. */
export function parseCreateKey(body: unknown, now: number): CreateKeyRequest {
  const details: ErrorDetail[] = [];
  const o = asObject(body, ['name', 'scopes', 'expiresAt', 'expiresIn', 'rateLimit'], details);

  const name = o.name;
  if (!isLabel(name, MAX_NAME)) {
    details.push({ path: '/name', message: `is required: a label of 1 to ${MAX_NAME} characters without control characters` });
  }

  const scopes: Scope[] = [];
  if (!Array.isArray(o.scopes) || o.scopes.length === 0) {
    details.push({ path: '/scopes', message: 'is required: a non-empty array of scopes (events:write, events:read, subscriptions:manage, keys:manage, admin)' });
  } else {
    o.scopes.forEach((s, i) => {
      if (typeof s !== 'string' || !isScope(s)) details.push({ path: `/scopes/${i}`, message: 'must be one of events:write, events:read, subscriptions:manage, keys:manage, admin' });
      else if (scopes.includes(s)) details.push({ path: `/scopes/${i}`, message: 'is listed twice' });
      else scopes.push(s);
    });
  }

  let expiresAt: string | null = null;
  if (o.expiresAt !== undefined && o.expiresIn !== undefined) {
    details.push({ path: '/expiresIn', message: 'give either expiresAt or expiresIn, not both' });
  } else if (o.expiresAt !== undefined && o.expiresAt !== null) {
    const at = typeof o.expiresAt === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(o.expiresAt) ? Date.parse(o.expiresAt) : NaN;
    if (!Number.isFinite(at)) details.push({ path: '/expiresAt', message: 'must be an ISO 8601 date-time such as 2027-01-31T00:00:00Z' });
    else if (at <= now) details.push({ path: '/expiresAt', message: 'must be in the future' });
    else if (at - now > MAX_TTL_MS) details.push({ path: '/expiresAt', message: 'must be within 10 years' });
    else expiresAt = new Date(at).toISOString();
  } else if (o.expiresIn !== undefined) {
    const ms = typeof o.expiresIn === 'string' ? parseDuration(o.expiresIn) : null;
    if (ms === null || ms <= 0 || ms > MAX_TTL_MS) details.push({ path: '/expiresIn', message: 'must be a duration such as 30d, 12h or 15m, at most 10 years' });
    else expiresAt = new Date(now + ms).toISOString();
  }

  const rateLimit = parseRateLimit(o.rateLimit, details);
  fail(details);
  return { name: (name as string).trim(), scopes, expiresAt, rateLimit };
}

function parseRateLimit(raw: unknown, details: ErrorDetail[]): RateLimitSetting | null {
  if (raw === undefined || raw === null) return null;
  if (!isPlainObject(raw)) {
    details.push({ path: '/rateLimit', message: 'must be an object { perSecond, burst } or null for the server default' });
    return null;
  }
  const r = raw;
  reportUnknownProperties(r, ['perSecond', 'burst'], '/rateLimit', details);
  const ok = { perSecond: true, burst: true };
  if (typeof r.perSecond !== 'number' || !(r.perSecond > 0) || r.perSecond > 1_000_000) {
    details.push({ path: '/rateLimit/perSecond', message: 'must be a number above 0 and at most 1,000,000' });
    ok.perSecond = false;
  }
  if (typeof r.burst !== 'number' || !Number.isInteger(r.burst) || r.burst < 1 || r.burst > 10_000_000) {
    details.push({ path: '/rateLimit/burst', message: 'must be a whole number from 1 to 10,000,000' });
    ok.burst = false;
  }
  return ok.perSecond && ok.burst ? { perSecond: r.perSecond as number, burst: r.burst as number } : null;
}

/** POST /v1/keys/:id/rotate: how long the old key keeps working. */
export function parseRotateKey(body: unknown): { graceMs: number } {
  const details: ErrorDetail[] = [];
  const o = asObject(body, ['gracePeriod'], details);
  let graceMs = DEFAULT_GRACE_MS;
  if (o.gracePeriod !== undefined) {
    const ms = typeof o.gracePeriod === 'string' ? parseDuration(o.gracePeriod) : null;
    if (ms === null || ms > MAX_GRACE_MS) details.push({ path: '/gracePeriod', message: 'must be a duration such as 24h, 30m or 0s, at most 30d' });
    else graceMs = ms;
  }
  fail(details);
  return { graceMs };
}

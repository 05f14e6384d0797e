import { ALL_TENANTS, VellumError } from '@vellum/core';
import type { RawQuery, TenantScope } from '@vellum/core';
import { isTenantId, type AuthContext } from './authenticate.ts';

/**
 * The tenant a read covers. `tenant=` in the query is for admins: another tenant's id, or `*` for the
 * system-wide trail. Any other key may only name its own tenant. Returns the query without `tenant`, so
 * the core parsers (which refuse unknown parameters) never see it.
 */
export function resolveReadTenant(auth: AuthContext, raw: RawQuery): { tenant: TenantScope; query: RawQuery } {
  const { tenant: requested, ...query } = raw;
  if (requested === undefined) return { tenant: auth.tenant, query };
  if (Array.isArray(requested)) {
    throw new VellumError('VALIDATION_FAILED', { details: [{ path: '/query/tenant', message: 'must be given once' }] });
  }
  if (requested === ALL_TENANTS || requested !== auth.keyTenant) {
    if (!auth.admin) {
      throw new VellumError('FORBIDDEN', { message: 'Only an admin key may read another tenant or the system-wide trail.' });
    }
  }
  if (requested !== ALL_TENANTS && !isTenantId(requested)) {
    throw new VellumError('VALIDATION_FAILED', {
      details: [{ path: '/query/tenant', message: 'must be a tenant id (letters, digits, _ . : -) or * for every tenant' }],
    });
  }
  return { tenant: requested, query };
}

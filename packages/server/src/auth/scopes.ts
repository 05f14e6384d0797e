/** What a key may do (DESIGN.md, "HTTP API"). `admin` may do everything, for every tenant. */
export const SCOPES = ['events:write', 'events:read', 'subscriptions:manage', 'keys:manage', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * What a route requires: one scope, or `authenticated` — any valid credential, whatever its scopes (only
 * `GET /v1/keys/self`, which tells a caller about its own key).
 */
export type RouteScope = Scope | 'authenticated';

export const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);
export const isRouteScope = (s: string): s is RouteScope => s === 'authenticated' || isScope(s);

export function hasScope(granted: readonly string[], required: RouteScope): boolean {
  return required === 'authenticated' || granted.includes('admin') || granted.includes(required);
}

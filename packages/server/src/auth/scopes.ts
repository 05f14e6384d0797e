/** What a key may do (DESIGN.md, "HTTP API"). `admin` may do everything, for every tenant. */
export const SCOPES = ['events:write', 'events:read', 'subscriptions:manage', 'keys:manage', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);

export function hasScope(granted: readonly string[], required: Scope): boolean {
  return granted.includes('admin') || granted.includes(required);
}

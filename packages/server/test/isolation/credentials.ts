/**
 * Who knocks: every credential acme can hold, and what each must be answered. The rules are written out
 * here from DESIGN.md ("HTTP API") rather than imported from the auth code, so the matrix checks that code
 * instead of agreeing with it by construction.
 */
import type { Expect, Variant } from './routeTable.ts';
import { status } from './routeTable.ts';
import type { AcmeScope, World } from './seedWorld.ts';
import { ADMIN_KEY } from '../support/testApp.ts';
import { FOREIGN } from './seedWorld.ts';

export interface Credential {
  name: string;
  kind: 'none' | 'key' | 'viewer';
  scopes: readonly string[];
  /** A viewer token limited to acme's actor: its reads are narrowed further. */
  restricted: boolean;
  headers(w: World): Record<string, string>;
}

const bearer = (secret: string): Record<string, string> => ({ authorization: `Bearer ${secret}` });
const keyFor = (scope: AcmeScope): Credential => ({
  name: `acme key [${scope}]`,
  kind: 'key',
  scopes: [scope],
  restricted: false,
  headers: (w) => bearer(w.acmeKeys[scope].secret),
});

export const CREDENTIALS: readonly Credential[] = [
  { name: 'no credential', kind: 'none', scopes: [], restricted: false, headers: () => ({}) },
  keyFor('events:write'),
  keyFor('events:read'),
  keyFor('subscriptions:manage'),
  keyFor('keys:manage'),
  { name: 'acme viewer token', kind: 'viewer', scopes: ['events:read'], restricted: false, headers: (w) => bearer(w.viewerToken) },
  { name: 'acme viewer token [actor acme-1]', kind: 'viewer', scopes: ['events:read'], restricted: true, headers: (w) => bearer(w.restrictedViewerToken) },
];

/** The positive control: the one credential allowed to see globex, acting on it. */
export const ADMIN_ON_FOREIGN = { name: 'admin key, Vellum-Tenant: globex', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'vellum-tenant': FOREIGN } } as const;

const READ_ONLY_METHODS = new Set(['GET', 'HEAD']);

/**
 * The answer a cell must get. No credential: 401. A key without the route's scope: 403. A viewer token
 * outside reads (any non-GET, any scope but events:read or `authenticated`): 403. Otherwise the variant's
 * own expectation — which for values naming another tenant is a 403 too.
 */
export function expectedFor(scope: string, method: string, credential: Credential, variant: Variant): Expect {
  if (scope === 'public') return variant.expect;
  if (credential.kind === 'none') return status(401);
  if (credential.kind === 'viewer') {
    if (!READ_ONLY_METHODS.has(method) || (scope !== 'events:read' && scope !== 'authenticated')) return status(403);
  } else if (scope !== 'authenticated' && !credential.scopes.includes(scope) && !credential.scopes.includes('admin')) {
    return status(403);
  }
  return credential.restricted && variant.restricted !== undefined ? variant.restricted : variant.expect;
}

export function statusMatches(expect: Expect, code: number): boolean {
  return expect.codes === 'success' ? code >= 200 && code < 300 : expect.codes.includes(code);
}

export function describeExpect(expect: Expect): string {
  const codes = expect.codes === 'success' ? '2xx' : expect.codes.join(' or ');
  return expect.empty === true ? `${codes}, empty` : codes;
}

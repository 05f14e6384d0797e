import { randomBytes } from 'node:crypto';
import { sharedPlugin } from '../http/definePlugin.ts';
import { authenticate, KeyResolver } from './authenticate.ts';
import { ensureBootstrapKey, ensureBuiltInTenants } from './ensureBootstrapKey.ts';
import { isRouteScope, type RouteScope } from './scopes.ts';
import { KeyUsageRecorder } from './KeyUsageRecorder.ts';
import { TenantDirectory } from './TenantDirectory.ts';
import { createViewerTokenService, VIEWER_TOKEN_SECRET_NAME } from './viewerTokens.ts';

export interface AuthPluginOptions {
  bootstrapKey: string | null;
  /** Where the one-time bootstrap key block is written (stdout by default; never the logger). */
  announce?: (text: string) => void;
  /**
   * How long a resolved key is trusted without asking the store again. Kept under a second so a key
   * revoked on one node stops working on every node within 1 s.
   */
  cacheTtlMs?: number;
  /** How often last-used times and request counts are written. */
  usageFlushMs?: number;
}

/**
 * API keys and viewer tokens. Every route must declare `config.scope` (or `config.public`): a route without
 * one fails the start-up, so an endpoint cannot ship unprotected by omission. Runs in onRequest, before the
 * body is read, so an anonymous caller cannot make the server parse anything.
 */
export const authPlugin = sharedPlugin<AuthPluginOptions>('vellum-auth', async (app, options) => {
  if (!app.hasDecorator('store')) throw new Error('vellum-auth needs the vellum-store plugin registered first');
  const keys = new KeyResolver(app.store, { cacheTtlMs: options.cacheTtlMs ?? 500, now: app.clock });
  const tenants = new TenantDirectory(app.store);
  const usage = new KeyUsageRecorder(app.store, {
    intervalMs: options.usageFlushMs ?? 1_000,
    onError: (err) => app.log.warn({ err }, 'could not record API key usage'),
  });
  const secret = await app.store.getOrCreateSecret(VIEWER_TOKEN_SECRET_NAME, randomBytes(32).toString('base64url'));
  const viewerTokens = createViewerTokenService(Buffer.from(secret, 'base64url'));

  app.decorate('keyResolver', keys);
  app.decorate('tenants', tenants);
  app.decorate('viewerTokens', viewerTokens);

  const routeScopes = new Map<string, RouteScope | 'public'>();
  app.decorate('routeScopes', routeScopes);
  app.addHook('onRoute', (route) => {
    const config = route.config as { scope?: unknown; public?: unknown } | undefined;
    const name = `${String(route.method)} ${route.url}`;
    if (config?.public === true) {
      routeScopes.set(name, 'public');
      return;
    }
    if (typeof config?.scope !== 'string' || !isRouteScope(config.scope)) {
      throw new Error(`route ${name} declares no valid scope (config.scope) and is not public`);
    }
    routeScopes.set(name, config.scope);
  });

  app.decorateRequest('auth', null as never);
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    // Unmatched URLs reach the not-found handler, which reveals nothing; public routes need no key.
    if (request.is404 || config.public === true) return;
    const now = app.clock();
    const auth = await authenticate(request.headers, config.scope!, { keys, viewerTokens }, now);
    if (auth.tenant !== auth.keyTenant) await tenants.requireExisting(auth.tenant);
    if (auth.kind === 'key') usage.note(auth.keyId, now);
    request.auth = auth;
  });
  app.addHook('onClose', async () => {
    await usage.close();
  });

  await ensureBuiltInTenants(app.store, app.clock());
  const result = await ensureBootstrapKey({
    keys: app.store,
    bootstrapKey: options.bootstrapKey,
    announce: options.announce ?? ((text) => process.stdout.write(text)),
    now: app.clock,
  });
  if (result.created) app.log.info({ keyId: result.keyId, generated: result.generated }, 'created the bootstrap admin key');
});

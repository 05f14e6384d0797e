import { sharedPlugin } from '../http/definePlugin.ts';
import { authenticate, KeyResolver } from './authenticate.ts';
import { ensureBootstrapKey } from './ensureBootstrapKey.ts';
import { isScope, type Scope } from './scopes.ts';

export interface AuthPluginOptions {
  bootstrapKey: string | null;
  /** Where the one-time bootstrap key block is written (stdout by default; never the logger). */
  announce?: (text: string) => void;
  /** How long a resolved key is trusted without asking the store again. */
  cacheTtlMs?: number;
}

/**
 * API keys. Every route must declare `config.scope` (or `config.public`): a route without one fails the
 * start-up, so an endpoint cannot ship unprotected by omission. Runs in onRequest, before the body is read,
 * so an anonymous caller cannot make the server parse anything.
 */
export const authPlugin = sharedPlugin<AuthPluginOptions>('vellum-auth', async (app, options) => {
  if (!app.hasDecorator('store')) throw new Error('vellum-auth needs the vellum-store plugin registered first');
  const resolver = new KeyResolver(app.store, { cacheTtlMs: options.cacheTtlMs ?? 5_000, now: app.clock });

  const routeScopes = new Map<string, Scope | 'public'>();
  app.decorate('routeScopes', routeScopes);
  app.addHook('onRoute', (route) => {
    const config = route.config as { scope?: unknown; public?: unknown } | undefined;
    const name = `${String(route.method)} ${route.url}`;
    if (config?.public === true) {
      routeScopes.set(name, 'public');
      return;
    }
    if (typeof config?.scope !== 'string' || !isScope(config.scope)) {
      throw new Error(`route ${name} declares no valid scope (config.scope) and is not public`);
    }
    routeScopes.set(name, config.scope);
  });

  app.decorateRequest('auth', null as never);
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    // Unmatched URLs reach the not-found handler, which reveals nothing; public routes need no key.
    if (request.is404 || config.public === true) return;
    request.auth = await authenticate(request.headers, config.scope!, resolver, app.clock());
  });

  const result = await ensureBootstrapKey({
    keys: app.store,
    bootstrapKey: options.bootstrapKey,
    announce: options.announce ?? ((text) => process.stdout.write(text)),
    now: app.clock,
  });
  if (result.created) app.log.info({ keyId: result.keyId, generated: result.generated }, 'created the bootstrap admin key');
});

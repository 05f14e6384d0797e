/**
 * Fastify plugin: attaches the request's context (actor, ip, user agent, route, source, request and correlation
 * ids) to every event recorded while the request is handled, including async work it starts.
 */
import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify';
import type { VellumClient } from '../client/VellumClient.ts';
import { withContext } from './requestContext.ts';
import type { ContextProvider } from './requestContext.ts';
import { baseContext } from './requestFacts.ts';
import type { MiddlewareOptions } from './requestFacts.ts';

export interface VellumFastifyOptions extends MiddlewareOptions<FastifyRequest> {
  /** The route name for events. Default `METHOD /pattern` (`PUT /policies/:id`). */
  route?: (request: FastifyRequest) => string | undefined;
  /**
   * When the Fastify app closes, wait up to this long for the events recorded so far to be acknowledged (the
   * client stays open: it may serve other apps; close it yourself). 0 skips the wait. Default 5000 ms.
   */
  flushOnCloseMs?: number;
}

/**
 * @example
 * app.register(vellumFastify(client, { actor: (req) => req.user && { type: 'user', id: req.user.id },
 *   sources: [{ pathPrefix: '/admin', source: 'ui' }] }));
 */
export function vellumFastify(client: VellumClient, options: VellumFastifyOptions = {}): FastifyPluginCallback {
  const providers = new WeakMap<FastifyRequest, ContextProvider>();
  const plugin: FastifyPluginCallback = (app: FastifyInstance, _opts, done) => {
    const flushOnCloseMs = options.flushOnCloseMs ?? 5000;
    if (flushOnCloseMs > 0) {
      // Whatever was not acknowledged in time stays in the outbox for the next start; a shutdown must not hang on it.
      app.addHook('onClose', async () => {
        await client.flush({ timeoutMs: flushOnCloseMs }).catch(() => undefined);
      });
    }
    app.addHook('onRequest', (request, _reply, next) => {
      const base = baseContext(request, {
        path: request.url.split('?')[0] ?? '/',
        headers: request.headers,
        ip: request.ip,
        frameworkRequestId: request.id,
      }, options);
      const provider: ContextProvider = () => {
        const actor = options.actor?.(request);
        const pattern = request.routeOptions?.url;
        const route = options.route ? options.route(request) : pattern === undefined ? undefined : `${request.method} ${pattern}`;
        return { ...base, ...(actor === undefined ? {} : { actor }), ...(route === undefined ? {} : { route }) };
      };
      providers.set(request, provider);
      withContext(provider, next);
    });
    // Enter the context again after body parsing: a content-type parser that resumes on socket events would
    // otherwise run the handler outside it (Fastify's own JSON parser keeps it; the tests use a real socket).
    app.addHook('preValidation', (request, _reply, next) => {
      const provider = providers.get(request);
      if (provider === undefined) next();
      else withContext(provider, next);
    });
    done();
  };
  // Like fastify-plugin: the hooks apply to the routes of the app that registers the plugin, not just inside it.
  const marked = plugin as FastifyPluginCallback & Record<symbol, unknown>;
  marked[Symbol.for('skip-override')] = true;
  marked[Symbol.for('fastify.display-name')] = 'vellum-context';
  return plugin;
}

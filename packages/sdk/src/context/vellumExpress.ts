/**
 * Express middleware: the same request context as vellumFastify. Mount it after body parsers (express.json()),
 * so the handlers run inside its context, and before your routes.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { VellumClient } from '../client/VellumClient.ts';
import { withContext } from './requestContext.ts';
import type { ContextProvider } from './requestContext.ts';
import { baseContext } from './requestFacts.ts';
import type { MiddlewareOptions } from './requestFacts.ts';

export interface VellumExpressOptions extends MiddlewareOptions<Request> {
  /** The route name for events. Default `METHOD /pattern` once Express has routed the request (`PUT /policies/:id`). */
  route?: (request: Request) => string | undefined;
}

/**
 * @example
 * app.use(express.json());
 * app.use(vellumExpress(client, { actor: (req) => req.user && { type: 'user', id: String(req.user.id) } }));
 */
export function vellumExpress(client: VellumClient, options: VellumExpressOptions = {}): RequestHandler {
  return (request: Request, response: Response, next: NextFunction): void => {
    response.locals['vellum'] = client;
    const base = baseContext(request, { path: request.path, headers: request.headers, ip: request.ip, frameworkRequestId: undefined }, options);
    const provider: ContextProvider = () => {
      const actor = options.actor?.(request);
      // req.route is set only once a route matched, which is after this middleware: read it when recording.
      const routePath: unknown = (request.route as { path?: unknown } | undefined)?.path;
      const route = options.route
        ? options.route(request)
        : typeof routePath === 'string' ? `${request.method} ${request.baseUrl}${routePath}` : undefined;
      return { ...base, ...(actor === undefined ? {} : { actor }), ...(route === undefined ? {} : { route }) };
    };
    withContext(provider, () => next());
  };
}

import { VellumError } from '@vellum/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sharedPlugin } from './definePlugin.ts';
import { toVellumError } from './toVellumError.ts';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * Every error leaves as `{ error: { code, message, details? } }` from the registry. Server faults are
 * logged with their stack; client errors only by code — their messages and details may quote the body.
 */
export const errorsPlugin = sharedPlugin('vellum-errors', async (app) => {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const error = toVellumError(err);
    if (error.status >= 500) {
      request.log.error({ err: error.code === 'INTERNAL' ? err : error.cause ?? error, code: error.code }, 'request failed');
    } else {
      request.log.debug({ code: error.code }, 'request refused');
    }
    return sendError(reply, error);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    const allowed = METHODS.filter((method) => method !== request.method && app.findRoute({ method, url: path }) !== null);
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendError(reply, new VellumError('METHOD_NOT_ALLOWED'));
    }
    return sendError(reply, new VellumError('ROUTE_NOT_FOUND'));
  });
});

export function sendError(reply: FastifyReply, error: VellumError): FastifyReply {
  if (error.retryAfter !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfter))));
  return reply.code(error.status).type('application/json; charset=utf-8').send(error.toJSON());
}

import type { FastifyInstance, FastifyPluginAsync } from 'fastify';

/**
 * A named plugin whose decorations and hooks reach the whole app (what fastify-plugin does, without the
 * dependency): for features others build on — store, auth, metrics, errors.
 */
export function sharedPlugin<Options extends object>(
  name: string,
  fn: (app: FastifyInstance, options: Options) => Promise<void>,
): FastifyPluginAsync<Options> {
  return Object.assign(fn, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: name }) as FastifyPluginAsync<Options>;
}

/** A named plugin kept to itself: for route groups, whose hooks must not leak onto other routes. */
export function routesPlugin<Options extends object>(
  name: string,
  fn: (app: FastifyInstance, options: Options) => Promise<void>,
): FastifyPluginAsync<Options> {
  return Object.assign(fn, { [Symbol.for('fastify.display-name')]: name }) as FastifyPluginAsync<Options>;
}

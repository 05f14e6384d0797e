import { VellumError } from '@vellum/core';
import { sharedPlugin } from './definePlugin.ts';

/**
 * Graceful shutdown's first step: from preClose on, requests still arriving on kept-alive connections get
 * our 503 SHUTTING_DOWN (Fastify's own 503 body is not our error format) while in-flight ones finish.
 */
export const lifecyclePlugin = sharedPlugin('vellum-lifecycle', async (app) => {
  let closing = false;
  app.decorate('shuttingDown', () => closing);
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing) throw new VellumError('SHUTTING_DOWN', { retryAfter: 1 });
  });
});

import type { Socket } from 'node:net';
import { VellumError } from '@vellum/core';
import { sharedPlugin } from './definePlugin.ts';

/**
 * Graceful shutdown's first step: from preClose on, requests still arriving on kept-alive connections get
 * our 503 SHUTTING_DOWN (Fastify's own 503 body is not our error format) while in-flight ones finish.
 *
 * Connections that never sent a request are closed at once. Node's fetch opens such a spare connection after a
 * client aborts a stream it was reading (a live stream's usual end), and the server's own idle sweep does not count
 * it as idle: shutdown would wait for it until the headers timeout.
 */
export const lifecyclePlugin = sharedPlugin('vellum-lifecycle', async (app) => {
  let closing = false;
  const unused = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  const used = (request: { socket: Socket }): void => void unused.delete(request.socket);
  app.server.on('request', used);
  // A WebSocket's first request is an upgrade, not a 'request'.
  app.server.on('upgrade', used);
  app.decorate('shuttingDown', () => closing);
  app.addHook('preClose', async () => {
    closing = true;
    for (const socket of unused) socket.destroy();
  });
  app.addHook('onRequest', async () => {
    if (closing) throw new VellumError('SHUTTING_DOWN', { retryAfter: 1 });
  });
});

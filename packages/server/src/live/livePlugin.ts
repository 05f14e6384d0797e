import websocket from '@fastify/websocket';
import { encodeCursor, VellumError } from '@vellum/core';
import type { RawQuery, StoredEvent } from '@vellum/core';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { routesPlugin } from '../http/definePlugin.ts';
import { LiveConnection } from './LiveConnection.ts';
import { LiveHub } from './LiveHub.ts';
import type { LiveCloseReason, LiveSink } from './LiveConsumer.ts';
import { parseLiveParams, type LiveParams } from './parseLiveParams.ts';
import { sseSchema, wsSchema } from './liveSchemas.ts';

/** Each server's hub, for tests that check nothing is left behind after clients go away. */
export const liveHubs = new WeakMap<object, LiveHub>();

/** Bytes queued on a WebSocket before the stream waits for them to reach the kernel. */
const WS_HIGH_WATER = 64 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    live?: LiveParams & { reserved: boolean };
  }
}

/**
 * GET /v1/live (Server-Sent Events) and GET /v1/ws (WebSocket): a tenant's new events as they commit, with
 * the search filters, resumable by position. The fan-out (one shared tail per tenant, bounded per-consumer
 * buffers, catch-up from the store) lives in LiveHub; this plugin only parses, authorises and frames.
 */
export const livePlugin = routesPlugin('vellum-live', async (app) => {
  const { store, personalData, metrics, logSignal } = app;
  // The tail hands the same event objects to every consumer of a tenant: frame and UTF-8 encode each event once
  // per transport, not once per subscriber (a profile at 1,000 subscribers spent a sixth of the server's time
  // re-encoding the same strings). Weak, so a frame is forgotten with the last buffer holding its event.
  const sseFrames = new WeakMap<StoredEvent, Buffer>();
  const sseFrameOf = (event: StoredEvent): Buffer => {
    let frame = sseFrames.get(event);
    if (frame === undefined) {
      frame = Buffer.from(`id: ${event.position}\nevent: audit\ndata: ${JSON.stringify(event)}\n\n`);
      sseFrames.set(event, frame);
    }
    return frame;
  };
  const wsMessages = new WeakMap<StoredEvent, Buffer>();
  const wsMessageOf = (event: StoredEvent): Buffer => {
    let message = wsMessages.get(event);
    if (message === undefined) {
      message = Buffer.from(`{"type":"event","position":${event.position},"event":${JSON.stringify(event)}}`);
      wsMessages.set(event, message);
    }
    return message;
  };
  const config = app.vellumConfig.live;
  const hub = new LiveHub({
    source: {
      async readAfter(tenant, after, limit) {
        const page = await store.search(tenant, { order: 'asc', cursor: encodeCursor({ k: after }), limit });
        return personalData.open(page.events);
      },
      headPosition: (tenant) => store.headPosition(tenant),
    },
    async read(tenant, after, filter, limit) {
      const page = await store.search(tenant, { ...filter, order: 'asc', cursor: encodeCursor({ k: after }), limit });
      return { events: await personalData.open(page.events), more: page.nextCursor !== null && page.nextCursor !== undefined };
    },
    signal: logSignal,
    bufferEvents: config.bufferEvents,
    maxLagEvents: config.maxLagEvents,
    maxConnectionsPerKey: config.maxConnectionsPerKey,
    crossNodeSignals: () => logSignal.hearsOtherNodes,
    metrics: {
      connections: (delta, transport) => metrics.liveConnections.inc({ transport }, delta),
      catchingUp: (delta) => metrics.liveCatchingUp.inc(delta),
      sent: (count, transport) => metrics.liveEventsSent.inc({ transport }, count),
      lagClosed: () => metrics.liveLagClosed.inc(),
    },
    onError: (err) => app.log.error({ err }, 'live stream: reading the log failed'),
  });
  liveHubs.set(app.server, hub);
  // Before the WebSocket plugin's own preClose (registered below) closes sockets bluntly: every client
  // first hears where to resume, and no stream holds the server's close.
  app.addHook('preClose', async () => hub.close());

  await app.register(websocket, { options: { maxPayload: 4 * 1024 } });

  /** Parses (every problem listed, before any stream starts) and takes a connection slot. */
  const prepare = async (request: FastifyRequest): Promise<void> => {
    const lastEventId = request.headers['last-event-id'];
    const params = parseLiveParams(request.auth, request.query as RawQuery, lastEventId);
    if (params.after !== null) {
      const head = await store.headPosition(params.tenant);
      if (params.after > head) {
        throw new VellumError('VALIDATION_FAILED', {
          details: [{ path: params.afterFrom === 'header' ? '/headers/last-event-id' : '/query/from', message: `is past the log's head (${head})` }],
        });
      }
    }
    if (!hub.reserve(request.auth.keyId)) {
      metrics.rateLimited.inc({ limit: 'live' });
      throw new VellumError('RATE_LIMITED', {
        message: `This key already holds ${config.maxConnectionsPerKey} live streams on this node (live.maxConnectionsPerKey); close one first.`,
        retryAfter: 1,
      });
    }
    request.live = { ...params, reserved: true };
  };
  const unreserve = (request: FastifyRequest): void => {
    if (request.live?.reserved !== true) return;
    request.live.reserved = false;
    hub.unreserve(request.auth.keyId);
  };
  /** The `audit: 'viewer'` self-audit, recorded when a stream opens (hijacked replies skip onResponse). */
  const recordViewerRead = (request: FastifyRequest, route: string, status: number): void => {
    if (request.auth.kind !== 'viewer') return;
    void app.audit
      .record(request, { type: 'vellum.viewer.read', action: 'read', data: { route, queryParameters: Object.keys((request.query ?? {}) as object), status } })
      .catch((err: unknown) => app.log.error({ err }, 'could not record a security event'));
  };
  const startAfter = async (params: LiveParams): Promise<number> => params.after ?? (await hub.head(params.tenant));

  /** Opens the hub stream of a connection; the stream takes over the preHandler's slot. */
  const openStream = (conn: LiveConnection, request: FastifyRequest, sink: LiveSink, transport: 'sse' | 'ws') => {
    const params = request.live!;
    return conn.open(
      () => startAfter(params),
      async (start) => {
        const stream = await hub.open({ tenant: params.tenant, keyId: request.auth.keyId, filter: params.filter, start, sink, transport });
        params.reserved = false;
        return stream;
      },
    );
  };

  app.get('/v1/live', { config: { scope: 'events:read', audit: 'viewer' }, schema: sseSchema, preHandler: prepare }, async (request, reply) => {
    // Frames go straight to the response (no intermediate stream: each hop costs per write, times every subscriber).
    const raw = reply.raw;
    const conn = new LiveConnection(() => unreserve(request));
    // The response's close, not the request's: a GET request "closes" as soon as its (empty) body is read.
    raw.once('close', conn.finish);
    // Gone already (between the slot being taken and here): 'close' will not fire again.
    if (raw.destroyed || request.raw.socket?.destroyed === true) conn.finish();
    const sink: LiveSink = {
      // One chunk per write: the events' frames, already encoded.
      write: (events) => raw.write(events.length === 1 ? sseFrameOf(events[0]!) : Buffer.concat(events.map(sseFrameOf))),
      onDrain: (fn) => raw.once('drain', fn),
      close: (reason: LiveCloseReason, resumeFrom: number) => {
        if (raw.headersSent) raw.end(`event: closed\ndata: ${JSON.stringify({ reason, resumeFrom })}\n\n`);
        conn.finish();
      },
    };
    const opened = await openStream(conn, request, sink, 'sse');
    if (opened === null) return reply.send('');
    // Written by hand: a stream has no "response sent" moment for onResponse hooks (a client that leaves
    // aborts it), so the viewer self-audit is recorded here, when the stream opens, as for WebSockets.
    reply.hijack();
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    // A comment first: proxies and EventSource see the stream open at once, before the first event.
    raw.write(`: vellum live stream, after position ${opened.start}\nretry: 2000\n\n`);
    conn.heartbeat(config.heartbeatSeconds, () => raw.write(': heartbeat\n\n'));
    recordViewerRead(request, '/v1/live', 200);
    opened.stream.consumer.start();
  });

  app.route({
    method: 'GET',
    url: '/v1/ws',
    config: { scope: 'events:read', audit: 'viewer' },
    schema: wsSchema,
    preHandler: async (request) => {
      // Only an upgrade takes a slot; a plain GET is answered 426 by the handler below.
      if ((request as FastifyRequest & { ws?: boolean }).ws === true) await prepare(request);
    },
    handler: async () => {
      throw new VellumError('VALIDATION_FAILED', {
        message: 'GET /v1/ws is a WebSocket: send an Upgrade request.',
        details: [{ path: '/headers/upgrade', message: 'must be websocket' }],
      });
    },
    wsHandler: (socket: WebSocket, request: FastifyRequest) => {
      const conn = new LiveConnection(() => unreserve(request));
      let inflight = 0;
      let drained: (() => void) | null = null;
      socket.once('close', conn.finish);
      socket.on('error', () => socket.terminate());
      // The client has nothing to say; anything it sends is ignored (maxPayload bounds it).
      const sink: LiveSink = {
        write(events) {
          // One message per event (the protocol), but one write to the socket for all of them.
          const raw = (socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
          raw?.cork();
          for (const event of events) {
            const message = wsMessageOf(event);
            const bytes = message.length;
            inflight += bytes;
            socket.send(message, { binary: false }, () => {
              inflight -= bytes;
              if (inflight < WS_HIGH_WATER / 2 && drained !== null) {
                const fn = drained;
                drained = null;
                fn();
              }
            });
          }
          raw?.uncork();
          return inflight < WS_HIGH_WATER;
        },
        onDrain(fn) {
          drained = fn;
        },
        close(reason, resumeFrom) {
          if (socket.readyState === socket.OPEN) {
            socket.send(JSON.stringify({ type: 'closed', reason, resumeFrom }));
            socket.close(reason === 'shutting-down' ? 1001 : reason === 'lagging' ? 4008 : 1011, reason);
          }
          conn.finish();
        },
      };
      openStream(conn, request, sink, 'ws').then(
        (opened) => {
          if (opened === null) return;
          recordViewerRead(request, '/v1/ws', 101);
          conn.heartbeat(config.heartbeatSeconds, () => socket.ping());
          opened.stream.consumer.start();
        },
        (err: unknown) => {
          app.log.error({ err }, 'live stream: could not open a WebSocket stream');
          if (socket.readyState === socket.OPEN) socket.close(1011, 'error');
        },
      );
    },
  });
});

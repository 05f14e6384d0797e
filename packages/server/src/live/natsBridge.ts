import { createHash, randomBytes } from 'node:crypto';
import { connect, Events, type NatsConnection } from 'nats';
import type { FastifyBaseLogger } from 'fastify';
import type { TenantAdvance } from '../ingest/GroupCommitWriter.ts';

/** The store secret every node of one deployment shares; the NATS subject is derived from it. */
export const LIVE_SUBJECT_SECRET = 'live-nats-subject';

/**
 * The subject this deployment's nodes tell each other about commits on. Derived from a store secret, so
 * two Vellums sharing one NATS server (staging and production, say) never hear each other's advances; the
 * hash keeps the secret itself off the wire.
 */
export async function liveSubject(store: { getOrCreateSecret(name: string, candidate: string): Promise<string> }): Promise<string> {
  const secret = await store.getOrCreateSecret(LIVE_SUBJECT_SECRET, randomBytes(32).toString('base64url'));
  return `vellum.live.${createHash('sha256').update(`vellum-live-subject:${secret}`).digest('hex').slice(0, 32)}`;
}

export interface NatsBridge {
  /** True while connected: advances from other nodes arrive, so nobody needs to poll. */
  connected(): boolean;
  publish(advance: TenantAdvance): void;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 1_024;
/** Between attempts at the first connection. */
const RETRY_MS = 2_000;

/**
 * One small message per commit per tenant on NATS core (no JetStream: a lost message only delays a reader
 * until the next one or the fallback poll, never loses an event, because readers read from the store).
 * The connection is opened in the background and retried forever: NATS down at start (or later) never
 * stops the server; live streams then progress through the poll.
 */
export function startNatsBridge(options: { url: string; subject: string; log: FastifyBaseLogger; onAdvance(advance: TenantAdvance): void }): NatsBridge {
  const { url, subject, log } = options;
  let nc: NatsConnection | null = null;
  let up = false;
  let closed = false;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  let retry: NodeJS.Timeout | null = null;
  let warned = false;

  const listen = async (conn: NatsConnection): Promise<void> => {
    nc = conn;
    up = true;
    log.info('live streams: NATS connected, advances are shared with other nodes');
    const sub = conn.subscribe(subject);
    void (async () => {
      for await (const status of conn.status()) {
        if (status.type === Events.Disconnect) {
          up = false;
          log.warn("live streams: NATS disconnected; polling the store for other nodes' commits until it is back");
        } else if (status.type === Events.Reconnect) {
          up = true;
          log.info('live streams: NATS reconnected');
        }
      }
    })().catch(() => undefined);
    for await (const msg of sub) {
      if (msg.data.length > MAX_MESSAGE_BYTES) continue;
      try {
        const body = JSON.parse(decoder.decode(msg.data)) as { t?: unknown; h?: unknown };
        if (typeof body.t === 'string' && Number.isSafeInteger(body.h) && (body.h as number) > 0) {
          options.onAdvance({ tenant: body.t, head: body.h as number });
        }
      } catch {
        // Not one of ours: ignored.
      }
    }
  };

  // Our own retry for the first connection (rather than the client's waitOnFirstConnect), so that close()
  // can cancel it: a node shut down while NATS is unreachable leaves no attempt running behind it.
  const attempt = (): void => {
    retry = null;
    connect({
      servers: url,
      name: 'vellum-live',
      // Our own advances reach our listeners directly; hearing them again would only cost a read.
      noEcho: true,
      // Once connected, outages are the client's business: it reconnects for ever.
      reconnect: true,
      maxReconnectAttempts: -1,
      timeout: 2_000,
    }).then(
      async (conn) => {
        if (closed) {
          await conn.close();
          return;
        }
        await listen(conn);
      },
      (err: unknown) => {
        if (closed) return;
        if (!warned) {
          warned = true;
          log.warn({ error: String(err).slice(0, 200) }, 'live streams: could not connect to NATS; polling the store instead, and retrying');
        }
        retry = setTimeout(attempt, RETRY_MS);
        retry.unref();
      },
    );
  };
  attempt();

  return {
    connected: () => up && !closed,
    publish(advance) {
      if (nc === null || closed) return;
      try {
        nc.publish(subject, encoder.encode(JSON.stringify({ t: advance.tenant, h: advance.head })));
      } catch {
        // Disconnected past the reconnect buffer: the fallback poll covers it.
      }
    },
    async close() {
      closed = true;
      up = false;
      const conn = nc;
      nc = null;
      if (retry !== null) clearTimeout(retry);
      if (conn !== null) await conn.close().catch(() => undefined);
    },
  };
}

/**
 * A real `vellum serve` on a fresh SQLite store for SDK tests, with what the tests ask of it: every stored
 * event (read back through the API), a restart on the same port and store, and a scratch directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { StoredEvent } from '@vellum/core';
import { generateApiKey } from '../../../server/src/auth/generateApiKey.ts';
import { spawnServer } from '../../../server/test/support/spawnServer.ts';
import type { RunningServer } from '../../../server/test/support/spawnServer.ts';

/** The tests drive one key hard on purpose; a 429 would only hide what they test. */
const NO_RATE_LIMITS = { VELLUM_RATE_LIMIT_PER_SECOND: '0', VELLUM_TENANT_RATE_LIMIT_PER_SECOND: '0' };

export interface TestVellum {
  url: string;
  key: string;
  dir: string;
  server: RunningServer;
  /** Every event of the default tenant, oldest first. */
  allEvents(filter?: Record<string, string>): Promise<StoredEvent[]>;
  /** Graceful stop; the port stays reserved for start(). */
  stop(): Promise<void>;
  /** Starts the server again on the same port and store. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startVellum(): Promise<TestVellum> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vellum-sdk-'));
  const key = generateApiKey();
  const port = await freePort();
  const store = `sqlite:${path.join(dir, 'vellum.db')}`;
  const launch = (): Promise<RunningServer> => spawnServer({ store, key, env: NO_RATE_LIMITS, args: ['--port', String(port)], timeoutMs: 90_000 });
  const t: TestVellum = {
    url: `http://127.0.0.1:${port}`,
    key,
    dir,
    server: await launch(),
    async allEvents(filter = {}) {
      const out: StoredEvent[] = [];
      let cursor: string | undefined;
      for (;;) {
        const q = new URLSearchParams({ limit: '1000', order: 'asc', ...filter, ...(cursor ? { cursor } : {}) });
        const res = await fetch(`${t.url}/v1/events?${q}`, { headers: { authorization: `Bearer ${key}` } });
        if (!res.ok) throw new Error(`search failed: ${res.status} ${await res.text()}`);
        const page = (await res.json()) as { events: StoredEvent[]; nextCursor: string | null };
        out.push(...page.events);
        if (!page.nextCursor || page.events.length === 0) return out;
        cursor = page.nextCursor;
      }
    },
    async stop() {
      await t.server.stop();
    },
    async start() {
      t.server = await launch();
    },
    async dispose() {
      await t.server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (!t.server.url.endsWith(`:${port}`)) throw new Error(`server listens on ${t.server.url}, not port ${port}`);
  return t;
}

import { afterAll, beforeAll, expect } from 'vitest';
import { runCli } from '../../src/cli/runCli.ts';
import { ADMIN_KEY, makeTestApp, tempSqliteStore, type TestApp } from './testApp.ts';
import { captureIO } from './captureIO.ts';

export interface CliHarness {
  /** Runs `vellum <args>` in-process against the server, with VELLUM_URL and VELLUM_KEY set. */
  run(args: string[], key?: string): Promise<{ code: number; out: string; err: string }>;
  /** The same with --json, expecting success, parsed. */
  runJson<T>(args: string[], key?: string): Promise<T>;
  url(): string;
  app(): TestApp;
}

/**
 * For a describe block: a server on the default store (SQLite, as `vellum serve` runs it) behind a real
 * listening socket for the whole block, and the CLI pointed at it.
 */
export function cliAgainstServer(): CliHarness {
  let t: TestApp;
  let url: string;
  let cleanup: () => void;
  beforeAll(async () => {
    const sqlite = await tempSqliteStore();
    cleanup = sqlite.cleanup;
    t = await makeTestApp({ store: sqlite.store, config: { logLevel: 'silent' } });
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await t.app.close();
    cleanup();
  });

  const run = async (args: string[], key = ADMIN_KEY) => {
    const io = captureIO({ VELLUM_URL: url, VELLUM_KEY: key });
    const code = await runCli(args, io);
    return { code, out: io.out(), err: io.err() };
  };
  return {
    run,
    async runJson<T>(args: string[], key = ADMIN_KEY): Promise<T> {
      const { code, out, err } = await run([...args, '--json'], key);
      expect(code, err).toBe(0);
      return JSON.parse(out) as T;
    },
    url: () => url,
    app: () => t,
  };
}

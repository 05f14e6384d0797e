/**
 * `vellum capture run` as a real child process against the real PostgreSQL and a real server: killed with -9 in
 * the middle of a drain and restarted, every change lands exactly once; with Vellum down, rows wait and drain later.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../support/freePort.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/auth/generateApiKey.ts';
import { service } from '../support/services.ts';
import { REPO_ROOT, VELLUM_BIN } from '../support/paths.ts';
import { spawnServer, type RunningServer } from '../support/spawnServer.ts';
import { captureFixture, eventually, storedEvents } from './captureFixture.ts';
import type { CaptureFixture } from './captureFixture.ts';

const pgUrl = await service('postgres');

interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function runWorker(fx: CaptureFixture, url: string, key: string, extra: string[] = []): WorkerProcess {
  const child = spawn(
    process.execPath,
    [VELLUM_BIN, 'capture', 'run', '--database-url', pgUrl!, '--schema', fx.schema, '--url', url, '--grace', '100ms', '--poll', '50ms', ...extra],
    { cwd: REPO_ROOT, env: { ...process.env, VELLUM_KEY: key }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

describe.skipIf(!pgUrl)('vellum capture run (child process)', () => {
  const key = generateApiKey();
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const kill9 = async (w: WorkerProcess) => {
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await w.exited;
  };

  it('records every change exactly once when the worker is killed with -9 mid-drain and restarted', { timeout: 90_000 }, async () => {
    const fx = await captureFixture(pgUrl!);
    cleanups.push(() => fx.drop());
    const server = await spawnServer({ store: 'memory:', key });
    cleanups.push(() => server.stop());
    const id = '4242';
    const total = 400;
    await fx.db.query(`INSERT INTO ${fx.table} (id, status, traffic_limit) VALUES ($1, 'active', 0)`, [id]);
    await fx.db.query(`DO $$ BEGIN FOR i IN 1..${total} LOOP UPDATE ${fx.table} SET traffic_limit = i WHERE id = ${id}; END LOOP; END $$`);
    expect(await fx.pending()).toBe(total);

    const first = runWorker(fx, server.url, key, ['--batch-size', '5']);
    cleanups.push(() => kill9(first));
    await eventually(async () => expect(first.output()).toMatch(/recorded [1-9]/), 30_000);
    await kill9(first);
    const left = await fx.pending();
    expect(left).toBeGreaterThan(0); // killed mid-drain, not after it
    expect(left).toBeLessThan(total);

    const second = runWorker(fx, server.url, key, ['--batch-size', '50']);
    cleanups.push(() => kill9(second));
    await eventually(async () => expect(await fx.pending()).toBe(0), 60_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.output()).toMatch(/capture: stopped; recorded \d+/);

    const events = await storedEvents(server.url, key, { entityType: 'ResellerConfig', entityId: id });
    expect(events).toHaveLength(total);
    expect(events.map((e) => e.changes![0]!.new)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(events.map((e) => e.idempotencyKey)).size).toBe(total);
    expect(first.output() + second.output()).not.toContain(key);
  });

  it('keeps rows in the outbox while Vellum is down and drains them once it is up', { timeout: 90_000 }, async () => {
    const fx = await captureFixture(pgUrl!);
    cleanups.push(() => fx.drop());
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    await fx.db.query(`INSERT INTO ${fx.table} (id, status, traffic_limit) VALUES (7, 'active', 0)`);
    for (let i = 1; i <= 10; i++) await fx.db.query(`UPDATE ${fx.table} SET traffic_limit = $1 WHERE id = 7`, [i]);

    const worker = runWorker(fx, url, key);
    cleanups.push(() => kill9(worker));
    await eventually(async () => expect(worker.output()).toMatch(/cannot reach .*retrying in \d+ ms \(attempt 2\)/), 30_000);
    expect(await fx.pending()).toBe(10);

    let server: RunningServer | undefined;
    server = await spawnServer({ store: 'memory:', key, args: ['--port', String(port)] });
    cleanups.push(() => server!.stop());
    await eventually(async () => expect(await fx.pending()).toBe(0), 60_000);
    // Logged once the batch returns, just after its DELETE: wait for it rather than race it.
    await eventually(async () => expect(worker.output()).toMatch(/resumed after \d+ failed attempt/));
    const events = await storedEvents(server.url, key, { entityType: 'ResellerConfig', entityId: '7' });
    expect(events.map((e) => e.changes![0]!.new)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

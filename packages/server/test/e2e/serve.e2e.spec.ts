import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/freePort.ts';
import { REPO_ROOT, VELLUM_BIN } from '../support/paths.ts';

/** Spawns `vellum serve`, as a user would, and resolves once the listening line appears. */
function serve(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [VELLUM_BIN, 'serve', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, VELLUM_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in time:\n${stdout}\n${stderr}`)), 30_000);
    child.stdout.on('data', () => {
      const m = /^vellum listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening:\n${stdout}\n${stderr}`));
    });
  });
  return { child, listening, exited, stdout: () => stdout, stderr: () => stderr };
}

describe('vellum serve (the real process)', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'vellum-e2e-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('starts on a free port with SQLite, takes an event with the bootstrap key, reads it back, and stops on SIGTERM', async () => {
    const key = 'vk_1fUv9hXvxKaglzqY81iEyEgnXWnGz52W5X0s';
    const server = serve(['--host', '127.0.0.1', '--port', '0', '--store', `sqlite:${path.join(tmp, 'e2e.db')}`], { VELLUM_BOOTSTRAP_KEY: key });
    const url = await server.listening;
    try {
      const auth = { authorization: `Bearer ${key}` };
      const posted = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'e2e.checked', actor: { type: 'user', id: '1' }, data: { password: 'hunter2-hunter2' } }),
      });
      expect(posted.status).toBe(201);
      const { events } = (await posted.json()) as { events: Array<{ id: string; position: number }> };
      expect(events[0]!.position).toBe(1);

      const read = await fetch(`${url}/v1/events/${events[0]!.id}`, { headers: auth });
      expect(read.status).toBe(200);
      const event = (await read.json()) as { type: string; data: { password: string } };
      expect(event.type).toBe('e2e.checked');
      expect(event.data.password).not.toContain('hunter2');

      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
    // Exactly one listening line; the bootstrap key came from the environment, so no key block was printed.
    expect(server.stdout().match(/vellum listening on/g)).toHaveLength(1);
    expect(server.stdout()).not.toContain('shown only this once');
    expect(server.stdout() + server.stderr()).not.toContain(key);
  }, 60_000);

  it('prints a generated admin key once on first start, and not on the next start', async () => {
    const db = `sqlite:${path.join(tmp, 'fresh.db')}`;
    const first = serve(['--port', '0', '--store', db], {});
    const url = await first.listening;
    const key = /^\s+(vk_[0-9A-Za-z]{36})$/m.exec(first.stdout())?.[1];
    expect(key).toBeDefined();
    expect((await fetch(`${url}/v1/events`, { headers: { 'x-api-key': key! } })).status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = serve(['--port', '0', '--store', db], {});
    await second.listening;
    expect(second.stdout()).not.toContain('vk_');
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  }, 60_000);

  it('exits non-zero with every configuration problem listed', async () => {
    const server = serve(['--port', 'x', '--store', 'mysql://nope'], { VELLUM_LOG_LEVEL: 'loud' });
    await expect(server.listening).rejects.toThrow(/exited with 1/);
    for (const p of ['/port', '/store', '/logLevel']) expect(server.stderr()).toContain(p);
  }, 30_000);

  it('keeps serving, and stops on SIGTERM, when whoever read its output has gone away (stdout closed)', async () => {
    // Before the fix, the "listening" line hit EPIPE as an uncaught exception, and pino's exit-time flush then retried
    // the lost log line forever: the process neither served nor exited.
    const port = await freePort();
    const key = 'vk_1fUv9hXvxKaglzqY81iEyEgnXWnGz52W5X0s';
    const child = spawn(process.execPath, [VELLUM_BIN, 'serve', '--host', '127.0.0.1', '--port', String(port), '--store', 'memory:'], {
      cwd: REPO_ROOT,
      env: { ...process.env, VELLUM_LOG_LEVEL: 'info', VELLUM_BOOTSTRAP_KEY: key },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    child.stdout.destroy(); // the reader is gone before the server writes a line
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let stopped: number | null | string = 'not stopped';
    try {
      let healthy = false;
      for (let i = 0; i < 20 && !healthy; i++) {
        healthy = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
        if (!healthy) await new Promise((r) => setTimeout(r, 250));
      }
      expect(healthy).toBe(true);
      const posted = await fetch(`http://127.0.0.1:${port}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'e2e.unread', actor: { type: 'user', id: '1' } }),
      });
      expect(posted.status).toBe(201);
    } finally {
      child.kill('SIGTERM');
      stopped = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running 10 s after SIGTERM'), 10_000))]);
      if (stopped !== 0) child.kill('SIGKILL'); // never leave a wedged server behind
    }
    expect(stopped).toBe(0);
  }, 60_000);
});

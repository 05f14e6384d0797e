import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/auth/generateApiKey.ts';
import { spawnServer, type RunningServer } from '../support/spawnServer.ts';
import { REPO_ROOT } from '../support/paths.ts';
import { builtServerIsFresh, SOURCES, STAMP_FILE } from '../../../../scripts/builtServer.mjs';

const run = promisify(execFile);

describe('which server bin/vellum.mjs runs: the build only while it is newer than every source', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'vellum-build-fresh-'));
  const dist = path.join(root, 'dist');
  const at = (file: string, seconds: number) => utimesSync(path.join(root, file), seconds, seconds);
  const T = 1_900_000_000; // seconds; every file of the fake tree gets an explicit time around it

  beforeAll(() => {
    for (const dir of ['packages/core/src/event', 'packages/server/src/cli', 'dist']) mkdirSync(path.join(root, dir), { recursive: true });
    for (const file of ['packages/core/src/event/types.ts', 'packages/server/src/cli/main.ts', 'packages/core/package.json', 'packages/server/package.json']) {
      writeFileSync(path.join(root, file), '{}');
    }
    for (const entry of ['packages/core/src/event/types.ts', 'packages/core/src/event', 'packages/core/src', 'packages/server/src/cli/main.ts',
      'packages/server/src/cli', 'packages/server/src', 'packages/core/package.json', 'packages/server/package.json']) at(entry, T);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const stamp = (startedAtMs: unknown) => writeFileSync(path.join(dist, STAMP_FILE), JSON.stringify({ startedAt: startedAtMs }));

  it('looks at both packages\' sources and manifests', () => {
    expect(SOURCES).toEqual(['packages/core/src', 'packages/server/src', 'packages/core/package.json', 'packages/server/package.json']);
  });

  it('is fresh when the build started after the last change, stale when it started before', () => {
    stamp((T + 1) * 1000);
    expect(builtServerIsFresh(root, dist)).toBe(true);
    stamp((T - 1) * 1000);
    expect(builtServerIsFresh(root, dist)).toBe(false);
  });

  it('is stale once any source file is saved after the build, however deep', () => {
    stamp((T + 10) * 1000);
    at('packages/core/src/event/types.ts', T + 20);
    expect(builtServerIsFresh(root, dist)).toBe(false);
    at('packages/core/src/event/types.ts', T);
    expect(builtServerIsFresh(root, dist)).toBe(true);
    at('packages/server/package.json', T + 20);
    expect(builtServerIsFresh(root, dist)).toBe(false);
    at('packages/server/package.json', T);
  });

  it('is stale once a source file is added or deleted (its directory changes)', () => {
    stamp((T + 10) * 1000);
    expect(builtServerIsFresh(root, dist)).toBe(true);
    at('packages/server/src/cli', T + 20);
    expect(builtServerIsFresh(root, dist)).toBe(false);
    at('packages/server/src/cli', T);
  });

  it('is never fresh without a readable stamp', () => {
    rmSync(path.join(dist, STAMP_FILE), { force: true });
    expect(builtServerIsFresh(root, dist)).toBe(false);
    writeFileSync(path.join(dist, STAMP_FILE), 'not json');
    expect(builtServerIsFresh(root, dist)).toBe(false);
    stamp('yesterday');
    expect(builtServerIsFresh(root, dist)).toBe(false);
  });
});

describe('the compiled server (scripts/build.mjs)', () => {
  // Inside the repository, so the build's imports of third-party packages resolve in its node_modules; never the
  // dist/ that bin/vellum.mjs runs, which other tests may be starting servers from.
  const out = path.join(REPO_ROOT, 'packages/server', `.build-test-${process.pid}`);
  const data = mkdtempSync(path.join(os.tmpdir(), 'vellum-build-e2e-'));
  const key = generateApiKey();
  let server: RunningServer | undefined;

  afterAll(async () => {
    await server?.kill();
    rmSync(out, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  });

  it('builds, then serves on SQLite (its writer thread is compiled too): events go in masked and come back', async () => {
    const built = await run(process.execPath, [path.join(REPO_ROOT, 'scripts/build.mjs'), '--out', out], { cwd: REPO_ROOT });
    expect(built.stdout).toMatch(/built the server into .*\.build-test-\d+ in \d+ ms/);

    const version = await run(process.execPath, [path.join(out, 'vellum.mjs'), '--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);

    server = await spawnServer({ bin: path.join(out, 'vellum.mjs'), store: `sqlite:${path.join(data, 'vellum.db')}`, key });
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const posted = await fetch(`${server.url}/v1/events`, {
      method: 'POST', headers,
      body: JSON.stringify({ type: 'user.login', actor: { type: 'user', id: 'u1' }, data: { password: 'hunter2-build-canary' } }),
    });
    expect(posted.status).toBe(201);
    const read = await fetch(`${server.url}/v1/streams/${encodeURIComponent('user:u1')}/events`, { headers });
    const text = await read.text();
    expect(text).not.toContain('hunter2-build-canary');
    const body = JSON.parse(text) as { events: Array<{ type: string; data: { password: string }; masked: string[] }> };
    expect(body.events).toHaveLength(1);
    expect(body.events[0]).toMatchObject({ type: 'user.login', masked: ['/data/password'] });
    expect(await server.stop()).toBe(0);
    server = undefined;
  }, 60_000);
});

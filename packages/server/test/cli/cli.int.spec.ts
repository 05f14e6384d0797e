import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { runCli } from '../../src/cli/runCli.ts';
import { createProgram } from '../../src/cli/createProgram.ts';
import { ADMIN_KEY, anEvent, makeTestApp, tempSqliteStore, type TestApp } from '../support/testApp.ts';
import { captureIO } from '../support/captureIO.ts';
import { until } from '../support/storeDoubles.ts';
import { REPO_ROOT } from '../support/paths.ts';
import { liveHubs } from '../../src/live/livePlugin.ts';

describe('vellum CLI against a running server', () => {
  let t: TestApp;
  let url: string;
  let tmp: string;
  let cleanup: () => void;

  beforeAll(async () => {
    const sqlite = await tempSqliteStore();
    cleanup = sqlite.cleanup;
    tmp = mkdtempSync(path.join(os.tmpdir(), 'vellum-cli-'));
    t = await makeTestApp({ store: sqlite.store, config: { logLevel: 'silent' } });
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const events = [
      anEvent({ type: 'configuration.updated', changes: [{ field: 'fee_percentage', old: 1, new: 2 }] }),
      anEvent({ type: 'user.login', actor: { type: 'user', id: '7', name: 'Bo' }, entity: undefined }),
      anEvent({ type: 'user.renamed', actor: { type: 'user', id: '8', name: '=1+1' } }),
    ];
    expect((await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: { events } })).statusCode).toBe(201);
  });
  afterAll(async () => {
    await t.app.close();
    cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  const run = async (args: string[], env: Record<string, string> = { VELLUM_URL: url, VELLUM_KEY: ADMIN_KEY }) => {
    const io = captureIO(env);
    const code = await runCli(args, io);
    return { code, out: io.out(), err: io.err() };
  };

  it('prints matching events as a table, newest first', async () => {
    const { code, out } = await run(['events', 'query', '--type', 'user.*']);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^POSITION\s+OCCURRED AT\s+SEVERITY\s+TYPE\s+ACTOR/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['3', '2']);
  });

  it('prints the page as JSON with --json and passes --url/--key flags over the environment', async () => {
    const { code, out } = await run(['events', 'query', '--json', '--field', 'fee_percentage', '--url', url, '--key', ADMIN_KEY], {});
    expect(code).toBe(0);
    const page = JSON.parse(out);
    expect(page.events.map((e: { type: string }) => e.type)).toEqual(['configuration.updated']);
    expect(page.nextCursor).toBeNull();
  });

  it('points to the next page on stderr when there is one', async () => {
    const { out, err } = await run(['events', 'query', '--limit', '1']);
    expect(out.trimEnd().split('\n')).toHaveLength(2);
    expect(err).toMatch(/^more: --cursor \S+/);
  });

  it("prints the server's error message and every detail, and exits non-zero", async () => {
    const { code, err } = await run(['events', 'query', '--min-severity', 'extreme', '--from', 'yesterday']);
    expect(code).toBe(1);
    expect(err).toMatch(/^error: VALIDATION_FAILED /);
    expect(err).toContain('/query/minSeverity');
    expect(err).toContain('/query/from');
  });

  it('reports a wrong key, a missing key and an unreachable server', async () => {
    const wrong = await run(['events', 'query', '--key', 'vk_wrong_wrong_wrong']);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('UNAUTHENTICATED');
    const missing = await run(['events', 'query'], { VELLUM_URL: url });
    expect(missing.err).toContain('--key');
    const down = await run(['events', 'query', '--url', 'http://127.0.0.1:1']);
    expect(down.code).toBe(1);
    expect(down.err).toContain('cannot reach');
  });

  it('exports NDJSON to stdout and spreadsheet-safe CSV to a file', async () => {
    const ndjson = await run(['export']);
    expect(ndjson.code).toBe(0);
    expect(ndjson.out.trimEnd().split('\n').map((l) => JSON.parse(l).position)).toEqual([1, 2, 3]);
    const file = path.join(tmp, 'out.csv');
    const csv = await run(['export', '--format', 'csv', '--type', 'user.renamed', '--output', file]);
    expect(csv.code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\r\n')[0]).toMatch(/^id,tenant,position,/);
    expect(text).toContain(",'=1+1,");
    expect((await run(['export', '--format', 'xml'])).code).toBe(1);
  });

  it('follows new events with tail (the live stream) until stopped', async () => {
    const stop = new AbortController();
    const io = captureIO({ VELLUM_URL: url, VELLUM_KEY: ADMIN_KEY }, stop.signal);
    const running = runCli(['events', 'tail', '--json', '--type', 'tail.*'], io);
    await new Promise((r) => setTimeout(r, 150));
    await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: anEvent({ type: 'tail.one' }) });
    await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: { events: [anEvent({ type: 'other.thing' }), anEvent({ type: 'tail.two' })] } });
    await until(() => io.out().split('\n').filter(Boolean).length >= 2, 5000);
    stop.abort();
    expect(await running).toBe(0);
    expect(io.out().trimEnd().split('\n').map((l) => JSON.parse(l).type)).toEqual(['tail.one', 'tail.two']);
    // Stopped, it leaves nothing open on the server.
    await until(() => liveHubs.get(t.app.server)!.stats().streams === 0, 5000);
  });

  it('migrates a store and exits', async () => {
    const { code, out } = await run(['migrate', '--store', `sqlite:${path.join(tmp, 'm.db')}`], {});
    expect(code).toBe(0);
    expect(out).toMatch(/migrated|up to date/);
  });

  it('refuses to serve with a bad configuration, listing every problem', async () => {
    const { code, err } = await run(['serve', '--port', 'eighty', '--log-level', 'loud', '--store', 'mysql://x/y'], {});
    expect(code).toBe(1);
    expect(err).toContain('INVALID_CONFIG');
    for (const p of ['/port', '/logLevel', '/store']) expect(err).toContain(p);
  });
});

describe('vellum --help', () => {
  const commands = (cmd: Command): Command[] => cmd.commands.flatMap((c) => [c, ...commands(c)]);
  const program = createProgram(captureIO());
  const doc = readFileSync(path.join(REPO_ROOT, 'docs/cli.md'), 'utf8');

  it('describes every command and every flag', () => {
    for (const cmd of commands(program)) {
      expect(cmd.description(), cmd.name()).not.toBe('');
      for (const option of cmd.options) expect(option.description, `${cmd.name()} ${option.long}`).not.toBe('');
    }
  });

  it('is matched by docs/cli.md, which documents every command and flag', () => {
    for (const cmd of commands(program)) {
      // The whole path below `vellum` (`subscriptions dead-letters list`), so third-level commands are found too.
      const names: string[] = [];
      for (let c: Command | null = cmd; c !== null && c.name() !== 'vellum'; c = c.parent) names.unshift(c.name());
      const full = names.join(' ');
      const section = doc.split(/^## /m).find((s) => s.startsWith(`\`vellum ${full}`));
      expect(section, `docs/cli.md has a section for vellum ${full}`).toBeDefined();
      if (cmd.commands.length > 0) continue;
      for (const option of cmd.options) expect(section, `docs/cli.md: vellum ${full} ${option.long}`).toContain(`\`${option.long}`);
    }
  });

  it('prints help for a command and exits 0', async () => {
    const io = captureIO();
    expect(await runCli(['export', '--help'], io)).toBe(0);
    expect(io.out()).toContain('--format <format>');
  });
});

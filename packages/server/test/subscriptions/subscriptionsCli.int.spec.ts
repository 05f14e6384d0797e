import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { runCli } from '../../src/cli/runCli.ts';
import { createProgram } from '../../src/cli/createProgram.ts';
import { ADMIN_KEY, anEvent, makeTestApp, tempSqliteStore, type TestApp } from '../support/testApp.ts';
import { captureIO } from '../support/captureIO.ts';

const WHSEC = /whsec_[A-Za-z0-9+/=]{20,}/g;

/**
 * `vellum subscriptions ...` in-process against a real listening server on SQLite (as `vellum serve` runs it). The
 * workers are off: what moves a subscription here is the CLI alone.
 */
describe('vellum subscriptions against a running server', () => {
  let t: TestApp;
  let url: string;
  let cleanup: () => void;
  beforeAll(async () => {
    const sqlite = await tempSqliteStore();
    cleanup = sqlite.cleanup;
    t = await makeTestApp({ store: sqlite.store, config: { logLevel: 'info', delivery: { enabled: false, webhookAllow: ['127.0.0.1'] } } });
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: { events: [anEvent(), anEvent(), anEvent()] } });
    expect(res.statusCode).toBeLessThan(300);
  });
  afterAll(async () => {
    await t?.app.close();
    cleanup?.();
  });

  const run = async (args: string[], key = ADMIN_KEY) => {
    const io = captureIO({ VELLUM_URL: url, VELLUM_KEY: key });
    const code = await runCli(['subscriptions', ...args], io);
    return { code, out: io.out(), err: io.err() };
  };
  const runJson = async <T>(args: string[]): Promise<T> => {
    const { code, out, err } = await run([...args, '--json']);
    expect(code, err).toBe(0);
    return JSON.parse(out) as T;
  };
  type View = { id: string; name: string; status: string; cursor: number; filter: Record<string, unknown>; target: Record<string, unknown> };

  it('create prints the generated secret once, with the warning; list, show and the logs never show it', async () => {
    const { code, out, err } = await run(['create', '--name', 'billing hook', '--url', 'http://127.0.0.1:9/hook', '--type', 'configuration.*', '--type', 'user.created', '--min-severity', 'low', '--start-from', 'beginning']);
    expect(code, err).toBe(0);
    const secrets = out.match(WHSEC) ?? [];
    expect(secrets).toHaveLength(1);
    expect(out).toMatch(/shown in this answer only/);
    expect(out).toMatch(/cursor:\s+0/);
    const list = await run(['list']);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^ID\s+NAME\s+STATUS\s+CURSOR\s+TARGET\s+FILTER$/m);
    expect(list.out).toContain('billing hook');
    expect(list.out).toContain('types=configuration.*,user.created');
    const id = (await runJson<{ subscriptions: View[] }>(['list'])).subscriptions.find((s) => s.name === 'billing hook')!.id;
    const show = await run(['show', id]);
    expect(show.out).toMatch(/lagPositions:\s+3/);
    const secretCore = secrets[0]!.slice(6);
    for (const text of [list.out, show.out, ...t.logs]) expect(text).not.toContain(secretCore);
  });

  it('--json answers are the server\'s; NATS needs a server, so the error lists the problem', async () => {
    const body = await runJson<{ subscription: View; secret: string }>(['create', '--name', 'json one', '--url', 'http://127.0.0.1:9/json', '--tag', 'pci']);
    expect(body.secret).toMatch(/^whsec_/);
    expect(body.subscription).toMatchObject({ name: 'json one', cursor: 3, filter: { tags: ['pci'] }, target: { kind: 'webhook' } });
    const nats = await run(['create', '--name', 'nats one', '--nats-subject', 'audit.{tenant}.{type}']);
    expect(nats.code).toBe(1);
    expect(nats.err).toMatch(/VALIDATION_FAILED/);
    expect(nats.err).toMatch(/\/target\/kind: .*NATS/);
  });

  it('bad input: the server\'s every problem is printed, nothing created', async () => {
    const { code, err } = await run(['create', '--name', 'x'.repeat(101), '--url', 'ftp://nowhere', '--type', 'Bad Type', '--outcome', 'maybe', '--start-from', '0']);
    expect(code).toBe(1);
    expect(err).toMatch(/^error: VALIDATION_FAILED/);
    for (const path of ['/name', '/target/url', '/filter/types/0', '/filter/outcome', '/startFrom/position']) expect(err).toContain(`  ${path}: `);
    expect((await runJson<{ subscriptions: View[] }>(['list'])).subscriptions.map((s) => s.name)).not.toContain('x'.repeat(101));
  });

  it('refuses what it can tell is wrong before asking the server', async () => {
    expect((await run(['create', '--name', 'no target'])).err).toMatch(/give a target/);
    expect((await run(['create', '--name', 'two', '--url', 'http://127.0.0.1:9/a', '--nats-subject', 's'])).err).toMatch(/give one target/);
    expect((await run(['create', '--name', 'bad start', '--url', 'http://127.0.0.1:9/a', '--start-from', 'yesterday'])).err).toMatch(/--start-from must be/);
    expect((await run(['create', '--name', 'ranged', '--url', 'http://127.0.0.1:9/a', '--from', '2026-01-01T00:00:00Z'])).code).not.toBe(0);
    expect((await run(['replay', 'some-id'])).err).toMatch(/--position or --time/);
    expect((await run(['update', 'some-id'])).err).toMatch(/nothing to change/);
  });

  it('update, pause, resume, replay, rotate-secret, delete', async () => {
    const { subscription: sub, secret } = await runJson<{ subscription: View; secret: string }>(['create', '--name', 'lifecycle', '--url', 'http://127.0.0.1:9/life']);
    const updated = await runJson<View>(['update', sub.id, '--name', 'lifecycle 2', '--min-severity', 'high']);
    expect(updated).toMatchObject({ name: 'lifecycle 2', filter: { minSeverity: 'high' } });
    expect((await runJson<View>(['update', sub.id, '--match-all'])).filter).toEqual({});
    const retargeted = await runJson<View>(['update', sub.id, '--url', 'http://127.0.0.1:9/moved']);
    expect(retargeted.target.url).toBe('http://127.0.0.1:9/moved');

    expect((await run(['pause', sub.id])).out).toMatch(/is paused/);
    expect((await run(['resume', sub.id])).out).toMatch(/is active/);
    expect((await run(['replay', sub.id, '--position', '2'])).out).toMatch(/after position 1/);
    expect((await runJson<View>(['replay', sub.id, '--time', '2000-01-01T00:00:00Z'])).cursor).toBe(0);

    const rotated = await run(['rotate-secret', sub.id, '--grace-seconds', '60']);
    expect(rotated.code, rotated.err).toBe(0);
    const fresh = rotated.out.match(WHSEC) ?? [];
    expect(fresh).toHaveLength(1);
    expect(fresh[0]).not.toBe(secret);
    expect((await run(['rotate-secret', sub.id, '--grace-seconds', '-5'])).code).not.toBe(0);

    expect((await run(['deliveries', sub.id])).out).toBe('no deliveries yet\n');
    const deleted = await run(['delete', sub.id]);
    expect(deleted.code, deleted.err).toBe(0);
    expect(deleted.out).toMatch(/Deleted subscription/);
    const gone = await run(['show', sub.id]);
    expect(gone.code).toBe(1);
    expect(gone.err).toMatch(/NOT_FOUND/);
  });

  it('dead-letters list, retry and purge', async () => {
    const { subscription: sub } = await runJson<{ subscription: View }>(['create', '--name', 'dead ends', '--url', 'http://127.0.0.1:9/dead']);
    const store = t.store.subscriptions;
    for (const n of [1, 2]) {
      await store.addDeadLetter({
        id: `0193a000-0000-7000-8000-00000000dea${n}`, tenant: 'default', subscriptionId: sub.id, messageId: `msg_${n}`, fromPosition: n, toPosition: n,
        events: 1, attempts: 7, lastError: 'the receiver answered 500', createdAt: new Date(Date.UTC(2026, 11, 1, 0, 0, n)).toISOString(),
      });
    }
    const list = await run(['dead-letters', 'list', sub.id]);
    expect(list.out).toMatch(/^ID\s+CREATED\s+POSITIONS\s+EVENTS\s+ATTEMPTS\s+LAST ERROR$/m);
    expect(list.out).toContain('the receiver answered 500');
    const retried = await run(['dead-letters', 'retry', sub.id, '--id', '0193a000-0000-7000-8000-00000000dea1']);
    expect(retried.code, retried.err).toBe(0);
    expect((await run(['dead-letters', 'purge', sub.id, '--id', '0193a000-0000-7000-8000-00000000dea2'])).out).toBe('Deleted 1 dead letter.\n');
    const left = await runJson<{ deadLetters: Array<{ id: string }> }>(['dead-letters', 'list', sub.id]);
    expect(left.deadLetters.length).toBeLessThanOrEqual(1);
    expect((await run(['dead-letters', 'purge', sub.id])).out).toMatch(/^Deleted [01] dead letters?\.\n$/);
    expect((await runJson<{ deadLetters: unknown[] }>(['dead-letters', 'list', sub.id])).deadLetters).toEqual([]);
  });

  it('tenants: --tenant acts for another tenant, --all lists every tenant\'s; a key without the scope is refused', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/v1/tenants', headers: t.auth(), payload: { id: 'acme' } })).statusCode).toBe(201);
    await runJson(['create', '--name', 'acme hook', '--url', 'http://127.0.0.1:9/acme', '--tenant', 'acme']);
    expect((await runJson<{ subscriptions: View[] }>(['list'])).subscriptions.map((s) => s.name)).not.toContain('acme hook');
    expect((await runJson<{ subscriptions: View[] }>(['list', '--tenant', 'acme'])).subscriptions.map((s) => s.name)).toEqual(['acme hook']);
    const all = await run(['list', '--all']);
    expect(all.out).toMatch(/^ID\s+TENANT\s+NAME/m);
    expect(all.out).toContain('acme hook');
    expect(all.out).toContain('billing hook');

    const key = await t.app.inject({ method: 'POST', url: '/v1/keys', headers: t.auth(), payload: { name: 'reader', scopes: ['events:read'] } });
    const denied = await run(['list'], key.json().secret);
    expect(denied.code).toBe(1);
    expect(denied.err).toMatch(/^error: FORBIDDEN/);
  });
});

describe('vellum subscriptions --help', () => {
  const subs = createProgram(captureIO()).commands.find((c) => c.name() === 'subscriptions')!;
  const leaves: Array<[string, Command]> = subs.commands.flatMap((c) =>
    c.commands.length > 0 ? c.commands.map((d) => [`${c.name()} ${d.name()}`, d] as [string, Command]) : [[c.name(), c] as [string, Command]]);

  it.each(leaves)('subscriptions %s --help lists every flag', async (name, command) => {
    const io = captureIO();
    expect(await runCli(['subscriptions', ...name.split(' '), '--help'], io)).toBe(0);
    for (const option of command.options) expect(io.out()).toContain(option.long!);
    expect(command.description().length).toBeGreaterThan(20);
  });

  it('offers every subcommand', async () => {
    const io = captureIO();
    expect(await runCli(['subscriptions', '--help'], io)).toBe(0);
    for (const name of ['list', 'create', 'show', 'update', 'pause', 'resume', 'replay', 'delete', 'deliveries', 'rotate-secret', 'dead-letters']) {
      expect(io.out()).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
    }
  });
});

import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { runCli } from '../../src/cli/runCli.ts';
import { createProgram } from '../../src/cli/createProgram.ts';
import { anEvent } from '../support/testApp.ts';
import { captureIO } from '../support/captureIO.ts';
import { cliAgainstServer } from '../support/cliAgainstServer.ts';

describe('vellum tenants against a running server', () => {
  const { run, runJson, url: serverUrl } = cliAgainstServer();

  type Created = { key: { id: string; tenant: string }; secret: string };

  it('creates a tenant and lists it', async () => {
    const { code, out, err } = await run(['tenants', 'create', 'acme', '--name', 'Acme Corp']);
    expect(code).toBe(0);
    expect(out).toMatch(/^Created tenant acme\.$/m);
    expect(out).toMatch(/^name:\s+Acme Corp$/m);
    expect(err).toContain('vellum keys create --tenant acme');

    const table = await run(['tenants', 'list']);
    expect(table.code).toBe(0);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+CREATED$/);
    expect(lines.find((l) => l.startsWith('acme '))).toMatch(/^acme\s+Acme Corp\s+\d{4}-\d\d-\d\dT/);

    const { tenants } = await runJson<{ tenants: Array<{ id: string; name: string }> }>(['tenants', 'list']);
    expect(tenants).toContainEqual(expect.objectContaining({ id: 'acme', name: 'Acme Corp' }));
  });

  it('names a tenant after its id when no --name is given, and prints the tenant as JSON', async () => {
    const tenant = await runJson<{ id: string; name: string; createdAt: string }>(['tenants', 'create', 'globex']);
    expect(tenant).toEqual({ id: 'globex', name: 'globex', createdAt: expect.any(String) });
  });

  it('creates a key for a tenant with --tenant, which acts on that tenant only', async () => {
    await runJson(['tenants', 'create', 'initech']);
    const created = await runJson<Created>(['keys', 'create', '--tenant', 'initech', '--name', 'initech writer', '--scope', 'events:write,events:read']);
    expect(created.key.tenant).toBe('initech');

    const self = await run(['keys', 'self'], created.secret);
    expect(self.out).toMatch(/^acting tenant:\s+initech$/m);
    const write = await fetch(new URL('/v1/events', serverUrl()), {
      method: 'POST',
      headers: { authorization: `Bearer ${created.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify(anEvent({ type: 'initech.thing' })),
    });
    expect(write.status).toBe(201);
    const page = await runJson<{ events: Array<{ tenant: string; type: string }> }>(['events', 'query'], created.secret);
    expect(page.events.map((e) => [e.tenant, e.type])).toEqual([['initech', 'initech.thing']]);

    // The admin's own tenant is `default`: the key shows up only when asked for initech, or for all.
    const ids = async (args: string[]) => (await runJson<{ keys: Array<{ id: string }> }>(['keys', 'list', ...args])).keys.map((k) => k.id);
    expect(await ids([])).not.toContain(created.key.id);
    expect(await ids(['--tenant', 'initech'])).toEqual([created.key.id]);
    expect(await ids(['--all'])).toContain(created.key.id);
    const all = await run(['keys', 'list', '--all']);
    expect(all.out.split('\n')[0]).toMatch(/^ID\s+TENANT\s+NAME/);
    expect(all.out).toMatch(new RegExp(`^${created.key.id}\\s+initech\\s+initech writer`, 'm'));
  });

  it("refuses a key for a tenant that does not exist, with the server's message", async () => {
    const { code, err } = await run(['keys', 'create', '--tenant', 'nobody', '--name', 'n', '--scope', 'events:read']);
    expect(code).toBe(1);
    expect(err).toMatch(/^error: NOT_FOUND .*nobody/);
  });

  it('refuses a tenant that exists already, and a malformed id with its detail', async () => {
    await runJson(['tenants', 'create', 'twice']);
    const again = await run(['tenants', 'create', 'twice']);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^error: ALREADY_EXISTS .*twice/);
    const bad = await run(['tenants', 'create', 'not/ok', '--name', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^error: VALIDATION_FAILED /);
    expect(bad.err).toContain('  /id: ');
  });

  it('is for admin keys only', async () => {
    const manager = await runJson<Created>(['keys', 'create', '--name', 'manager', '--scope', 'keys:manage']);
    for (const args of [['tenants', 'list'], ['tenants', 'create', 'mine']]) {
      const { code, err } = await run(args, manager.secret);
      expect(code).toBe(1);
      expect(err).toMatch(/^error: FORBIDDEN .*admin/);
    }
    const other = await run(['keys', 'list', '--all'], manager.secret);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/^error: FORBIDDEN /);
  });
});

describe('vellum tenants --help', () => {
  const tenants = createProgram(captureIO()).commands.find((c) => c.name() === 'tenants')!;

  it.each(tenants.commands.map((c) => [c.name(), c] as [string, Command]))('tenants %s --help lists every flag', async (name, command) => {
    const io = captureIO();
    expect(await runCli(['tenants', name, '--help'], io)).toBe(0);
    expect(command.options.length).toBeGreaterThan(0);
    for (const option of command.options) expect(io.out()).toContain(option.long!);
  });
});

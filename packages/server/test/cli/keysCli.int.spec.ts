import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { runCli } from '../../src/cli/runCli.ts';
import { createProgram } from '../../src/cli/createProgram.ts';
import { isWellFormedApiKey } from '../../src/auth/generateApiKey.ts';
import { anEvent } from '../support/testApp.ts';
import { captureIO } from '../support/captureIO.ts';
import { cliAgainstServer } from '../support/cliAgainstServer.ts';
import { formatKeysTable } from '../../src/cli/formatKeys.ts';
import type { KeyView } from '../../src/access/keyView.ts';

const SECRET = /vk_[0-9A-Za-z]{36}/g;
const HOUR = 3_600_000;

describe('vellum keys against a running server', () => {
  const { run, runJson, url: serverUrl } = cliAgainstServer();
  /** Straight to the API, not through the CLI: what the key can do is the server's business. */
  const writeEvent = (key: string) =>
    fetch(new URL('/v1/events', serverUrl()), { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(anEvent()) });

  type Created = { key: KeyView; secret: string };
  type Rotated = Created & { previous: { id: string; status: string; expiresAt: string } };

  it('generates a well-formed key offline, a different one each time', async () => {
    const io = captureIO({});
    expect(await runCli(['keys', 'generate'], io)).toBe(0);
    const again = captureIO({});
    expect(await runCli(['keys', 'generate'], again)).toBe(0);
    const [first, second] = [io.out().trimEnd(), again.out().trimEnd()];
    expect(isWellFormedApiKey(first)).toBe(true);
    expect(isWellFormedApiKey(second)).toBe(true);
    expect(first).not.toBe(second);
  });

  it('creates a key whose secret works for exactly the scope it was granted', async () => {
    const { code, out } = await run(['keys', 'create', '--name', 'ingest bot', '--scope', 'events:write']);
    expect(code).toBe(0);
    const secrets = out.match(SECRET) ?? [];
    expect(secrets).toHaveLength(1);
    expect(out).toMatch(/will not be shown again/);
    expect(out).toMatch(/^scopes:\s+events:write$/m);
    const secret = secrets[0]!;

    expect((await writeEvent(secret)).status).toBe(201);
    const refused = await run(['events', 'query'], secret);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^error: FORBIDDEN .*events:read/);
  });

  it('prints the whole response with --json, and takes comma-separated scopes, an expiry and a rate limit', async () => {
    const before = Date.now();
    const created = await runJson<Created>(['keys', 'create', '--name', 'reader', '--scope', 'events:read,events:write', '--expires-in', '90d', '--rate', '2.5', '--burst', '10']);
    expect(isWellFormedApiKey(created.secret)).toBe(true);
    expect(created.key.scopes).toEqual(['events:read', 'events:write']);
    expect(created.key.rateLimit).toEqual({ perSecond: 2.5, burst: 10 });
    const expiresIn = Date.parse(created.key.expiresAt!) - before;
    expect(expiresIn).toBeGreaterThan(90 * 24 * HOUR - 60_000);
    expect(expiresIn).toBeLessThan(90 * 24 * HOUR + 60_000);

    const nextYear = `${new Date().getUTCFullYear() + 1}-01-31T00:00:00Z`;
    const at = await runJson<Created>(['keys', 'create', '--name', 'dated', '--scope', 'events:read', '--expires-at', nextYear]);
    expect(at.key.expiresAt).toBe(nextYear.replace('Z', '.000Z'));
  });

  it('lists keys without their secrets or hashes', async () => {
    const created = await runJson<Created>(['keys', 'create', '--name', 'listed', '--scope', 'events:read']);
    const table = await run(['keys', 'list']);
    expect(table.code).toBe(0);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+PREFIX\s+SCOPES\s+STATUS\s+EXPIRES\s+LAST USED\s+REQUESTS$/);
    const row = lines.find((l) => l.startsWith(created.key.id));
    expect(row).toMatch(new RegExp(`listed\\s+${created.key.prefix}\\s+events:read\\s+active\\s+never`));
    expect(table.out).not.toMatch(SECRET);

    const { code, out } = await run(['keys', 'list', '--json']);
    expect(code).toBe(0);
    expect(out).not.toContain(created.secret);
    const { keys } = JSON.parse(out) as { keys: Array<Record<string, unknown>> };
    expect(keys.map((k) => k.id)).toContain(created.key.id);
    for (const k of keys) {
      expect(k).not.toHaveProperty('hash');
      expect(k).not.toHaveProperty('secret');
    }
  });

  it('prints the server refusing a control character in a key name, and would show one as ? anyway', async () => {
    const refused = await run(['keys', 'create', '--name', 'evil\u009b2Jname', '--scope', 'events:read']);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain('/name');
    // Names written before the rule, or by another client through the store, still cannot drive the terminal.
    const table = formatKeysTable([{ ...(await runJson<Created>(['keys', 'create', '--name', 'plain', '--scope', 'events:read'])).key, name: 'evil\u009b2Jname' }]);
    expect(table).toContain('evil?2Jname');
    expect(table).not.toContain('\u009b');
  });

  it('shows one key, and tells a key what it is', async () => {
    const created = await runJson<Created>(['keys', 'create', '--name', 'shown', '--scope', 'events:read']);
    const shown = await run(['keys', 'show', created.key.id]);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(new RegExp(`^id:\\s+${created.key.id}$`, 'm'));
    expect(shown.out).toMatch(/^name:\s+shown$/m);
    expect(shown.out).toMatch(/^status:\s+active$/m);
    expect(shown.out).not.toMatch(SECRET);

    // self needs no keys:manage: any key may ask about itself.
    const self = await run(['keys', 'self'], created.secret);
    expect(self.code).toBe(0);
    expect(self.out).toMatch(/^acting tenant:\s+default$/m);
    expect(self.out).toMatch(/^scopes:\s+events:read$/m);
    expect(self.out).toMatch(new RegExp(`^id:\\s+${created.key.id}$`, 'm'));

    const missing = await run(['keys', 'show', 'no-such-key']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error: NOT_FOUND /);
  });

  it('rotates a key: the new secret works, and the old one until its grace period ends', async () => {
    const created = await runJson<Created>(['keys', 'create', '--name', 'rotating', '--scope', 'events:write']);
    const before = Date.now();
    const { code, out } = await run(['keys', 'rotate', created.key.id, '--grace', '1h']);
    expect(code).toBe(0);
    const secrets = out.match(SECRET) ?? [];
    expect(secrets).toHaveLength(1);
    expect(out).toMatch(/will not be shown again/);
    expect(out).toMatch(new RegExp(`old key ${created.key.id} .* keeps working until \\S+Z`));
    const fresh = secrets[0]!;
    expect(fresh).not.toBe(created.secret);

    expect((await writeEvent(fresh)).status).toBe(201);
    expect((await writeEvent(created.secret)).status).toBe(201);

    const old = await runJson<{ expiresAt: string; status: string }>(['keys', 'show', created.key.id]);
    expect(old.status).toBe('active');
    expect(Math.abs(Date.parse(old.expiresAt) - (before + HOUR))).toBeLessThan(60_000);
  });

  it('rotates with --grace 0s to end the old key at once, and prints the whole response with --json', async () => {
    const created = await runJson<Created>(['keys', 'create', '--name', 'leaked', '--scope', 'events:write']);
    const rotated = await runJson<Rotated>(['keys', 'rotate', created.key.id, '--grace', '0s']);
    expect(isWellFormedApiKey(rotated.secret)).toBe(true);
    expect(rotated.previous.id).toBe(created.key.id);
    expect(rotated.previous.status).toBe('expired');
    expect((await writeEvent(created.secret)).status).toBe(401);
    expect((await writeEvent(rotated.secret)).status).toBe(201);
  });

  it('revokes a key, which then stops working', async () => {
    const created = await runJson<Created>(['keys', 'create', '--name', 'revoked', '--scope', 'events:write']);
    expect((await writeEvent(created.secret)).status).toBe(201);
    const { code, out } = await run(['keys', 'revoke', created.key.id]);
    expect(code).toBe(0);
    expect(out).toContain(`Revoked key "revoked" (${created.key.id})`);
    expect((await writeEvent(created.secret)).status).toBe(401);
    const self = await run(['keys', 'self'], created.secret);
    expect(self.code).toBe(1);
    expect(self.err).toMatch(/^error: UNAUTHENTICATED /);
    expect((await runJson<{ status: string }>(['keys', 'show', created.key.id])).status).toBe('revoked');
  });

  it("prints the server's message and every detail for bad input, and exits non-zero", async () => {
    const { code, out, err } = await run(['keys', 'create', '--name', 'bad', '--scope', 'events:delete', '--scope', 'root', '--expires-in', 'soon']);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(/^error: VALIDATION_FAILED /);
    for (const path of ['/scopes/0', '/scopes/1', '/expiresIn']) expect(err).toContain(`  ${path}: `);
    expect(err).toContain('must be one of events:write, events:read');
  });

  it('refuses half a rate limit, a non-numeric rate and a missing --name before calling the server', async () => {
    const half = await run(['keys', 'create', '--name', 'x', '--scope', 'events:read', '--rate', '5']);
    expect(half.code).toBe(1);
    expect(half.err).toContain('--rate and --burst go together');
    const words = await run(['keys', 'create', '--name', 'x', '--scope', 'events:read', '--rate', 'fast', '--burst', '3']);
    expect(words.code).toBe(1);
    expect(words.err).toContain('--rate must be a number');
    const unnamed = await run(['keys', 'create', '--scope', 'events:read']);
    expect(unnamed.code).toBe(1);
    expect(unnamed.err).toContain("required option '--name <name>'");
  });

  it('refuses a key without keys:manage, with the server’s reason', async () => {
    const reader = await runJson<Created>(['keys', 'create', '--name', 'no manager', '--scope', 'events:read']);
    const { code, err } = await run(['keys', 'list'], reader.secret);
    expect(code).toBe(1);
    expect(err).toMatch(/^error: FORBIDDEN .*keys:manage/);
  });
});

describe('vellum keys --help', () => {
  const keys = createProgram(captureIO()).commands.find((c) => c.name() === 'keys')!;

  it.each(keys.commands.map((c) => [c.name(), c] as [string, Command]))('keys %s --help lists every flag', async (name, command) => {
    const io = captureIO();
    expect(await runCli(['keys', name, '--help'], io)).toBe(0);
    for (const option of command.options) expect(io.out()).toContain(option.long!);
  });

  it('offers every subcommand', async () => {
    const io = captureIO();
    expect(await runCli(['keys', '--help'], io)).toBe(0);
    for (const name of ['generate', 'create', 'list', 'show', 'self', 'revoke', 'rotate']) expect(io.out()).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
  });
});

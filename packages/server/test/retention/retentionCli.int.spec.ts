import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { runCli } from '../../src/cli/runCli.ts';
import { createProgram } from '../../src/cli/createProgram.ts';
import { captureIO } from '../support/captureIO.ts';
import { cliAgainstServer } from '../support/cliAgainstServer.ts';

describe('vellum retention against a running server', () => {
  const { run, runJson } = cliAgainstServer();

  it('shows, sets, runs and clears a policy', async () => {
    const none = await run(['retention', 'show']);
    expect(none.code, none.err).toBe(0);
    expect(none.out).toMatch(/^policy:\s+none: events are kept forever$/m);
    expect(none.out).toMatch(/^last prune:\s+never$/m);

    const set = await run(['retention', 'set', '--keep-days', '400', '--archive']);
    expect(set.code, set.err).toBe(0);
    expect(set.out).toMatch(/^policy:\s+keep 400 days, archive before pruning \(set .+\)$/m);
    const shown = await runJson<{ tenant: string; policy: { keepDays: number; archive: boolean } }>(['retention', 'show']);
    expect(shown).toMatchObject({ tenant: 'default', policy: { keepDays: 400, archive: true } });

    const dry = await run(['retention', 'run', '--dry-run']);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toMatch(/^result:\s+nothing pruned: /m);

    const cleared = await run(['retention', 'clear']);
    expect(cleared.code, cleared.err).toBe(0);
    expect((await runJson<{ policy: unknown }>(['retention', 'show'])).policy).toBeNull();
    const again = await run(['retention', 'clear']);
    expect(again.code).not.toBe(0);
    expect(again.err).toMatch(/NOT_FOUND/);
  });

  it('refuses a bad --keep-days before calling the server', async () => {
    for (const days of ['0', '36501', 'ten', '1.5']) {
      const bad = await run(['retention', 'set', '--keep-days', days]);
      expect(bad.code).not.toBe(0);
      expect(bad.err).toMatch(/a whole number of days from 1 to 36500/);
    }
  });

  it("passes the server's refusal on for a key without the admin scope", async () => {
    const created = await runJson<{ secret: string }>(['keys', 'create', '--name', 'manager', '--scope', 'keys:manage']);
    const refused = await run(['retention', 'set', '--keep-days', '30'], created.secret);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/FORBIDDEN/);
    expect((await run(['retention', 'show'], created.secret)).code).toBe(0);
  });
});

describe('vellum retention --help', () => {
  const retention = createProgram(captureIO()).commands.find((c) => c.name() === 'retention') as Command;
  it.each(retention.commands.map((c) => [c.name(), c] as [string, Command]))('retention %s --help lists every flag', async (name, command) => {
    const io = captureIO();
    expect(await runCli(['retention', name, '--help'], io)).toBe(0);
    for (const option of command.options) expect(io.out()).toContain(option.long as string);
  });

  it('has the four commands', () => {
    expect(retention.commands.map((c) => c.name())).toStrictEqual(['show', 'set', 'clear', 'run']);
  });
});

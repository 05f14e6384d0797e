import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY as ADMIN, anEvent } from '../support/testApp.ts';
import { cliAgainstServer } from '../support/cliAgainstServer.ts';

/** `vellum export --checkpoint`: an export and the server's own signed checkpoint that verify together, offline. */
describe('vellum export --checkpoint against a running server', () => {
  const { run, url } = cliAgainstServer();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vellum-export-cp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('saves the checkpoint, exports the stored form, and the two verify with the published key', async () => {
    for (let i = 0; i < 30; i++) {
      const res = await fetch(new URL('/v1/events', url()), {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify(anEvent({ actor: { type: 'user', id: String(i % 4), name: `Person ${i % 4}`, email: `p${i % 4}@example.com` }, context: { ip: `10.0.0.${i}` } })),
      });
      expect(res.status).toBe(201);
    }
    // The checkpointer signs a tenant's first checkpoint at once and then every N events or T seconds.
    let checkpoint: { treeSize: number; verifierKey: string } | null = null;
    for (let tries = 0; tries < 200 && (checkpoint === null || checkpoint.treeSize < 1); tries++) {
      const res = await fetch(new URL('/v1/checkpoints/latest', url()), { headers: { authorization: `Bearer ${ADMIN}` } });
      checkpoint = res.ok ? ((await res.json()) as { treeSize: number; verifierKey: string }) : null;
      if (checkpoint === null) await new Promise((r) => setTimeout(r, 50));
    }
    expect(checkpoint).not.toBeNull();

    const cpFile = path.join(dir, 'checkpoint.json');
    const exportFile = path.join(dir, 'log.ndjson');
    const exported = await run(['export', '--checkpoint', cpFile, '--output', exportFile]);
    expect(exported.code, exported.err).toBe(0);
    const saved = JSON.parse(readFileSync(cpFile, 'utf8')) as { treeSize: number; checkpoint: string; verifierKey: string };
    expect(saved.checkpoint).toContain('\n\n\u2014 ');
    // The stored form: personal data as ciphertext, exactly what the hashes cover.
    expect(readFileSync(exportFile, 'utf8')).toContain('vpd1:');

    const verified = await run(['verify', '--file', exportFile, '--tenant', 'default', '--checkpoint', cpFile, '--key', saved.verifierKey]);
    expect(verified.code, verified.out + verified.err).toBe(0);

    // The same pair fails once a line is changed.
    const lines = readFileSync(exportFile, 'utf8').trimEnd().split('\n');
    lines[0] = lines[0]!.replace('"configuration.updated"', '"configuration.deleted"');
    writeFileSync(exportFile, `${lines.join('\n')}\n`);
    const tampered = await run(['verify', '--file', exportFile, '--tenant', 'default', '--checkpoint', cpFile, '--key', saved.verifierKey]);
    expect(tampered.code).toBe(1);
  });

  it('refuses what could not verify against a tree root: filters, CSV, newest first, the readable form', async () => {
    const cpFile = path.join(dir, 'refused.json');
    for (const extra of [['--type', 'configuration.*'], ['--format', 'csv'], ['--order', 'desc'], ['--form', 'readable']]) {
      const res = await run(['export', '--checkpoint', cpFile, ...extra]);
      expect(res.code, extra.join(' ')).not.toBe(0);
      expect(res.err).toContain('--checkpoint');
    }
  });
});

/**
 * Retention end to end on a real store: events ingested under an injected clock so that some are old, a policy,
 * runs (dry and real, twice), and then everything a user or an auditor relies on after a prune is checked —
 * through HTTP, the CLI (`vellum verify --store` and `--file` on the archives) and the database itself.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashEvent, type StoredEvent } from '@vellum/core';
import { runCli } from '../../src/cli/runCli.ts';
import type { VellumStore } from '../../src/store/VellumStore.ts';
import { captureIO } from '../support/captureIO.ts';
import { makeTestApp, type TestApp } from '../support/testApp.ts';
import { admin, expectInclusion, ingest, integrityConfig, latestCheckpoint, type Appended, type VerifiedCheckpoint } from '../integrity/integritySupport.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const TENANT = 'acme';

/** Direct access to the database below the application, as an operator (or an attacker) has it. */
export interface RawDatabase {
  /** A plain DELETE of one event, the append-only guards in place: must throw. */
  plainDelete(position: number): Promise<void>;
  /** Bypassing the guards (triggers off): remove one event. */
  tamperDelete(position: number): Promise<void>;
  /** Bypassing the guards: rewrite one event's body with its hash recomputed (the hash column too, where there is one). */
  tamperEdit(position: number, edit: (event: StoredEvent) => StoredEvent): Promise<void>;
  /** Undo the tampering (from a copy, or by writing the original back). */
  restore(): Promise<void>;
}

export interface RetentionTarget {
  store: VellumStore;
  /** `--store` for the CLI. */
  location: string;
  /** After the app closed the store. */
  raw(): Promise<RawDatabase>;
  cleanup(): Promise<void>;
}

export function describeRetentionE2E(name: string, open: () => Promise<RetentionTarget>): void {
  describe(`retention end to end on ${name}`, () => {
    let target: RetentionTarget;
    let t: TestApp;
    let now = T0;
    const dir = mkdtempSync(path.join(tmpdir(), 'vellum-retention-'));
    const archiveDir = path.join(dir, 'archive');
    let old: Appended[];
    let middle: Appended[];
    let recent: Appended[];
    let first: { archive: string };
    let second: { archive: string };

    const inject = (method: 'GET' | 'PUT' | 'DELETE' | 'POST', url: string, payload?: unknown, headers = admin(TENANT)) =>
      t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
    const cli = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
      const io = captureIO();
      const code = await runCli(args, io);
      return { code, out: io.out(), err: io.err() };
    };
    const saveCheckpoint = (checkpoint: VerifiedCheckpoint, file: string): string => {
      const full = path.join(dir, file);
      writeFileSync(full, `${JSON.stringify({ treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash, checkpoint: checkpoint.note, publicKey: checkpoint.publicKey, verifierKey: checkpoint.verifierKey })}\n`);
      return full;
    };

    beforeAll(async () => {
      target = await open();
      t = await makeTestApp({
        store: target.store,
        clock: () => now,
        config: { logLevel: 'warn', integrity: integrityConfig(), retention: { enabled: false, sweepIntervalSeconds: 3600, archiveDir } },
      });
      expect((await inject('POST', '/v1/tenants', { id: TENANT }, admin('default'))).statusCode).toBe(201);
      old = await ingest(t.app, TENANT, 100, 50); // day 0
      now = T0 + 100 * DAY;
      middle = await ingest(t.app, TENANT, 40, 40); // day 100
      now = T0 + 500 * DAY;
      recent = await ingest(t.app, TENANT, 30, 30); // day 500
      await t.app.integrity.settle();
    }, 60_000);

    afterAll(async () => {
      await t?.app.close();
      await target?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it('refuses bad policies with every problem listed, and non-admin keys', async () => {
      const bad = await inject('PUT', '/v1/retention', { keepDays: 0, archive: 'yes', keep: 1 });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.details).toStrictEqual([
        { path: '/keep', message: 'is not a field of a retention policy (keepDays, archive)' },
        { path: '/keepDays', message: 'must be a whole number of days from 1 to 36500' },
        { path: '/archive', message: 'must be true or false' },
      ]);
      expect((await inject('PUT', '/v1/retention', { keepDays: '400' })).json().error.details.map((d: { path: string }) => d.path)).toStrictEqual(['/keepDays']);
      expect((await inject('PUT', '/v1/retention', [])).statusCode).toBe(400);
      expect((await inject('POST', '/v1/retention/run', { dryRun: 'yes', force: true })).json().error.details).toHaveLength(2);

      const keyFor = async (scopes: string[]): Promise<Record<string, string>> => {
        const res = await inject('POST', '/v1/keys', { name: scopes.join(' '), scopes });
        expect(res.statusCode, res.payload).toBe(201);
        return { authorization: `Bearer ${res.json().secret as string}` };
      };
      const manager = await keyFor(['keys:manage']);
      const writer = await keyFor(['events:write']);
      expect((await inject('PUT', '/v1/retention', { keepDays: 1 }, manager)).statusCode).toBe(403);
      expect((await inject('DELETE', '/v1/retention', undefined, manager)).statusCode).toBe(403);
      expect((await inject('POST', '/v1/retention/run', {}, manager)).statusCode).toBe(403);
      expect((await inject('GET', '/v1/retention', undefined, writer)).statusCode).toBe(403);
      const read = await inject('GET', '/v1/retention', undefined, manager);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toStrictEqual({ tenant: TENANT, policy: null, lastPrune: null });
      expect((await inject('POST', '/v1/retention/run', {})).statusCode).toBe(404);
      expect((await inject('DELETE', '/v1/retention')).statusCode).toBe(404);
    });

    it('prunes only the old prefix up to the signed checkpoint, 16-aligned, after a dry run that changes nothing', async () => {
      const set = await inject('PUT', '/v1/retention', { keepDays: 400, archive: true });
      expect(set.statusCode, set.payload).toBe(200);
      expect(set.json().policy).toMatchObject({ keepDays: 400, archive: true });

      const dry = await inject('POST', '/v1/retention/run', { dryRun: true });
      expect(dry.json()).toStrictEqual({ tenant: TENANT, dryRun: true, pruned: false, prunedThrough: 96, eventsRemoved: 96, checkpointSize: 170, archive: null });
      expect((await inject('GET', `/v1/events/${old[0]!.id}`)).statusCode).toBe(200);

      const run = await inject('POST', '/v1/retention/run', {});
      expect(run.statusCode, run.payload).toBe(200);
      expect(run.json()).toMatchObject({ pruned: true, prunedThrough: 96, eventsRemoved: 96, checkpointSize: 170 });
      first = { archive: run.json().archive as string };
      expect(first.archive).toBe(path.join(archiveDir, TENANT, 'events-1-96.ndjson'));

      // Nothing more to do now: the next old events (97..100) do not fill a run of 16.
      expect((await inject('POST', '/v1/retention/run', {})).json()).toMatchObject({ pruned: false, prunedThrough: 96, eventsRemoved: 0 });

      expect((await inject('GET', `/v1/events/${old[0]!.id}`)).statusCode).toBe(404);
      expect((await inject('GET', `/v1/events/${old[95]!.id}`)).statusCode).toBe(404);
      const kept = await inject('GET', `/v1/events/${old[96]!.id}`);
      expect(kept.json().position).toBe(97);
      const page = await inject('GET', '/v1/events?order=asc&limit=1000');
      expect((page.json().events as StoredEvent[]).map((e) => e.position)).toStrictEqual(Array.from({ length: 74 }, (_, i) => 97 + i));
      const shown = await inject('GET', '/v1/retention');
      expect(shown.json().lastPrune).toMatchObject({ prunedThrough: 96, eventsRemoved: 96, checkpointSize: 170, archive: first.archive });
    });

    it('keeps proofs of retained events verifying against the latest checkpoint; pruned ones are 404, and consistency needing pruned leaves a clear 400', async () => {
      const checkpoint = await latestCheckpoint(t.app, TENANT);
      expect(checkpoint.treeSize).toBe(170);
      for (const event of [old[96]!, old[99]!, middle[0]!, middle[39]!, recent[29]!]) await expectInclusion(t.app, TENANT, event, checkpoint);
      expect((await inject('GET', `/v1/events/${old[5]!.id}/proof`)).statusCode).toBe(404);
      const refused = await inject('GET', '/v1/proofs/consistency?from=50&to=170');
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.details[0].message).toMatch(/positions 1–96, which were pruned/);
      expect((await inject('GET', '/v1/proofs/consistency?from=96&to=170')).statusCode).toBe(200);
      expect((await inject('GET', '/v1/proofs/consistency?from=130&to=170')).statusCode).toBe(200);
    });

    it('prunes again from where it stopped, as the sweeper, once more events are old enough', async () => {
      now = T0 + 520 * DAY; // the day-100 events are now past 400 days
      const [result] = await t.app.retention.sweep();
      expect(result).toMatchObject({ tenant: TENANT, pruned: true, prunedThrough: 128, eventsRemoved: 32, checkpointSize: 170 });
      second = { archive: result!.archive as string };
      expect(second.archive).toBe(path.join(archiveDir, TENANT, 'events-97-128.ndjson'));
      const page = await inject('GET', '/v1/events?order=asc&limit=1');
      expect(page.json().events[0].position).toBe(129);
      const checkpoint = await latestCheckpoint(t.app, TENANT);
      for (const event of [middle[28]!, recent[0]!]) await expectInclusion(t.app, TENANT, event, checkpoint);
    });

    it('audits policy changes and prunes in the system tenant, with counts and never event contents', async () => {
      const clear = await inject('DELETE', '/v1/retention');
      expect(clear.statusCode).toBe(200);
      expect(clear.json()).toStrictEqual({ tenant: TENANT, policy: null });
      const res = await inject('GET', '/v1/events?type=vellum.retention.*&order=asc&limit=100', undefined, admin('system'));
      expect(res.statusCode, res.payload).toBe(200);
      const events = res.json().events as StoredEvent[];
      expect(events.map((e) => e.type)).toStrictEqual(['vellum.retention.policy_set', 'vellum.retention.pruned', 'vellum.retention.pruned', 'vellum.retention.policy_cleared']);
      expect(events[1]!.data).toMatchObject({ retentionTenant: TENANT, prunedThrough: 96, eventsRemoved: 96, checkpointSize: 170, archive: first.archive });
      expect(events[2]!.actor).toStrictEqual({ type: 'system', id: 'vellum' });
      expect(JSON.stringify(events)).not.toContain(old[0]!.hash);
    });

    it('passes vellum verify --store against the signed checkpoint, and each archive passes vellum verify --file', async () => {
      const checkpoint = await latestCheckpoint(t.app, TENANT);
      const saved = saveCheckpoint(checkpoint, 'latest.json');
      const store = await cli('verify', '--tenant', TENANT, '--store', target.location, '--checkpoint', saved, '--key', checkpoint.verifierKey);
      expect(store.code, store.out + store.err).toBe(0);
      expect(store.out).toMatch(/positions 1–128 were removed by retention/);
      expect(store.out).toMatch(/positions run 129\.\.170, and the log matches the signed checkpoint/);

      for (const archive of [first.archive, second.archive]) {
        const sidecar = archive.replace(/\.ndjson$/, '.checkpoint.json');
        const run = await cli('verify', '--tenant', TENANT, '--file', archive, '--checkpoint', sidecar, '--key', checkpoint.verifierKey);
        expect(run.code, run.out + run.err).toBe(0);
      }
      // A whole-log export made after the prune starts at 129: it verifies with the saved GET /v1/retention, not without.
      const exported = await inject('GET', '/v1/export?format=ndjson&form=stored&order=asc');
      expect(exported.statusCode).toBe(200);
      const exportFile = path.join(dir, 'export.ndjson');
      writeFileSync(exportFile, exported.payload);
      const retentionFile = path.join(dir, 'retention.json');
      writeFileSync(retentionFile, (await inject('GET', '/v1/retention')).payload);
      const withPruned = await cli('verify', '--tenant', TENANT, '--file', exportFile, '--checkpoint', saved, '--key', checkpoint.verifierKey, '--pruned', retentionFile);
      expect(withPruned.code, withPruned.out + withPruned.err).toBe(0);
      const without = await cli('verify', '--tenant', TENANT, '--file', exportFile, '--checkpoint', saved, '--key', checkpoint.verifierKey);
      expect(without.code).toBe(1);
      expect(without.out).toMatch(/positions 1–128 are missing/);

      expect(readFileSync(first.archive, 'utf8').trim().split('\n')).toHaveLength(96);
      expect(readFileSync(second.archive, 'utf8').trim().split('\n')).toHaveLength(32);

      // An archive edited afterwards fails, even with the event's hash recomputed.
      const lines = readFileSync(second.archive, 'utf8').trim().split('\n');
      const edited = JSON.parse(lines[3]!) as StoredEvent;
      const forged = { ...edited, type: 'configuration.deleted' };
      lines[3] = JSON.stringify({ ...forged, hash: hashEvent(forged) });
      const forgedFile = path.join(dir, 'forged.ndjson');
      writeFileSync(forgedFile, `${lines.join('\n')}\n`);
      const forgedRun = await cli('verify', '--tenant', TENANT, '--file', forgedFile, '--checkpoint', second.archive.replace(/\.ndjson$/, '.checkpoint.json'), '--key', checkpoint.verifierKey);
      expect(forgedRun.code).toBe(1);
    });

    it('still detects a retained row deleted or edited in the database, and refuses a plain DELETE outside pruning', async () => {
      const checkpoint = await latestCheckpoint(t.app, TENANT);
      const saved = saveCheckpoint(checkpoint, 'final.json');
      await t.app.close();
      const raw = await target.raw();
      const verify = () => cli('verify', '--tenant', TENANT, '--store', target.location, '--checkpoint', saved, '--key', checkpoint.verifierKey);

      await expect(raw.plainDelete(150)).rejects.toThrow(/append-only/);
      expect((await verify()).code).toBe(0);

      await raw.tamperDelete(150);
      const deleted = await verify();
      expect(deleted.code, deleted.out).toBe(1);
      expect(deleted.out).toMatch(/position 150 is missing/);
      await raw.restore();
      expect((await verify()).code).toBe(0);

      await raw.tamperEdit(140, (e) => ({ ...e, type: 'configuration.deleted' }));
      const edited = await verify();
      expect(edited.code, edited.out).toBe(1);
      expect(edited.out).toMatch(/does NOT match/);
      await raw.restore();
    });
  });
}

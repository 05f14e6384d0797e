import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519RawPublicKey, formatVerifierKey, hashEvent, MemoryMerkleTree, signCheckpoint, type StoredEvent } from '@vellum/core';
import { runCli } from '../../src/cli/runCli.ts';
import { anEvent, makeTestApp, tempSqliteStore } from '../support/testApp.ts';
import { captureIO } from '../support/captureIO.ts';
import { service } from '../support/services.ts';
import { tempDatabase } from '../support/tempDatabase.ts';
import { openPostgresStore } from '../../src/store/postgres/index.ts';

const pgUrl = await service('postgres');

// `vellum verify` end to end: a log written through the app into SQLite, exported through GET /v1/export, and a
// checkpoint we sign ourselves over that export (the server's checkpoint endpoint is not used, so this test only
// depends on the export and the core). Then the file and the database are tampered with as an attacker would —
// SQLite always, PostgreSQL when it is reachable (skipped with the reason otherwise, as services.ts does).

const TENANT = 'default'; // where the bootstrap admin key writes
const EVENTS = 25;

let dir: string;
let dbFile: string;
let exportFile: string;
let checkpointFile: string;
let verifierKey: string;
let rawKey: string;
let lines: string[];
let cleanupStore: () => void;

beforeAll(async () => {
  const sqlite = await tempSqliteStore();
  cleanupStore = sqlite.cleanup;
  dbFile = sqlite.file;
  const t = await makeTestApp({ store: sqlite.store, config: { logLevel: 'silent' } });
  for (let batch = 0; batch < EVENTS / 5; batch++) {
    const events = Array.from({ length: 5 }, (_, i) =>
      anEvent({ stream: `Policy:${i % 2}`, changes: [{ field: 'hours_before', old: batch, new: batch * 10 + i }], tags: ['t'] }),
    );
    expect((await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: { events } })).statusCode).toBe(201);
  }
  const res = await t.app.inject({ method: 'GET', url: '/v1/export?format=ndjson&form=stored', headers: t.auth() });
  expect(res.statusCode).toBe(200);
  await t.app.close(); // closes the store, so the database file can be copied and edited

  dir = mkdtempSync(path.join(os.tmpdir(), 'vellum-verify-'));
  exportFile = path.join(dir, 'export.ndjson');
  writeFileSync(exportFile, res.body);
  lines = res.body.trimEnd().split('\n');
  expect(lines).toHaveLength(EVENTS);

  const { privateKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const name = 'vellum.test/tenant/default';
  const publicKey = ed25519RawPublicKey(der);
  verifierKey = formatVerifierKey({ name, publicKey });
  rawKey = Buffer.from(publicKey).toString('base64');
  const tree = new MemoryMerkleTree();
  for (const line of lines) tree.append(Buffer.from((JSON.parse(line) as StoredEvent).hash, 'hex'));
  checkpointFile = path.join(dir, 'checkpoint.txt');
  writeFileSync(checkpointFile, signCheckpoint({ origin: name, treeSize: EVENTS, rootHash: tree.root() }, { name, privateKeyPkcs8Der: der }));
});

afterAll(() => {
  cleanupStore();
  rmSync(dir, { recursive: true, force: true });
});

async function verify(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const io = captureIO(env);
  const code = await runCli(['verify', '--tenant', TENANT, ...args], io);
  return { code, out: io.out(), err: io.err() };
}

/** A copy of the export with its lines rewritten. */
function tamperedFile(name: string, edit: (lines: string[]) => string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${edit(lines.slice()).join('\n')}\n`);
  return file;
}

const event = (line: string | undefined): StoredEvent => JSON.parse(line as string) as StoredEvent;
const withCheckpoint = (): string[] => ['--checkpoint', checkpointFile, '--key', verifierKey];
/** The problem lines of the report: `POSITION  EVENT  PROBLEM`. */
const problemRows = (out: string): string[] => out.split('\n').filter((l) => /^(\d+|-)\s{2,}/.test(l));

describe('vellum verify --file (an NDJSON export, offline)', () => {
  it('passes on the clean export', async () => {
    const { code, out } = await verify(['--file', exportFile, ...withCheckpoint()]);
    expect(code).toBe(0);
    expect(out).toMatch(/^events: +25$/m);
    expect(out).toMatch(/^checkpoint: +vellum\.test\/tenant\/default, tree size 25, key vellum\.test\/tenant\/default\+[0-9a-f]{8}: signature valid, root at size 25 matches$/m);
    expect(out).toMatch(/^result: +OK: every hash recomputes, positions run 1\.\.25, and the log matches the signed checkpoint$/m);
  });

  it('accepts the bare base64 public key, a key file, and a checkpoint saved as JSON', async () => {
    expect((await verify(['--file', exportFile, '--checkpoint', checkpointFile, '--key', rawKey])).code).toBe(0);
    const keyFile = path.join(dir, 'key.txt');
    writeFileSync(keyFile, `${verifierKey}\n`);
    const json = path.join(dir, 'latest.json');
    writeFileSync(json, JSON.stringify({ treeSize: EVENTS, rootHash: 'ignored', checkpoint: readFileSync(checkpointFile, 'utf8'), publicKey: 'ignored' }));
    expect((await verify(['--file', exportFile, '--checkpoint', json, '--key', keyFile])).code).toBe(0);
  });

  it('prints the report as JSON', async () => {
    const { code, out } = await verify(['--file', exportFile, ...withCheckpoint(), '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ tenant: TENANT, events: 25, ok: true, problems: [], checkpoint: { treeSize: 25, signatureValid: true, rootMatches: true }, origin: 'vellum.test/tenant/default' });
  });

  it('names the position of an edited field (stale hash)', async () => {
    const file = tamperedFile('edited.ndjson', (l) => {
      l[7] = JSON.stringify({ ...event(l[7]), severity: 'critical' });
      return l;
    });
    const { code, out, err } = await verify(['--file', file, ...withCheckpoint()]);
    expect(code).toBe(1);
    expect(err).toBe('error: the log failed verification (2 problems)\n');
    const rows = problemRows(out);
    expect(rows[0]).toMatch(new RegExp(`^8\\s+${event(lines[7]).id}\\s+hash does not match the event's content`));
    expect(rows[1]).toMatch(/^-\s+-\s+the root over the first 25 events is [0-9a-f]{64}, the checkpoint signed [0-9a-f]{64}: the log differs from what was signed/);
  });

  it('catches an edit whose hash was recomputed, through the checkpoint only', async () => {
    const file = tamperedFile('rehashed.ndjson', (l) => {
      const edited = { ...event(l[3]), actor: { type: 'user', id: 'mallory' } };
      l[3] = JSON.stringify({ ...edited, hash: hashEvent(edited) });
      return l;
    });
    const { code, out } = await verify(['--file', file, ...withCheckpoint()]);
    expect(code).toBe(1);
    expect(problemRows(out)).toEqual([expect.stringMatching(/^-\s+-\s+the root over the first 25 events .* the log differs from what was signed/)]);
    expect(out).toMatch(/root at size 25 does NOT match/);
  });

  it('names a deleted line as a missing position (and the checkpoint as covering more)', async () => {
    const file = tamperedFile('deleted.ndjson', (l) => l.filter((_, i) => i !== 12));
    const { code, out } = await verify(['--file', file, ...withCheckpoint()]);
    expect(code).toBe(1);
    const rows = problemRows(out);
    expect(rows[0]).toMatch(new RegExp(`^13\\s+-\\s+position 13 is missing: the next event read \\(${event(lines[13]).id}\\) has position 14`));
    expect(rows[1]).toMatch(/^-\s+-\s+log has 24 events, checkpoint covers 25: the log was truncated or events were removed/);
  });

  it('names swapped lines by the position that came late', async () => {
    const file = tamperedFile('swapped.ndjson', (l) => {
      [l[4], l[5]] = [l[5] as string, l[4] as string];
      return l;
    });
    const { code, out } = await verify(['--file', file, ...withCheckpoint()]);
    expect(code).toBe(1);
    const rows = problemRows(out);
    expect(rows[0]).toMatch(new RegExp(`^5\\s+${event(lines[4]).id}\\s+position 5 is out of order: it comes after position 6`));
    expect(rows).toHaveLength(2);
  });

  it('reports a line that is not JSON by its number', async () => {
    const file = tamperedFile('garbled.ndjson', (l) => {
      l[2] = '{"broken';
      return l;
    });
    const { code, out } = await verify(['--file', file, ...withCheckpoint()]);
    expect(code).toBe(1);
    expect(out).toMatch(/^-\s+-\s+line 3 of the file is not JSON/m);
    expect(out).toMatch(/^3\s+-\s+position 3 is missing/m);
  });

  it('fails with another key, or when asked about another tenant', async () => {
    const other = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' });
    const otherKey = formatVerifierKey({ name: 'vellum.test/tenant/default', publicKey: ed25519RawPublicKey(other) });
    const wrongKey = await verify(['--file', exportFile, '--checkpoint', checkpointFile, '--key', otherKey]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.out).toMatch(/signature by key "vellum\.test\/tenant\/default" does not verify/);
    const wrongRaw = await verify(['--file', exportFile, '--checkpoint', checkpointFile, '--key', Buffer.from(ed25519RawPublicKey(other)).toString('base64')]);
    expect(wrongRaw.code).toBe(1);
    expect(wrongRaw.err).toMatch(/no signature by that public key/);
    const io = captureIO();
    expect(await runCli(['verify', '--tenant', 'acme', '--file', exportFile, ...withCheckpoint()], io)).toBe(1);
    expect(io.out()).toMatch(/belongs to tenant "default", not "acme"/);
  });
});

describe('vellum verify --store (SQLite, read-only)', () => {
  it('passes on the clean store, with and without a checkpoint, and reports the same root as the export', async () => {
    const bare = await verify(['--store', `sqlite:${dbFile}`]);
    expect(bare.code).toBe(0);
    expect(bare.out).toMatch(/without --checkpoint this shows the log is self-consistent/);
    const fromFile = await verify(['--file', exportFile, ...withCheckpoint(), '--json']);
    expect(bare.out).toMatch(new RegExp(`^root: +${(JSON.parse(fromFile.out) as { rootHash: string }).rootHash} \\(RFC 9162, over all 25 events\\)$`, 'm'));
    expect((await verify(['--store', `sqlite:${dbFile}`, ...withCheckpoint()])).code).toBe(0);
    expect((await verify([], { VELLUM_STORE: dbFile })).code).toBe(0);
  });

  /** A copy of the database edited directly, append-only triggers dropped first as an attacker would. */
  function tamperedStore(name: string, sql: (db: Database.Database) => void): string {
    const file = path.join(dir, name);
    copyFileSync(dbFile, file);
    const db = new Database(file);
    db.exec('DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;');
    sql(db);
    db.close();
    return `sqlite:${file}`;
  }

  it('names an event edited in the database', async () => {
    const store = tamperedStore('edited.db', (db) =>
      db.prepare(`UPDATE events SET body = json_set(body, '$.severity', 'critical') WHERE tenant = ? AND position = 9`).run(TENANT),
    );
    const { code, out } = await verify(['--store', store, ...withCheckpoint()]);
    expect(code).toBe(1);
    expect(problemRows(out)[0]).toMatch(new RegExp(`^9\\s+${event(lines[8]).id}\\s+hash does not match the event's content`));
  });

  it('catches an edit with a recomputed hash, a deleted row and a cut-off tail through the checkpoint', async () => {
    // A careful attacker: the body, its hash and the columns searches read, all made to agree.
    const edited = { ...event(lines[0]), actor: { type: 'user', id: 'mallory' } };
    const rehashed = tamperedStore('rehashed.db', (db) =>
      db.prepare(`UPDATE events SET body = ?, actor_id = 'mallory' WHERE tenant = ? AND position = 1`).run(JSON.stringify({ ...edited, hash: hashEvent(edited) }), TENANT),
    );
    const r = await verify(['--store', rehashed, ...withCheckpoint()]);
    expect(r.code).toBe(1);
    expect(problemRows(r.out)).toEqual([expect.stringMatching(/the log differs from what was signed/)]);
    expect((await verify(['--store', rehashed])).code).toBe(0); // why a checkpoint kept elsewhere matters

    const deleted = tamperedStore('deleted.db', (db) => db.prepare('DELETE FROM events WHERE tenant = ? AND position = 17').run(TENANT));
    const d = await verify(['--store', deleted]);
    expect(d.code).toBe(1);
    expect(problemRows(d.out)[0]).toMatch(/^17\s+-\s+position 17 is missing/);

    // Tag and field rows of the cut events left behind would give it away (the column pass names them); a careful
    // attacker removes them too.
    const cut = tamperedStore('cut.db', (db) => {
      db.exec('DROP TRIGGER event_tags_no_delete; DROP TRIGGER event_fields_no_delete;');
      for (const table of ['events', 'event_tags', 'event_fields']) db.prepare(`DELETE FROM ${table} WHERE tenant = ? AND position > 20`).run(TENANT);
    });
    expect((await verify(['--store', cut])).code).toBe(0);
    const c = await verify(['--store', cut, ...withCheckpoint()]);
    expect(c.code).toBe(1);
    expect(c.out).toMatch(/log has 20 events, checkpoint covers 25/);
  });

  it('names rows whose indexed columns or tag and field rows were edited while their bodies were left alone', async () => {
    const seventh = event(lines[6]);
    const store = tamperedStore('columns.db', (db) => {
      db.exec('DROP TRIGGER event_tags_no_delete;');
      db.prepare(`UPDATE events SET actor_id = 'someone-else' WHERE tenant = ? AND position = 5`).run(TENANT);
      db.prepare(`UPDATE events SET occurred_at = occurred_at + 86400000, severity = 4 WHERE tenant = ? AND position = 6`).run(TENANT);
      db.prepare('DELETE FROM event_tags WHERE tenant = ? AND position = 7').run(TENANT);
      db.prepare(`INSERT INTO event_tags (tenant, tag, position) VALUES (?, 'vip', 8)`).run(TENANT);
      db.prepare(`INSERT INTO event_fields (tenant, field, position) VALUES (?, 'hours_before', 400)`).run(TENANT);
    });
    // Every hash still recomputes and the root still matches the checkpoint: only the column pass sees these.
    const { code, out } = await verify(['--store', store, ...withCheckpoint()]);
    expect(code).toBe(1);
    const rows = problemRows(out);
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatch(/^5\s+\S+\s+the row's indexed columns disagree with its event: actor_id holds "someone-else" where the event says "\S+"$/);
    expect(rows[1]).toMatch(/^6\s+\S+\s+the row's indexed columns disagree with its event: severity holds 4 where the event says 0; occurred_at holds \d+ where the event says \d+$/);
    expect(rows[2]).toMatch(new RegExp(`^7\\s+${seventh.id}\\s+the row's indexed columns disagree with its event: no tag row for "t", which the event carries$`));
    expect(rows[3]).toMatch(/^8\s+-\s+a tag row for "vip", which the event at this position does not carry$/);
    expect(rows[4]).toMatch(/^400\s+-\s+a changed-field row for "hours_before" under a position that holds no event$/);
    expect(out).toMatch(/^result: +FAILED/m);
  });

  it('does not write to the store it reads', async () => {
    const before = readFileSync(dbFile);
    await verify(['--store', `sqlite:${dbFile}`]);
    expect(readFileSync(dbFile).equals(before)).toBe(true);
  });
});

describe.skipIf(!pgUrl)('vellum verify --store (PostgreSQL)', () => {
  let database: { url: string; drop(): Promise<void> };
  let pgCheckpoint: string;
  let fourth: StoredEvent;

  beforeAll(async () => {
    database = await tempDatabase(pgUrl!, 'verify');
    const t = await makeTestApp({ store: await openPostgresStore({ url: database.url }), config: { logLevel: 'silent' } });
    const events = Array.from({ length: 12 }, (_, i) => anEvent({ changes: [{ field: 'n', old: i, new: i + 1 }] }));
    expect((await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(), payload: { events } })).statusCode).toBe(201);
    const exported = (await t.app.inject({ method: 'GET', url: '/v1/export?format=ndjson', headers: t.auth() })).body.trimEnd().split('\n');
    await t.app.close();
    const tree = new MemoryMerkleTree();
    for (const line of exported) tree.append(Buffer.from(event(line).hash, 'hex'));
    fourth = event(exported[3]);
    // Its own key, given to --key as a file holding the verifier key string.
    const { privateKey } = generateKeyPairSync('ed25519');
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    pgCheckpoint = path.join(dir, 'pg-checkpoint.txt');
    writeFileSync(pgCheckpoint, signCheckpoint({ origin: 'pg.test/default', treeSize: 12, rootHash: tree.root() }, { name: 'pg.test', privateKeyPkcs8Der: der }));
    writeFileSync(`${pgCheckpoint}.key`, formatVerifierKey({ name: 'pg.test', publicKey: ed25519RawPublicKey(der) }));
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('passes on the clean log, then names an event an attacker edited with the trigger disabled', async () => {
    const args = ['--store', database.url, '--checkpoint', pgCheckpoint, '--key', `${pgCheckpoint}.key`];
    const clean = await verify(args);
    expect(clean.code).toBe(0);
    expect(clean.out).toMatch(/tree size 12, key pg\.test\+[0-9a-f]{8}: signature valid, root at size 12 matches/);

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('ALTER TABLE events DISABLE TRIGGER events_append_only');
      await client.query(`UPDATE events SET body = $1 WHERE tenant = $2 AND position = 4`, [JSON.stringify({ ...fourth, severity: 'critical' }), TENANT]);
    } finally {
      await client.end();
    }
    const tampered = await verify(args);
    expect(tampered.code).toBe(1);
    expect(problemRows(tampered.out)[0]).toMatch(new RegExp(`^4\\s+${fourth.id}\\s+hash does not match the event's content`));
    // The body now says critical while the severity column still says info: the column pass names that too.
    expect(problemRows(tampered.out)).toContainEqual(expect.stringMatching(/^4\s+\S+\s+the row's indexed columns disagree with its event: severity holds 0 where the event says 4$/));
  });

  it('names a row whose indexed columns were edited while its body was left alone', async () => {
    const args = ['--store', database.url, '--checkpoint', pgCheckpoint, '--key', `${pgCheckpoint}.key`];
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('ALTER TABLE events DISABLE TRIGGER events_append_only');
      await client.query(`UPDATE events SET actor_id = 'someone-else', fields = NULL, hash = '\\x00' WHERE tenant = $1 AND position = 7`, [TENANT]);
      await client.query(`UPDATE events SET occurred_at = occurred_at - interval '1 day', tags = '{vip}' WHERE tenant = $1 AND position = 8`, [TENANT]);
    } finally {
      await client.end();
    }
    const { code, out } = await verify(args);
    expect(code).toBe(1);
    const rows = problemRows(out).filter((row) => /^[78]\s/.test(row)); // position 4 is the previous test's edit
    expect(rows).toEqual([
      expect.stringMatching(/^7\s+\S+\s+the row's indexed columns disagree with its event: actor_id holds "someone-else" where the event says "\S+"; fields holds null where the event says "\{\\"n\\"\}"; hash holds 0x00 where the event says 0x[0-9a-f]{64}$/),
      expect.stringMatching(/^8\s+\S+\s+the row's indexed columns disagree with its event: occurred_at holds \d+ where the event says \d+; tags holds "\{\\"vip\\"\}" where the event says null$/),
    ]);
  });
});

describe('vellum verify: usage errors exit 2', () => {
  it.each([
    ['no --tenant', ['verify', '--file', 'x']],
    ['an unknown flag', ['verify', '--tenant', TENANT, '--bogus']],
    ['--tenant *', ['verify', '--tenant', '*', '--store', 'sqlite:x.db']],
    ['neither --store nor --file', ['verify', '--tenant', TENANT]],
    ['both --store and --file', ['verify', '--tenant', TENANT, '--store', 'sqlite:x.db', '--file', 'x']],
    ['--file without a checkpoint', ['verify', '--tenant', TENANT, '--file', 'x']],
    ['--checkpoint without --key', ['verify', '--tenant', TENANT, '--store', 'sqlite:x.db', '--checkpoint', 'x']],
    ['--key without --checkpoint', ['verify', '--tenant', TENANT, '--store', 'sqlite:x.db', '--key', 'x']],
    ['a memory store', ['verify', '--tenant', TENANT, '--store', 'memory:']],
  ])('%s', async (_name, args) => {
    const io = captureIO();
    expect(await runCli(args, io)).toBe(2);
    expect(io.err()).not.toBe('');
  });

  it('an unreadable checkpoint, a malformed key, a missing file or database', async () => {
    const missing = path.join(dir, 'nope');
    expect((await verify(['--file', exportFile, '--checkpoint', missing, '--key', verifierKey])).code).toBe(2);
    const badKey = await verify(['--file', exportFile, '--checkpoint', checkpointFile, '--key', 'name+00000000+AAAA']);
    expect(badKey.code).toBe(2);
    expect(badKey.err).toMatch(/--key must be a verifier key/);
    expect((await verify(['--file', missing, ...withCheckpoint()])).code).toBe(2);
    const noDb = await verify(['--store', `sqlite:${missing}.db`]);
    expect(noDb.code).toBe(2);
    expect(noDb.err).toMatch(/cannot open the store/);
  });

  it('prints help and exits 0', async () => {
    const io = captureIO();
    expect(await runCli(['verify', '--help'], io)).toBe(0);
    expect(io.out()).toContain('--checkpoint <file>');
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERASED, hashEvent, isSealedValue, type StoredEvent } from '@vellum/core';
import { runCli } from '../../src/cli/runCli.ts';
import type { VellumStore } from '../../src/store/VellumStore.ts';
import { captureIO } from '../support/captureIO.ts';
import { service } from '../support/services.ts';
import { ADMIN_KEY, makeTestApp, tempSqliteStore, type TestApp } from '../support/testApp.ts';
import { admin, expectInclusion, integrityConfig, latestCheckpoint, type Appended } from '../integrity/integritySupport.ts';
import { openTestStore } from '../store/postgresTestSupport.ts';
import { dropStoreSchema, type PostgresEventStore } from '../../src/store/postgres/index.ts';

const NAME = 'Ana SHREDCANARY Name';
const EMAIL = 'shredcanary.mail@example.com';
const IP = '203.0.113.77';
const TOKEN = 'tok_SHREDCANARY_secret_9f3c';
const CANARIES = ['SHREDCANARY', 'shredcanary', IP];
const TENANT = 'acme';
const SUBJECT = 'user:ana-1';

const pg = await service('postgres');

interface Backend {
  store: VellumStore;
  /** Every byte the database keeps on disk that we can read: the SQLite files, or a superuser pg_dump. */
  bytes(): Promise<Buffer>;
  cleanup(): Promise<void>;
}

async function sqliteBackend(): Promise<Backend> {
  const s = await tempSqliteStore();
  return {
    store: s.store,
    bytes: async () => Buffer.concat(readdirSync(s.dir).map((f) => readFileSync(path.join(s.dir, f)))),
    cleanup: async () => s.cleanup(),
  };
}

async function postgresBackend(url: string): Promise<Backend> {
  const store: PostgresEventStore = await openTestStore(url, 'shred');
  return {
    store,
    bytes: async () => execFileSync('pg_dump', ['--dbname', url, '--schema', store.schema, '--no-owner'], { maxBuffer: 256 * 1024 * 1024 }),
    cleanup: async () => dropStoreSchema(url, store.schema),
  };
}

const ana = (over: Record<string, unknown> = {}) => ({
  type: 'user.login',
  actor: { type: 'user', id: 'ana-1', name: NAME, email: EMAIL },
  entity: { type: 'Account', id: 'acc-1' },
  context: { ip: IP, route: 'login', token: TOKEN },
  data: { plan: 'gold' },
  ...over,
});
const bob = (over: Record<string, unknown> = {}) => ({
  type: 'user.login',
  actor: { type: 'user', id: 'bob-1', name: 'Bob Plain', email: 'bob@example.com' },
  context: { ip: '198.51.100.1' },
  ...over,
});

function describeShredding(label: string, open: () => Promise<Backend | null>): void {
  describe(`crypto-shredding on ${label}`, () => {
    let backend: Backend;
    let t: TestApp;
    let appended: Appended[] = [];
    let storedBefore: StoredEvent[] = [];
    let anaKey: Uint8Array;
    let dir: string;
    let globexKeys: string;
    let writerOnly: string;

    const get = (url: string, headers = admin(TENANT)) => t.app.inject({ method: 'GET', url, headers });
    const post = (url: string, payload?: object, headers = admin(TENANT)) =>
      t.app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });
    const forget = (subject: string, headers = admin(TENANT)) => post(`/v1/subjects/${encodeURIComponent(subject)}/forget`, undefined, headers);
    const search = async (query = '', headers = admin(TENANT)): Promise<StoredEvent[]> => {
      const res = await get(`/v1/events?order=asc&limit=1000${query}`, headers);
      expect(res.statusCode, res.payload).toBe(200);
      return res.json().events as StoredEvent[];
    };
    const key = async (secretOwnerTenant: string, scopes: string[]): Promise<string> => {
      const res = await post('/v1/keys', { name: `k-${scopes.join('-')}`, scopes }, admin(secretOwnerTenant));
      expect(res.statusCode, res.payload).toBe(201);
      return res.json().secret as string;
    };

    beforeAll(async () => {
      const b = await open();
      if (b === null) return;
      backend = b;
      dir = mkdtempSync(path.join(os.tmpdir(), 'vellum-shred-'));
      t = await makeTestApp({
        store: backend.store,
        config: {
          logLevel: 'silent',
          integrity: integrityConfig({ checkpointEvery: 1 }),
          // context.token is masked (a sensitive key) and personal data as well: masked first, then encrypted.
          personalData: { enabled: true, fields: ['actor.name', 'actor.email', 'context.ip', 'context.token'] },
        },
      });
      for (const tenant of [TENANT, 'globex']) expect((await post('/v1/tenants', { id: tenant }, { authorization: `Bearer ${ADMIN_KEY}` })).statusCode).toBe(201);
      globexKeys = await key('globex', ['keys:manage', 'events:write', 'events:read']);
      writerOnly = await key(TENANT, ['events:write']);
      const res = await post('/v1/events', { events: [ana(), bob(), ana({ type: 'user.logout' }), bob({ type: 'user.logout' })] });
      expect(res.statusCode, res.payload).toBe(201);
      appended = res.json().events as Appended[];
      storedBefore = await search('&form=stored');
      anaKey = (await backend.store.subjectKeys(TENANT, [SUBJECT])).get(SUBJECT)!;
    });
    afterAll(async () => {
      await t?.app.close();
      await backend?.cleanup();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });

    it('stores personal fields encrypted (masked first), hashes the stored form, and reads them back in plaintext', async () => {
      const [stored] = storedBefore;
      expect(isSealedValue(stored!.actor.name)).toBe(true);
      expect(isSealedValue(stored!.actor.email)).toBe(true);
      expect(isSealedValue(stored!.context!['ip'])).toBe(true);
      expect(isSealedValue(stored!.context!['token'])).toBe(true);
      expect(stored!.masked).toEqual(expect.arrayContaining(['/context/token']));
      expect(JSON.stringify(storedBefore)).not.toMatch(/SHREDCANARY|shredcanary|203\.0\.113\.77/);
      for (const e of storedBefore) expect(hashEvent(e)).toBe(e.hash);
      expect(storedBefore.map((e) => e.hash)).toEqual(appended.map((a) => a.hash));

      const readable = await search();
      expect(readable[0]!.actor).toEqual({ type: 'user', id: 'ana-1', name: NAME, email: EMAIL });
      expect(readable[0]!.context!['ip']).toBe(IP);
      expect(readable[0]!.context!['token']).toMatch(/^•+9f3c$/); // masked, never the token
      expect(readable[1]!.actor.name).toBe('Bob Plain');
      const one = await get(`/v1/events/${appended[0]!.id}`);
      expect(one.json().actor.name).toBe(NAME);
      const storedOne = await get(`/v1/events/${appended[0]!.id}?form=stored`);
      expect(storedOne.json()).toEqual(storedBefore[0]);
      expect((await get(`/v1/events/${appended[0]!.id}?form=bogus`)).statusCode).toBe(400);
    });

    it('never matches a filter on an encrypted value (they are not indexed), while actor filters still work', async () => {
      expect((await search(`&actorId=ana-1`)).length).toBe(2);
      expect((await search(`&tag=${encodeURIComponent(NAME)}`)).length).toBe(0);
    });

    it('keeps the plaintext out of the database files before the forget', async () => {
      const bytes = await backend.bytes();
      for (const canary of CANARIES) expect(bytes.includes(Buffer.from(canary)), canary).toBe(false);
      expect(bytes.includes(Buffer.from(TOKEN))).toBe(false);
      // The control for the check after the forget: the live key is found (raw bytes in SQLite, hex in a dump).
      const found = bytes.includes(Buffer.from(anaKey)) || bytes.includes(Buffer.from(Buffer.from(anaKey).toString('hex')));
      expect(found, 'the subject key is in the files while it lives').toBe(true);
    });

    it('refuses a forget without keys:manage, a malformed subject, and another tenant naming this one\'s subject', async () => {
      expect((await forget(SUBJECT, { authorization: `Bearer ${writerOnly}` })).statusCode).toBe(403);
      expect((await forget('no-colon')).statusCode).toBe(400);
      const foreign = await forget(SUBJECT, { authorization: `Bearer ${globexKeys}` });
      expect(foreign.statusCode).toBe(404);
      expect((await search())[0]!.actor.name).toBe(NAME);
    });

    it('forgets: values read [erased] everywhere, other subjects are untouched, the stored form is unchanged', async () => {
      const res = await forget(SUBJECT);
      expect(res.statusCode, res.payload).toBe(200);
      expect(res.json()).toEqual({ subject: SUBJECT, forgotten: true, forgottenAt: expect.any(String) });
      const again = await forget(SUBJECT);
      expect(again.json()).toEqual({ ...res.json(), forgotten: false });

      const readable = await search('&actorId=ana-1');
      for (const e of readable) {
        expect(e.actor).toEqual({ type: 'user', id: 'ana-1', name: ERASED, email: ERASED });
        expect(e.context).toMatchObject({ ip: ERASED, token: ERASED, route: 'login' });
        expect(e.data).toEqual({ plan: 'gold' });
      }
      expect((await get(`/v1/events/${appended[0]!.id}`)).json().actor.name).toBe(ERASED);
      const trail = await get('/v1/streams/Account%3Aacc-1/events');
      expect(trail.json().events.every((e: StoredEvent) => e.actor.name === ERASED)).toBe(true);
      const csv = await get('/v1/export?format=csv');
      expect(csv.body).not.toContain(NAME);
      const ndjson = await get('/v1/export?format=ndjson');
      expect(ndjson.body).toContain(ERASED);
      expect(ndjson.body).not.toContain(NAME);
      expect((await search('&actorId=bob-1'))[0]!.actor.name).toBe('Bob Plain');

      const storedAfter = (await search('&form=stored')).slice(0, storedBefore.length);
      expect(storedAfter).toEqual(storedBefore);
    });

    it('records the forget in the tenant\'s own log and in the system tenant, without the erased values', async () => {
      const own = await search('&type=vellum.subject.forgotten');
      expect(own).toHaveLength(2);
      expect(own[0]!.data).toMatchObject({ subject: SUBJECT, forgotten: true });
      expect(own[0]!.entity).toEqual({ type: 'subject', id: SUBJECT });
      const system = await search('&type=vellum.subject.forgotten', admin('system'));
      expect(system.length).toBeGreaterThanOrEqual(2);
      expect(system[0]!.data).toMatchObject({ subject: SUBJECT, tenant: TENANT });
      expect(JSON.stringify([...own, ...system])).not.toMatch(/SHREDCANARY|shredcanary/);
    });

    it('stores a forgotten subject\'s later events with [erased] in place of personal values (no new key)', async () => {
      const res = await post('/v1/events', ana({ type: 'user.came_back' }));
      expect(res.statusCode).toBe(201);
      const stored = (await get(`/v1/events/${res.json().events[0].id}?form=stored`)).json() as StoredEvent;
      expect(stored.actor.name).toBe(ERASED);
      expect(stored.context!['ip']).toBe(ERASED);
      expect((await backend.store.subjectKeys(TENANT, [SUBJECT])).get(SUBJECT)).toBeNull();
    });

    it('still verifies: the checkpoint, every inclusion proof, and vellum verify on a form=stored export', async () => {
      await t.app.integrity.settle();
      const checkpoint = await latestCheckpoint(t.app, TENANT);
      const all = await search('&form=stored');
      expect(checkpoint.treeSize).toBe(all.length);
      for (const e of all) {
        expect(hashEvent(e)).toBe(e.hash);
        await expectInclusion(t.app, TENANT, { id: e.id, position: e.position, hash: e.hash }, checkpoint);
      }
      const exported = await get('/v1/export?format=ndjson&form=stored');
      const file = path.join(dir, 'export.ndjson');
      writeFileSync(file, exported.body);
      const cp = path.join(dir, 'checkpoint.txt');
      writeFileSync(cp, checkpoint.note);
      const io = captureIO({});
      const code = await runCli(['verify', '--tenant', TENANT, '--file', file, '--checkpoint', cp, '--key', checkpoint.verifierKey], io);
      expect(code, io.out() + io.err()).toBe(0);
    });

    it('leaves neither the plaintext nor the destroyed key in the database files', async () => {
      const bytes = await backend.bytes();
      for (const canary of CANARIES) expect(bytes.includes(Buffer.from(canary)), canary).toBe(false);
      expect(anaKey).toHaveLength(32);
      expect(bytes.includes(Buffer.from(anaKey)), 'key bytes').toBe(false);
      expect(bytes.includes(Buffer.from(Buffer.from(anaKey).toString('hex'))), 'key hex').toBe(false);
    });
  });
}

describeShredding('SQLite', sqliteBackend);
describe.skipIf(!pg)('PostgreSQL', () => {
  describeShredding('PostgreSQL', () => postgresBackend(pg as string));
});

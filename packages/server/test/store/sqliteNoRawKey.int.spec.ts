import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/auth/hashApiKey.ts';
import { anEvent, makeTestApp, tempSqliteStore } from '../support/testApp.ts';

/**
 * README, "Guarantees" and hashApiKey: a key is stored only as its SHA-256. This looks for the key itself where
 * a leaked copy of the data directory would show it — the SQL dump, the database file's bytes and the WAL's —
 * and for its hash in the same places, so a check that looked in the wrong place could not pass by accident.
 */
describe('a SQLite database holds no raw API key', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => {
    cleanup?.();
    cleanup = undefined;
  });

  it('keeps only the hash of the generated admin key, in the dump, the database file and its WAL', async () => {
    const temp = await tempSqliteStore();
    cleanup = temp.cleanup;
    const { file, dir } = temp;
    const t = await makeTestApp({ store: temp.store, config: { bootstrapKey: null } });

    const key = /\b(vk_[0-9A-Za-z]{36})\b/.exec(t.announced.join('\n'))?.[1];
    expect(key, 'the server announces the key it generated').toBeDefined();
    const rawKey = key!;
    const hash = hashApiKey(rawKey);

    let walWhileOpen: Buffer;
    try {
      const posted = await t.app.inject({ method: 'POST', url: '/v1/events', headers: t.auth(rawKey), payload: anEvent() });
      expect(posted.statusCode, posted.body).toBe(201);
      const id = (posted.json() as { events: { id: string }[] }).events[0]!.id;
      for (const headers of [t.auth(rawKey), { 'x-api-key': rawKey }]) {
        const one = await t.app.inject({ method: 'GET', url: `/v1/events/${id}`, headers });
        expect(one.statusCode, one.body).toBe(200);
      }
      const search = await t.app.inject({ method: 'GET', url: '/v1/events?limit=10', headers: t.auth(rawKey) });
      expect(search.statusCode, search.body).toBe(200);
      // While the store is open the key row is still in the WAL (checkpoints come every 64 MiB); closing
      // checkpoints it into the database file and removes the WAL, so read the WAL now.
      walWhileOpen = fs.readFileSync(`${file}-wal`);
    } finally {
      await t.app.close(); // also flushes the key's usage counts and closes the store
    }

    const dump = execFileSync('/usr/bin/sqlite3', [file, '.dump'], { encoding: 'utf8' });
    const databaseBytes = fs.readFileSync(file);
    const walAfterClose = fs.existsSync(`${file}-wal`) ? fs.readFileSync(`${file}-wal`) : Buffer.alloc(0);

    // The places looked at are the right ones: the hash of the key is there.
    expect(dump).toContain(hash);
    expect(walWhileOpen.includes(hash)).toBe(true);
    expect(databaseBytes.includes(hash)).toBe(true);
    expect(dump).toMatch(/INSERT INTO api_keys/);

    // And the key itself is in none of them, nor in any other file left in the data directory.
    expect(dump).not.toContain(rawKey);
    expect(walWhileOpen.includes(rawKey)).toBe(false);
    expect(databaseBytes.includes(rawKey)).toBe(false);
    expect(walAfterClose.includes(rawKey)).toBe(false);
    for (const name of fs.readdirSync(dir)) {
      expect(fs.readFileSync(path.join(dir, name)).includes(rawKey), `${name} contains the raw key`).toBe(false);
    }
  });
});

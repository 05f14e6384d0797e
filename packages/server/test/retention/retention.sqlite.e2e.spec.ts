import Database from 'better-sqlite3';
import { hashEvent, type StoredEvent } from '@vellum/core';
import { tempSqliteStore } from '../support/testApp.ts';
import { describeRetentionE2E, type RawDatabase } from './describeRetentionE2E.ts';

/** Runs `work` with the events triggers dropped, then puts them back exactly as they were: an attacker's edit. */
function withoutTriggers(db: Database.Database, work: () => void): void {
  const triggers = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'").all() as Array<{ name: string; sql: string }>;
  db.transaction(() => {
    for (const { name } of triggers) db.exec(`DROP TRIGGER "${name}"`);
    work();
    for (const { sql } of triggers) db.exec(sql);
  })();
}

describeRetentionE2E('SQLite', async () => {
  const temp = await tempSqliteStore();
  return {
    store: temp.store,
    location: `sqlite:${temp.file}`,
    raw: async (): Promise<RawDatabase> => {
      const undo: Array<() => void> = [];
      const withDb = <T>(work: (db: Database.Database) => T): T => {
        const db = new Database(temp.file);
        try {
          return work(db);
        } finally {
          db.close();
        }
      };
      const row = (db: Database.Database, position: number) => db.prepare("SELECT * FROM events WHERE tenant = 'acme' AND position = ?").get(position) as Record<string, unknown>;
      const reinsert = (db: Database.Database, saved: Record<string, unknown>) => {
        const columns = Object.keys(saved);
        db.prepare(`INSERT INTO events (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(...columns.map((c) => saved[c]));
      };
      return {
        plainDelete: async (position) => {
          withDb((db) => db.prepare("DELETE FROM events WHERE tenant = 'acme' AND position = ?").run(position));
        },
        tamperDelete: async (position) => {
          withDb((db) => {
            const saved = row(db, position);
            withoutTriggers(db, () => db.prepare("DELETE FROM events WHERE tenant = 'acme' AND position = ?").run(position));
            undo.push(() => withDb((d) => reinsert(d, saved)));
          });
        },
        tamperEdit: async (position, edit) => {
          withDb((db) => {
            const saved = row(db, position);
            const changed = edit(JSON.parse(saved.body as string) as StoredEvent);
            const body = JSON.stringify({ ...changed, hash: hashEvent(changed) });
            withoutTriggers(db, () => db.prepare("UPDATE events SET body = ? WHERE tenant = 'acme' AND position = ?").run(body, position));
            undo.push(() => withDb((d) => withoutTriggers(d, () => d.prepare("UPDATE events SET body = ? WHERE tenant = 'acme' AND position = ?").run(saved.body, position))));
          });
        },
        restore: async () => {
          for (const step of undo.splice(0).reverse()) step();
        },
      };
    },
    cleanup: async () => temp.cleanup(),
  };
});

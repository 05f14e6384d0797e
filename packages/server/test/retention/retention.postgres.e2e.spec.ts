import { randomBytes } from 'node:crypto';
import { hashEvent, type StoredEvent } from '@vellum/core';
import { openPostgresStore } from '../../src/store/postgres/index.ts';
import { sql } from '../store/postgresTestSupport.ts';
import { service } from '../support/services.ts';
import { describeRetentionE2E, type RawDatabase } from './describeRetentionE2E.ts';

const pg = await service('postgres');

// A database of its own, in the default schema: `vellum verify --store postgres://…` reads the public schema.
if (pg !== null) {
  describeRetentionE2E('PostgreSQL', async () => {
    const name = `vellum_retention_${process.pid}_${randomBytes(4).toString('hex')}`;
    await sql(pg, `CREATE DATABASE ${name}`);
    const url = new URL(pg);
    url.pathname = `/${name}`;
    const location = url.toString();
    const store = await openPostgresStore({ url: location, poolSize: 4 });
    const undo: string[][] = [];
    const disabled = (statement: string) =>
      `BEGIN; ALTER TABLE public.events DISABLE TRIGGER events_append_only; ${statement}; ALTER TABLE public.events ENABLE TRIGGER events_append_only; COMMIT`;
    return {
      store,
      location,
      raw: async (): Promise<RawDatabase> => ({
        plainDelete: async (position) => {
          await sql(location, "DELETE FROM public.events WHERE tenant = 'acme' AND position = $1", [position]);
        },
        tamperDelete: async (position) => {
          const [saved] = await sql<{ row: unknown }>(location, "SELECT to_json(e) AS row FROM public.events e WHERE tenant = 'acme' AND position = $1", [position]);
          await sql(location, disabled(`DELETE FROM public.events WHERE tenant = 'acme' AND position = ${position}`));
          const literal = JSON.stringify(saved!.row).replaceAll("'", "''");
          undo.push([`INSERT INTO public.events OVERRIDING SYSTEM VALUE SELECT * FROM json_populate_record(null::public.events, '${literal}'::json)`]);
        },
        tamperEdit: async (position, edit) => {
          const [saved] = await sql<{ body: string }>(location, "SELECT body FROM public.events WHERE tenant = 'acme' AND position = $1", [position]);
          const changed = edit(JSON.parse(saved!.body) as StoredEvent);
          const hash = hashEvent(changed);
          const body = JSON.stringify({ ...changed, hash }).replaceAll("'", "''");
          await sql(location, disabled(`UPDATE public.events SET body = '${body}', hash = decode('${hash}', 'hex') WHERE tenant = 'acme' AND position = ${position}`));
          const original = saved!.body.replaceAll("'", "''");
          const originalHash = (JSON.parse(saved!.body) as StoredEvent).hash;
          undo.push([disabled(`UPDATE public.events SET body = '${original}', hash = decode('${originalHash}', 'hex') WHERE tenant = 'acme' AND position = ${position}`)]);
        },
        restore: async () => {
          for (const statements of undo.splice(0).reverse()) for (const statement of statements) await sql(location, statement);
        },
      }),
      cleanup: async () => {
        await store.close().catch(() => undefined);
        await sql(pg, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      },
    };
  });
}

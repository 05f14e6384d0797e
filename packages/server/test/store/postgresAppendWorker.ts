/**
 * A stand-in for one Vellum node, run as a child process by postgresConcurrency.int.spec.ts: it appends to the
 * shared tenant and streams and prints every acknowledged result as one JSON line on stdout.
 * Env: PG_URL, PG_SCHEMA, TENANT, ROUNDS, WORKER.
 */
import { openPostgresStore } from '../../src/store/postgres/index.ts';
import { appendRounds } from './postgresRaceSupport.ts';

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`${name} is required`);
  return v;
};

const store = await openPostgresStore({ url: env('PG_URL'), schema: env('PG_SCHEMA'), poolSize: 4, migrate: true });
try {
  const acks = await appendRounds(store, env('TENANT'), Number(env('ROUNDS')), env('WORKER'));
  process.stdout.write(`${JSON.stringify(acks)}\n`);
} finally {
  await store.close();
}

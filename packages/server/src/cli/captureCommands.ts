import type { Command } from 'commander';
import pg from 'pg';
import { parseDuration, VellumError } from '@vellum/core';
import { CAPTURE_DEFAULTS, CAPTURE_OPERATIONS, quoteIdent } from '../capture/captureSql.ts';
import type { CaptureOperation } from '../capture/captureSql.ts';
import { CaptureWorker, CAPTURE_WORKER_DEFAULTS } from '../capture/CaptureWorker.ts';
import { installCapture, uninstallCapture } from '../capture/installCapture.ts';
import { hasScope } from '../auth/scopes.ts';
import type { Scope } from '../auth/scopes.ts';
import { CliError } from './CliError.ts';
import type { CliIO } from './CliIO.ts';
import { DEFAULT_URL, parseIntegerOption } from './connection.ts';
import { VellumClient } from './VellumClient.ts';

interface DbOptions {
  databaseUrl?: string;
  schema?: string;
}

const list = (value: string): string[] => value.split(',').map((s) => s.trim()).filter((s) => s !== '');

function withDatabase(command: Command): Command {
  return command
    .option('--database-url <url>', "the APPLICATION's PostgreSQL, not Vellum's store (env VELLUM_CAPTURE_DATABASE_URL)")
    .option('--schema <name>', `schema holding the outbox, trigger function and helpers (default ${CAPTURE_DEFAULTS.schema})`);
}

function databaseUrl(options: DbOptions, io: CliIO): string {
  const url = options.databaseUrl ?? io.env.VELLUM_CAPTURE_DATABASE_URL;
  if (url === undefined || url === '') throw new CliError('no database: pass --database-url or set VELLUM_CAPTURE_DATABASE_URL');
  return url;
}

/** Runs `fn` with a connected client; connection failures become one readable line (never the URL: it may hold a password). */
async function withClient<T>(url: string, fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: url, application_name: 'vellum-capture' });
  try {
    await db.connect();
  } catch (err) {
    throw new CliError(`cannot connect to the application database: ${(err as Error).message}`, { cause: err });
  }
  try {
    return await fn(db);
  } catch (err) {
    if (err instanceof VellumError) throw new CliError(err.message, { code: err.code, details: err.details, cause: err });
    throw err;
  } finally {
    await db.end().catch(() => {});
  }
}

export function addCaptureCommands(program: Command, io: CliIO): void {
  const capture = program
    .command('capture')
    .description("Change capture: triggers in your application's PostgreSQL record changes a code path forgot to record (docs/capture.md).");

  withDatabase(
    capture
      .command('install')
      .description('Install (or update) capture on one table: outbox, trigger function, context helper and the table trigger. Safe to re-run.'),
  )
    .requiredOption('--table <table>', 'the table to capture (table or schema.table)')
    .requiredOption('--columns <a,b>', 'the columns whose changes are recorded; re-running replaces the list')
    .requiredOption('--entity-type <type>', 'the entity type of the events (ResellerConfig → resellerconfig.updated)')
    .option('--id-column <column>', `the column holding the entity id (default ${CAPTURE_DEFAULTS.idColumn})`)
    .option('--on <operations>', `which writes to capture: ${CAPTURE_OPERATIONS.join(', ')} (default update)`)
    .action(async (options: DbOptions & { table: string; columns: string; entityType: string; idColumn?: string; on?: string }) => {
      const url = databaseUrl(options, io);
      const target = {
        table: options.table,
        columns: list(options.columns),
        entityType: options.entityType,
        idColumn: options.idColumn ?? CAPTURE_DEFAULTS.idColumn,
        schema: options.schema ?? CAPTURE_DEFAULTS.schema,
        operations: (options.on === undefined ? CAPTURE_DEFAULTS.operations : list(options.on)) as CaptureOperation[],
      };
      await withClient(url, (db) => installCapture(db, target));
      io.stdout.write(
        `capture installed on ${target.table}: ${target.operations.join('/')} of ${target.columns.join(', ')} → ${target.entityType} events ` +
          `(outbox ${target.schema}.outbox)\n`,
      );
    });

  withDatabase(capture.command('uninstall').description("Remove one table's capture trigger. The outbox and its pending rows stay for the worker."))
    .requiredOption('--table <table>', 'the table to stop capturing')
    .action(async (options: DbOptions & { table: string }) => {
      await withClient(databaseUrl(options, io), (db) => uninstallCapture(db, options.table));
      io.stdout.write(`capture removed from ${options.table}\n`);
    });

  withDatabase(capture.command('status').description('Rows waiting in the outbox and rows Vellum refused (kept with their error).'))
    .option('--json', 'print { pending, refused, oldest } as JSON')
    .action(async (options: DbOptions & { json?: boolean }) => {
      const s = quoteIdent(options.schema ?? CAPTURE_DEFAULTS.schema);
      const row = await withClient(databaseUrl(options, io), async (db) => {
        await requireInstalled(db, options.schema ?? CAPTURE_DEFAULTS.schema);
        const { rows } = await db.query<{ pending: number; refused: number; oldest: Date | null }>(
          `SELECT count(*) FILTER (WHERE error IS NULL)::int AS pending, count(*) FILTER (WHERE error IS NOT NULL)::int AS refused,
                  min(captured_at) FILTER (WHERE error IS NULL) AS oldest FROM ${s}.outbox`,
        );
        return rows[0]!;
      });
      const view = { pending: row.pending, refused: row.refused, oldest: row.oldest?.toISOString() ?? null };
      io.stdout.write(
        options.json === true
          ? `${JSON.stringify(view)}\n`
          : `pending ${view.pending}${view.oldest === null ? '' : ` (oldest captured ${view.oldest})`}, refused ${view.refused}\n`,
      );
    });

  withDatabase(
    capture
      .command('run')
      .description('Drain the outbox into Vellum events until Ctrl-C: folds changes an explicit event already records, then records the rest.'),
  )
    .option('--url <url>', `Vellum server URL (env VELLUM_URL; default ${DEFAULT_URL})`)
    .option('--key <key>', 'API key with events:write and events:read (env VELLUM_KEY)')
    .option('--tenant <tenant>', 'admin keys: the tenant to record into')
    .option('--grace <duration>', 'hold each change this long before deciding on fold-in (default 2s)')
    .option('--batch-size <n>', `rows per batch, 1..1000 (default ${CAPTURE_WORKER_DEFAULTS.batchSize})`)
    .option('--poll <duration>', `wait between polls of an empty outbox (default ${CAPTURE_WORKER_DEFAULTS.pollMs}ms)`)
    .action(async (options: DbOptions & { url?: string; key?: string; tenant?: string; grace?: string; batchSize?: string; poll?: string }) => {
      const dbUrl = databaseUrl(options, io);
      const key = options.key ?? io.env.VELLUM_KEY;
      if (key === undefined || key === '') throw new CliError('no API key: pass --key or set VELLUM_KEY');
      const url = options.url ?? io.env.VELLUM_URL ?? DEFAULT_URL;
      const client = new VellumClient(url, key); // refuses a --url that is not a URL
      const duration = (flag: string, text: string | undefined, max: number): number | undefined => {
        if (text === undefined) return undefined;
        const ms = parseDuration(text);
        if (ms === null || ms > max) throw new CliError(`${flag} must be a duration such as 500ms, 2s or 1m, at most ${max / 1000}s (got ${JSON.stringify(text)})`);
        return ms;
      };
      const graceMs = duration('--grace', options.grace, 3_600_000);
      const pollMs = duration('--poll', options.poll, 60_000);
      const batchSize = parseIntegerOption('--batch-size', options.batchSize, 1, 1000);
      const schema = options.schema ?? CAPTURE_DEFAULTS.schema;
      // Fail fast on a database without capture or a key that cannot do the job; once running, trouble is retried
      // with backoff instead (so a Vellum that is down at start is waited for, not an error).
      await withClient(dbUrl, (db) => requireInstalled(db, schema));
      await checkKey(client, io);
      const worker = new CaptureWorker({
        databaseUrl: dbUrl,
        url,
        key,
        schema,
        ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
        ...(graceMs === undefined ? {} : { graceMs }),
        ...(pollMs === undefined ? {} : { pollMs }),
        ...(batchSize === undefined ? {} : { batchSize }),
        log: (line) => io.stderr.write(`${line}\n`),
      });
      await worker.run(io.stopSignal);
      const st = worker.stats;
      io.stderr.write(
        `capture: stopped; recorded ${st.recorded}, duplicates ${st.duplicates}, folded ${st.foldedChanges} change(s) (${st.foldedRows} row(s) entirely), refused ${st.failedRows}\n`,
      );
    });
}

/** The worker records events and searches them for fold-in: a key without both scopes would retry forever. */
async function checkKey(client: VellumClient, io: CliIO): Promise<void> {
  let scopes: string[];
  try {
    scopes = (await client.keySelf()).scopes;
  } catch (err) {
    if (err instanceof CliError && (err.code === 'UNAUTHENTICATED' || err.code === 'FORBIDDEN')) throw err;
    io.stderr.write(`capture: cannot check the key yet (${err instanceof Error ? err.message : String(err)}); starting anyway\n`);
    return;
  }
  const missing = ['events:write', 'events:read'].filter((s) => !hasScope(scopes, s as Scope));
  if (missing.length > 0) throw new CliError(`the key lacks ${missing.join(' and ')}: the worker records events and searches them for fold-in`);
}

async function requireInstalled(db: pg.Client, schema: string): Promise<void> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [`${quoteIdent(schema)}.meta`]);
  if (rows[0]?.ok !== true) throw new CliError(`capture is not installed in this database (no ${schema}.meta); run vellum capture install first`);
}

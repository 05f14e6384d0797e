import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { StoredEvent } from '@vellum/core';
import { CliError } from './CliError.ts';
import type { CliIO } from './CliIO.ts';
import { connect, parseIntegerOption } from './connection.ts';
import { addConnectionOptions, addFilterOptions, filterParams } from './filterOptions.ts';
import { formatEventsTable } from './formatEventsTable.ts';
import type { VellumClient } from './VellumClient.ts';

type Options = Record<string, unknown> & { url?: string; key?: string; json?: boolean; limit?: string; order?: string; cursor?: string; interval?: string };

export function addEventsCommands(program: Command, io: CliIO): void {
  const events = program.command('events').description('Read the audit log of a running server.');

  const query = events
    .command('query')
    .description('Search events (GET /v1/events) and print one page: a table, or JSON with --json. The filters narrow; absent means any.');
  addFilterOptions(query);
  addConnectionOptions(query)
    .option('--limit <n>', 'events per page, 1..1000 (default 100)')
    .option('--order <order>', 'desc (newest first, default) or asc')
    .option('--cursor <cursor>', 'continue after a previous page (its nextCursor)')
    .option('--json', 'print the page as JSON: { events, nextCursor }')
    .action(async (options: Options) => {
      const client = connect(options, io);
      const params = filterParams(options);
      const limit = parseIntegerOption('--limit', options.limit, 1, 1000);
      if (limit !== undefined) params.set('limit', String(limit));
      if (options.order !== undefined) params.set('order', options.order);
      if (options.cursor !== undefined) params.set('cursor', options.cursor);
      const page = await client.search(params);
      if (options.json === true) {
        io.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
        return;
      }
      io.stdout.write(page.events.length === 0 ? 'no events match\n' : formatEventsTable(page.events));
      // On stderr, so the table on stdout stays clean for pipes.
      if (page.nextCursor !== null) io.stderr.write(`more: --cursor ${page.nextCursor}\n`);
    });

  const tail = events
    .command('tail')
    .description('Follow new events as they are recorded, by polling the search API from the current head (Ctrl-C stops).');
  addFilterOptions(tail);
  addConnectionOptions(tail)
    .option('--interval <ms>', 'milliseconds between polls (default 1000)')
    .option('--json', 'print each event as one JSON line')
    .action(async (options: Options) => {
      if (options.tenant === '*') throw new CliError('tail follows one tenant; --tenant * is not supported here');
      const client = connect(options, io);
      const interval = parseIntegerOption('--interval', options.interval, 50, 3_600_000) ?? 1000;
      await tailEvents(client, filterParams(options), {
        interval,
        signal: io.stopSignal,
        print: (batch) => {
          if (batch.length === 0) return;
          io.stdout.write(options.json === true ? batch.map((e) => `${JSON.stringify(e)}\n`).join('') : formatEventsTable(batch, { header: false }));
        },
      });
    });
}

/**
 * Polls newest-first and walks back page by page to the last event already shown, so a burst of any size
 * between two polls is printed whole and in log order, using nothing but the public search API.
 */
export async function tailEvents(
  client: VellumClient,
  filters: URLSearchParams,
  options: { interval: number; signal: AbortSignal | undefined; print(events: StoredEvent[]): void },
): Promise<void> {
  const pageParams = (cursor: string | null, limit: number) => {
    const p = new URLSearchParams(filters);
    p.set('order', 'desc');
    p.set('limit', String(limit));
    if (cursor !== null) p.set('cursor', cursor);
    return p;
  };
  const stopped = () => options.signal?.aborted === true;
  try {
    const head = await client.search(pageParams(null, 1), options.signal);
    let last = head.events[0]?.position ?? 0;
    while (!stopped()) {
      await sleep(options.interval, undefined, options.signal === undefined ? {} : { signal: options.signal });
      const fresh: StoredEvent[] = [];
      let cursor: string | null = null;
      for (;;) {
        const page = await client.search(pageParams(cursor, 1000), options.signal);
        const newer = page.events.filter((e) => e.position > last);
        fresh.push(...newer);
        cursor = page.nextCursor;
        if (cursor === null || newer.length < page.events.length) break;
      }
      if (fresh.length > 0) {
        fresh.reverse();
        options.print(fresh);
        last = fresh[fresh.length - 1]!.position;
      }
    }
  } catch (err) {
    if ((err as Error).name === 'AbortError') return;
    throw err;
  }
}

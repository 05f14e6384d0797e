import type { Command } from 'commander';
import { CliError } from './CliError.ts';
import type { CliIO } from './CliIO.ts';
import { connect, parseIntegerOption } from './connection.ts';
import { addConnectionOptions, addFilterOptions, filterParams } from './filterOptions.ts';
import { formatEventsTable } from './formatEventsTable.ts';
import { tailEvents } from './tailEvents.ts';

type Options = Record<string, unknown> & { url?: string; key?: string; json?: boolean; limit?: string; order?: string; cursor?: string };

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
    .description(
      'Follow new events as they are recorded (GET /v1/live, Server-Sent Events), from the current head until Ctrl-C; ' +
        'after a lost connection it reconnects and resumes where it stopped.',
    );
  addFilterOptions(tail);
  addConnectionOptions(tail)
    .option('--json', 'print each event as one JSON line')
    .action(async (options: Options) => {
      if (options.tenant === '*') throw new CliError('tail follows one tenant; --tenant * is not supported here');
      const client = connect(options, io);
      await tailEvents(client, filterParams(options), {
        signal: io.stopSignal,
        print: (batch) => {
          io.stdout.write(options.json === true ? batch.map((e) => `${JSON.stringify(e)}\n`).join('') : formatEventsTable(batch, { header: false }));
        },
        notice: (line) => io.stderr.write(`${line}\n`),
      });
    });
}

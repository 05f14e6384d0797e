import { createWriteStream, writeFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Command } from 'commander';
import { CliError } from './CliError.ts';
import type { CliIO } from './CliIO.ts';
import { connect } from './connection.ts';
import { addConnectionOptions, addFilterOptions, filterParams } from './filterOptions.ts';

export function addExportCommand(program: Command, io: CliIO): void {
  const command = program
    .command('export')
    .description('Download every matching event (GET /v1/export), streamed: NDJSON (one event per line) or CSV (spreadsheet-safe).');
  addFilterOptions(command);
  addConnectionOptions(command)
    .option('--format <format>', 'ndjson (default) or csv')
    .option('--order <order>', 'asc (oldest first, default) or desc')
    .option('--output <file>', 'write to this file instead of stdout')
    .option('--form <form>', 'readable (default: personal data decrypted or [erased]) or stored (exactly as hashed: what vellum verify --file checks)')
    .option('--checkpoint <file>', "also save the tenant's latest signed checkpoint (GET /v1/checkpoints/latest) to this file, taken before the export starts, so the two verify on their own with vellum verify --file; implies --form stored, a whole-log NDJSON export (no filters but --tenant) in log order")
    .action(async (options: Record<string, unknown> & { url?: string; key?: string; format?: string; order?: string; output?: string; form?: string; checkpoint?: string }) => {
      const format = options.format ?? 'ndjson';
      if (format !== 'ndjson' && format !== 'csv') throw new CliError('--format must be ndjson or csv');
      if (options.form !== undefined && options.form !== 'readable' && options.form !== 'stored') throw new CliError('--form must be readable or stored');
      const client = connect(options, io);
      const params = filterParams(options);
      if (options.checkpoint !== undefined) {
        await saveCheckpoint(client, params, options, options.checkpoint);
        options.form = 'stored';
      }
      params.set('format', format);
      if (options.order !== undefined) params.set('order', options.order);
      if (options.form !== undefined) params.set('form', options.form);
      const res = await client.request('/v1/export', params);
      if (res.body === null) return;
      const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
      const out = options.output === undefined ? nonClosing(io.stdout) : createWriteStream(options.output);
      await pipeline(body, out);
      if (options.output !== undefined) io.stderr.write(`exported to ${options.output}\n`);
    });
}

/**
 * An export that verifies on its own: the checkpoint is fetched first, so every event it covers is in the export
 * that follows (events appended meanwhile are simply past its size, which verify accepts as growth). Only a whole,
 * stored-form, oldest-first NDJSON log can be checked against a tree root, so anything else is refused here rather
 * than failing verification later.
 */
async function saveCheckpoint(
  client: ReturnType<typeof connect>,
  params: URLSearchParams,
  options: { format?: string; order?: string; form?: string },
  file: string,
): Promise<void> {
  const filters = [...params.keys()].filter((k) => k !== 'tenant');
  if (filters.length > 0) throw new CliError(`--checkpoint needs the whole log: drop the filters (${[...new Set(filters)].join(', ')})`);
  if ((options.format ?? 'ndjson') !== 'ndjson') throw new CliError('--checkpoint needs --format ndjson');
  if ((options.order ?? 'asc') !== 'asc') throw new CliError('--checkpoint needs the log in order (--order asc)');
  if (options.form === 'readable') throw new CliError('--checkpoint needs the stored form (personal data as hashed); drop --form readable');
  const tenant = params.get('tenant');
  const res = await client.request('/v1/checkpoints/latest', new URLSearchParams(tenant === null ? {} : { tenant }));
  writeFileSync(file, `${JSON.stringify(await res.json(), null, 2)}\n`);
}

/** stdout must stay open after the pipeline ends. */
function nonClosing(target: CliIO['stdout']): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      if (target.write(chunk as unknown as string)) done();
      else target.once('drain', () => done());
    },
  });
}

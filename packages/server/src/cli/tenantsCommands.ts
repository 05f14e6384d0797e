import type { Command } from 'commander';
import type { TenantRecord } from '@vellum/core';
import type { CliIO } from './CliIO.ts';
import { connect } from './connection.ts';
import { formatFields, formatTable, terminalSafe, type TableColumn } from './formatTable.ts';

interface ServerOptions {
  url?: string;
  key?: string;
  json?: boolean;
}

const TENANT_COLUMNS: ReadonlyArray<TableColumn<TenantRecord>> = [
  { header: 'ID', value: (t) => t.id, maxWidth: 64 },
  { header: 'NAME', value: (t) => t.name },
  { header: 'CREATED', value: (t) => t.createdAt },
];

function withServer(command: Command): Command {
  return command
    .option('--url <url>', 'server URL (env VELLUM_URL; default http://127.0.0.1:7070)')
    .option('--key <key>', 'API key with the admin scope (env VELLUM_KEY)')
    .option('--json', "print the server's JSON response instead of text");
}

export function addTenantsCommands(program: Command, io: CliIO): void {
  const tenants = program.command('tenants').description('Tenants (admin): create and list them on a running server.');

  withServer(
    tenants
      .command('create')
      .description('Create a tenant (POST /v1/tenants); then give it keys with vellum keys create --tenant <id>.')
      .argument('<id>', 'the tenant id: letters, digits, _ . : - (starting with a letter or digit), at most 64 characters')
      .option('--name <name>', 'a display name (default: the id)'),
  ).action(async (id: string, options: ServerOptions & { name?: string }) => {
    const tenant = await connect(options, io).createTenant({ id, ...(options.name === undefined ? {} : { name: options.name }) });
    if (options.json === true) {
      io.stdout.write(`${JSON.stringify(tenant, null, 2)}\n`);
      return;
    }
    io.stdout.write(`Created tenant ${terminalSafe(tenant.id)}.\n${formatFields([['id', tenant.id], ['name', tenant.name], ['created', tenant.createdAt]])}`);
    // On stderr: a hint for people, not part of the output a script would read.
    io.stderr.write(`next: vellum keys create --tenant ${tenant.id} --name <name> --scope events:write\n`);
  });

  withServer(tenants.command('list').description('List every tenant (GET /v1/tenants), by id.')).action(async (options: ServerOptions) => {
    const list = await connect(options, io).listTenants();
    if (options.json === true) io.stdout.write(`${JSON.stringify({ tenants: list }, null, 2)}\n`);
    else io.stdout.write(list.length === 0 ? 'no tenants\n' : formatTable(TENANT_COLUMNS, list));
  });
}
